using GitMl.Core.Pointers;
using GitMl.Core.Remotes;

namespace GitMl.Core.Pipelines;

/// <summary>What a run-cache push or pull moved.</summary>
/// <param name="Entries">Run entries considered.</param>
/// <param name="EntriesTransferred">Entries written to the other side.</param>
/// <param name="Skipped">Entries left out: locally, outs no longer cached (push); remotely, entries that do not parse (pull).</param>
/// <param name="Objects">The object transfer for the entries' outs.</param>
public sealed record RunCacheTransferResult(int Entries, int EntriesTransferred, int Skipped, TransferResult Objects);

/// <summary>
/// <c>push --run-cache</c> / <c>pull --run-cache</c>: carries run-cache entries (and the objects of their outs) to and
/// from a remote. Objects always travel before the entries that name them, so the other side never holds an entry
/// whose outs it cannot restore.
/// </summary>
public static class RunCacheTransfer
{
    /// <summary>Uploads every local entry whose objects are cached, objects first.</summary>
    public static async Task<RunCacheTransferResult> PushAsync(GitMlRepository repo, IRemoteStorage remote, int jobs, IProgress<WorkProgress>? progress, CancellationToken ct)
    {
        var runCache = new RunCache(repo.Cache);
        var ready = new List<(string Key, IReadOnlyList<LockedOut> Outs)>();
        var skipped = 0;
        foreach (var key in runCache.Keys())
        {
            var outs = runCache.TryGet(key);
            if (outs is null || !runCache.ObjectsPresent(outs))
            {
                skipped++;
                continue;
            }

            ready.Add((key, outs));
        }

        var tracked = ready.SelectMany(r => r.Outs.Select(o => new TrackedOut("run cache", o.Out.Path, o.Out))).ToList();
        var objects = await new TransferService(repo.Cache).PushAsync(tracked, remote, jobs, progress, ct);
        objects.ThrowIfIncomplete();
        var present = (await remote.ListRunEntriesAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var sent = 0;
        foreach (var (key, _) in ready.Where(r => !present.Contains(r.Key)))
        {
            await remote.PutRunEntryAsync(key, await File.ReadAllBytesAsync(runCache.PathOf(key), ct), ct);
            sent++;
        }

        return new RunCacheTransferResult(ready.Count + skipped, sent, skipped, objects);
    }

    /// <summary>Downloads the remote's entries the cache lacks, then the objects of every entry's outs.</summary>
    public static async Task<RunCacheTransferResult> PullAsync(GitMlRepository repo, IRemoteStorage remote, int jobs, IProgress<WorkProgress>? progress, CancellationToken ct)
    {
        var runCache = new RunCache(repo.Cache);
        var local = runCache.Keys().ToHashSet(StringComparer.Ordinal);
        await remote.EnsureReadyAsync(ct);
        var remoteKeys = await remote.ListRunEntriesAsync(ct);
        var received = 0;
        var skipped = 0;
        foreach (var key in remoteKeys.Where(k => !local.Contains(k)))
        {
            if (runCache.PutRaw(key, await remote.GetRunEntryAsync(key, ct)))
            {
                received++;
            }
            else
            {
                skipped++;
            }
        }

        var tracked = remoteKeys.Select(runCache.TryGet).Where(o => o is not null)
            .SelectMany(o => o!.Select(x => new TrackedOut("run cache", x.Out.Path, x.Out)))
            .ToList();
        var objects = await new TransferService(repo.Cache).FetchAsync(tracked, remote, jobs, progress, ct);
        objects.ThrowIfIncomplete();
        return new RunCacheTransferResult(remoteKeys.Count, received, skipped, objects);
    }
}
