using GitMl.Core.Pointers;

namespace GitMl.Core.Remotes;

/// <summary>What a pull did: the fetch, then the files written into the workspace.</summary>
/// <param name="Fetch">The fetch half.</param>
/// <param name="Checkout">The checkout half.</param>
public sealed record PullResult(TransferResult Fetch, FetchedCheckoutResult Checkout);

/// <summary><c>pull</c> = fetch + checkout of the fetched outs into the workspace.</summary>
public sealed class PullService
{
    private readonly GitMlRepository _repo;

    /// <summary>Creates the service for a repository.</summary>
    public PullService(GitMlRepository repo) => _repo = repo;

    /// <summary>Fetches the outs' objects, then writes the workspace files that are missing (never overwriting changes).</summary>
    public async Task<PullResult> PullAsync(IReadOnlyList<TrackedOut> outs, IRemoteStorage remote, int jobs, IProgress<WorkProgress>? progress, CancellationToken ct)
    {
        try
        {
            return await PullOnceAsync(outs, remote, jobs, progress, ct);
        }
        catch (Exception ex) when (IsCorruption(ex) && QuarantineCorrupt(outs) > 0)
        {
            // A damaged cache object counts as present, so the fetch skipped it and the verified copy refused it.
            // With the bad copies set aside, the same pull downloads good ones (verified) and goes on.
            return await PullOnceAsync(outs, remote, jobs, progress, ct);
        }
    }

    // The checkout copies in parallel, so the error may come wrapped in an AggregateException.
    private static bool IsCorruption(Exception ex) => ex switch
    {
        GitMlException g => g.ExitCode == ExitCode.Corrupted,
        AggregateException a => a.Flatten().InnerExceptions.Any(IsCorruption),
        _ => false,
    };

    /// <summary>
    /// Moves every cached object of <paramref name="outs"/> whose bytes do not match its oid to
    /// <c>.gitml/tmp/corrupt/</c> (kept, never deleted: it may be someone's only copy). Returns how many moved.
    /// </summary>
    public int QuarantineCorrupt(IReadOnlyList<TrackedOut> outs)
    {
        var cache = _repo.Cache;
        var oids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var o in outs)
        {
            oids.Add(o.Out.Oid);
            if (o.Out.IsDirectory && cache.Contains(o.Out.Oid) && cache.Verify(o.Out.Oid))
            {
                oids.UnionWith(cache.ReadManifest(o.Out.Oid).Entries.Select(e => e.Oid));
            }
        }

        var moved = 0;
        var quarantine = Path.Combine(_repo.TmpDir, "corrupt");
        foreach (var oid in oids)
        {
            if (cache.Contains(oid) && !cache.Verify(oid))
            {
                Directory.CreateDirectory(quarantine);
                File.Move(cache.PathOf(oid), Path.Combine(quarantine, oid + "." + Guid.NewGuid().ToString("N")[..8]));
                moved++;
            }
        }

        return moved;
    }

    private async Task<PullResult> PullOnceAsync(IReadOnlyList<TrackedOut> outs, IRemoteStorage remote, int jobs, IProgress<WorkProgress>? progress, CancellationToken ct)
    {
        var fetch = await new TransferService(_repo.Cache).FetchAsync(outs, remote, jobs, progress, ct);

        // Only outs of the workspace are written: revisions from --all-* flags are fetched into the cache only.
        var workspaceOuts = PointerDiscovery.WorkspaceOuts(_repo.WorkDir).Select(o => (o.RepoPath, o.Out.Oid)).ToHashSet();
        var toWrite = outs.Where(o => workspaceOuts.Contains((o.RepoPath, o.Out.Oid))).ToList();

        return new PullResult(fetch, CheckoutFetched(toWrite, fetch.Received));
    }

    /// <summary>
    /// The checkout half, through the data path's checkout: verified objects, linked per <c>cache.type</c>, recorded in
    /// the state database (so the next <c>status</c> rehashes nothing). An out whose workspace copy holds changes that
    /// are not in the cache is kept as it is and reported, as git-lfs does, rather than failing the whole pull.
    /// </summary>
    private FetchedCheckoutResult CheckoutFetched(IReadOnlyList<TrackedOut> outs, IReadOnlyCollection<string> hashedByFetch)
    {
        int written = 0, unchanged = 0, notInCache = 0;
        var kept = new List<string>();
        using var data = new Data.DataService(_repo);

        // The fetch hashed these bytes as it wrote them into the cache moments ago: copies need not hash them again.
        foreach (var oid in hashedByFetch)
        {
            data.Linker.MarkVerified(oid);
        }

        foreach (var o in outs)
        {
            try
            {
                var r = data.Materialize(o.Out, o.RepoPath, force: false);
                written += r.FilesWritten;
                unchanged += r.FilesUnchanged;
            }
            catch (GitMlException ex) when (ex.ExitCode == ExitCode.Conflict)
            {
                kept.Add(o.RepoPath);
            }
            catch (GitMlException ex) when (ex.ExitCode == ExitCode.NotFound)
            {
                // The fetch reported what it could not get; ThrowIfIncomplete turns that into the command's error.
                notInCache++;
            }
        }

        return new FetchedCheckoutResult(written, unchanged, kept, notInCache);
    }
}
