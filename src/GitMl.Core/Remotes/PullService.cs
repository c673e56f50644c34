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
        catch (GitMlException ex) when (ex.ExitCode == ExitCode.Corrupted && QuarantineCorrupt(outs) > 0)
        {
            // A damaged cache object counts as present, so the fetch skipped it and the verified copy refused it.
            // With the bad copies set aside, the same pull downloads good ones (verified) and goes on.
            return await PullOnceAsync(outs, remote, jobs, progress, ct);
        }
    }

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

        // TODO(merge): use DataService checkout from issue 2
        var checkout = FetchedCheckout.WriteMissingFiles(_repo, toWrite);
        return new PullResult(fetch, checkout);
    }
}
