using GitMl.Core.Cache;
using GitMl.Core.Hashing;
using GitMl.Core.Pointers;

namespace GitMl.Core.Remotes;

/// <summary>What gc removed (or, in a dry run, would remove).</summary>
/// <param name="Where">"cache" or the remote's description.</param>
/// <param name="Kept">Objects kept.</param>
/// <param name="Removed">Objects removed (oid, bytes), sorted by oid.</param>
/// <param name="DryRun">True when nothing was deleted.</param>
public sealed record GcResult(string Where, int Kept, IReadOnlyList<RemoteObject> Removed, bool DryRun)
{
    /// <summary>Bytes removed.</summary>
    public long BytesRemoved => Removed.Sum(r => r.Size);

    /// <summary>Leftovers of killed transfers removed from the remote (unfinished multipart uploads, temp files).</summary>
    public int StaleSwept { get; init; }

    /// <summary>
    /// Unreferenced remote objects kept because they were written, or covered by a push receipt, within the grace
    /// period: another clone may have pushed them for a commit this clone cannot see yet. Included in <see cref="Kept"/>.
    /// </summary>
    public int KeptRecent { get; init; }

    /// <summary>Push receipts older than the grace period, removed (or, in a dry run, that would be).</summary>
    public int ReceiptsRemoved { get; init; }
}

/// <summary>
/// Deletes objects that no revision in scope uses, from the cache or from a remote. Before anything is deleted, every
/// kept directory's manifest must be readable (cache, or remote for <c>--cloud</c>): otherwise which files it keeps
/// is unknown and gc refuses rather than guess.
/// </summary>
public sealed class GcService
{
    private readonly ObjectStore _cache;

    /// <summary>Creates the service over a cache.</summary>
    public GcService(ObjectStore cache) => _cache = cache;

    /// <summary>The oids the outs keep (files, manifests, manifest files). Reads manifests from the cache, else the remote.</summary>
    public async Task<HashSet<string>> KeepSetAsync(IReadOnlyList<TrackedOut> outs, IRemoteStorage? remote, CancellationToken ct)
    {
        var manifests = await RemoteManifest.ReadAllAsync(_cache, remote, outs.Select(o => o.Out.Oid), ct);
        if (outs.FirstOrDefault(o => o.Out.IsDirectory && manifests[o.Out.Oid] is null) is { } unknown)
        {
            throw new GitMlException(
                $"cannot tell which objects '{unknown.RepoPath}' keeps: its manifest {unknown.Out.Oid} is in neither the cache{(remote is null ? string.Empty : " nor on the remote")}",
                "run 'git ml fetch' (or narrow the scope) before gc; nothing was deleted",
                ExitCode.NotFound);
        }

        var plan = ObjectPlan.Build(outs, oid => manifests[oid]);
        return plan.AllOids.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Removes unkept objects from the cache.</summary>
    public async Task<GcResult> CollectCacheAsync(IReadOnlyList<TrackedOut> outs, bool dryRun, CancellationToken ct)
    {
        var keep = await KeepSetAsync(outs, null, ct);
        var removed = new List<RemoteObject>();
        var kept = 0;
        foreach (var oid in _cache.EnumerateOids().ToList())
        {
            if (keep.Contains(oid))
            {
                kept++;
                continue;
            }

            removed.Add(new RemoteObject(oid, new FileInfo(_cache.PathOf(oid)).Length));
            if (!dryRun)
            {
                _cache.Delete(oid);
            }
        }

        removed.Sort((a, b) => string.CompareOrdinal(a.Oid, b.Oid));
        return new GcResult("cache", kept, removed, dryRun);
    }

    /// <summary>
    /// Removes unkept objects from a remote, and what killed transfers left there untouched for
    /// <paramref name="staleAfter"/> (default <see cref="TransferService.StaleAfter"/>). Unkept objects the remote
    /// wrote less than <paramref name="keepRecent"/> ago are kept: a clone that pushed data but not yet its commit
    /// would otherwise lose it to a gc run elsewhere (git keeps young loose objects for the same reason). An object
    /// whose listing carries no time is treated as old. Objects a push receipt younger than <paramref name="keepRecent"/>
    /// covers are kept the same way (a push that found them already there did not renew their time); older receipts
    /// are removed.
    /// </summary>
    public async Task<GcResult> CollectRemoteAsync(IReadOnlyList<TrackedOut> outs, IRemoteStorage remote, int jobs, bool dryRun, CancellationToken ct,
        TimeSpan? staleAfter = null, TimeSpan keepRecent = default)
    {
        await remote.EnsureReadyAsync(ct);
        var keep = await KeepSetAsync(outs, remote, ct);
        var all = await remote.ListAllAsync(ct);
        var cutoff = DateTimeOffset.UtcNow - keepRecent;
        bool IsRecent(RemoteObject o) => keepRecent > TimeSpan.Zero && o.Modified > cutoff;

        // Receipts are read after the object listing, as close to the deletes as possible, so that a push finishing
        // while this gc runs is seen rather than missed.
        var receipts = await remote.ListPushReceiptsAsync(ct);
        var covered = await ReceiptCoverageAsync(receipts.Where(IsRecent).ToList(), remote, jobs, ct);
        var unkept = all.Where(o => !keep.Contains(o.Oid)).ToLookup(o => IsRecent(o) || covered.Contains(o.Oid));
        var recent = unkept[true].Count();
        var removed = unkept[false].OrderBy(o => o.Oid, StringComparer.Ordinal).ToList();
        var oldReceipts = receipts.Where(r => !IsRecent(r)).ToList();
        var swept = 0;
        if (!dryRun)
        {
            await remote.DeleteManyAsync(removed.Select(o => o.Oid).ToList(), jobs, ct);
            await TransferService.RunParallel(oldReceipts, jobs, (r, token) => new ValueTask(remote.DeletePushReceiptAsync(r.Oid, token)), ct);
            swept = await remote.SweepStaleAsync(staleAfter ?? TransferService.StaleAfter, ct);
        }

        return new GcResult(remote.Description, all.Count - removed.Count, removed, dryRun)
        {
            StaleSwept = swept,
            KeptRecent = recent,
            ReceiptsRemoved = oldReceipts.Count,
        };
    }

    /// <summary>
    /// Every oid the receipts cover: their roots, and the files of each <c>.dir</c> root (manifest from the cache,
    /// else the remote). A receipt that is gone or unreadable covers nothing; a manifest that cannot be read covers
    /// only itself (its files were pushed with it, and their own times keep them while they are young).
    /// </summary>
    private async Task<HashSet<string>> ReceiptCoverageAsync(IReadOnlyList<RemoteObject> receipts, IRemoteStorage remote, int jobs, CancellationToken ct)
    {
        var roots = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        await TransferService.RunParallel(receipts, jobs, async (r, token) =>
        {
            if (await remote.GetPushReceiptAsync(r.Oid, token) is { } bytes && PushReceipt.TryParse(bytes) is { } receipt)
            {
                foreach (var root in receipt.Roots)
                {
                    roots.TryAdd(root, true);
                }
            }
        }, ct);

        var covered = new HashSet<string>(roots.Keys, StringComparer.Ordinal);
        foreach (var manifest in (await RemoteManifest.ReadAllAsync(_cache, remote, roots.Keys, ct)).Values)
        {
            covered.UnionWith(manifest?.Entries.Select(e => e.Oid) ?? []);
        }

        return covered;
    }
}
