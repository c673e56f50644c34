using GitMl.Core.Cache;
using GitMl.Core.Hashing;
using GitMl.Core.Pointers;

namespace GitMl.Core.Remotes;

/// <summary>What fsck found.</summary>
/// <param name="Where">"cache" or the remote's description.</param>
/// <param name="Checked">Objects re-hashed.</param>
/// <param name="BytesChecked">Bytes re-hashed.</param>
/// <param name="Corrupt">Objects whose bytes do not match their oid, sorted.</param>
/// <param name="Missing">Objects the workspace's pointers need that are absent, sorted.</param>
public sealed record FsckResult(string Where, int Checked, long BytesChecked, IReadOnlyList<string> Corrupt, IReadOnlyList<string> Missing)
{
    /// <summary>Throws <see cref="ExitCode.Corrupted"/> for corrupt objects, else <see cref="ExitCode.NotFound"/> for missing ones.</summary>
    public void ThrowIfProblems()
    {
        if (Corrupt.Count > 0)
        {
            throw new GitMlException(
                $"{Corrupt.Count} corrupted object(s) in {Where} (first: {Corrupt[0]})",
                Where == "cache"
                    ? "delete them from .gitml/cache and 'git ml pull' good copies"
                    : "push good copies from a clone whose 'git ml fsck' is clean (delete the bad ones first with 'git ml gc --cloud' scope or by hand)",
                ExitCode.Corrupted);
        }

        if (Missing.Count > 0)
        {
            throw new GitMlException(
                $"{Missing.Count} object(s) the workspace needs are missing from {Where} (first: {Missing[0]})",
                Where == "cache" ? "run 'git ml fetch'" : "run 'git ml push' from a clone that has them",
                ExitCode.NotFound);
        }
    }
}

/// <summary>
/// Re-hashes every object in the cache or on a remote (like <c>git fsck</c> / <c>restic check --read-data</c>) and
/// lists the objects the workspace needs that are absent. Reports only; deletes nothing.
/// </summary>
public sealed class FsckService
{
    private readonly ObjectStore _cache;

    /// <summary>Creates the service over a cache.</summary>
    public FsckService(ObjectStore cache) => _cache = cache;

    /// <summary>Checks the cache.</summary>
    public async Task<FsckResult> CheckCacheAsync(IReadOnlyList<TrackedOut> outs, int jobs, IProgress<WorkProgress>? progress, CancellationToken ct)
    {
        var oids = _cache.EnumerateOids().ToList();
        var corrupt = new System.Collections.Concurrent.ConcurrentBag<string>();
        long bytes = 0;
        long done = 0;
        await TransferService.RunParallel(oids, jobs, (oid, token) =>
        {
            if (!_cache.Verify(oid, n => Interlocked.Add(ref bytes, n)))
            {
                corrupt.Add(oid);
            }

            progress?.Report(new WorkProgress("fsck", Interlocked.Increment(ref done), oids.Count, Interlocked.Read(ref bytes), 0));
            return ValueTask.CompletedTask;
        }, ct);

        var present = oids.ToHashSet(StringComparer.Ordinal);
        var plan = ObjectPlan.Build(outs, oid => present.Contains(oid) && !corrupt.Contains(oid) ? _cache.ReadManifest(oid) : null);
        var missing = plan.AllOids.Where(o => !present.Contains(o)).Order(StringComparer.Ordinal).ToList();
        return new FsckResult("cache", oids.Count, bytes, corrupt.Order(StringComparer.Ordinal).ToList(), missing);
    }

    /// <summary>Downloads and re-hashes every object on a remote (nothing enters the cache).</summary>
    public async Task<FsckResult> CheckRemoteAsync(IReadOnlyList<TrackedOut> outs, IRemoteStorage remote, int jobs, IProgress<WorkProgress>? progress, CancellationToken ct)
    {
        await remote.EnsureReadyAsync(ct);
        var all = await remote.ListAllAsync(ct);
        var corrupt = new System.Collections.Concurrent.ConcurrentBag<string>();
        long bytes = 0;
        long done = 0;
        var total = all.Sum(o => o.Size);
        await TransferService.RunParallel(all, jobs, async (o, token) =>
        {
            string? actual = null;
            await remote.DownloadAsync(o.Oid, async (s, t) =>
            {
                using var hasher = Blake3Hasher.CreateIncremental();
                var buffer = new byte[1 << 20];
                int read;
                while ((read = await s.ReadAsync(buffer, t)) > 0)
                {
                    hasher.Update(buffer.AsSpan(0, read));
                    Interlocked.Add(ref bytes, read);
                }

                actual = hasher.Finish();
            }, token);
            if (actual != Oid.Digest(o.Oid))
            {
                corrupt.Add(o.Oid);
            }

            progress?.Report(new WorkProgress("fsck", Interlocked.Increment(ref done), all.Count, Interlocked.Read(ref bytes), total));
        }, ct);

        var present = all.Select(o => o.Oid).ToHashSet(StringComparer.Ordinal);
        var manifests = new Dictionary<string, DirectoryManifest?>(StringComparer.Ordinal);
        foreach (var oid in outs.Select(o => o.Out.Oid).Where(Oid.IsDir).Distinct())
        {
            manifests[oid] = present.Contains(oid) && !corrupt.Contains(oid) ? await RemoteManifest.TryReadAsync(remote, oid, ct) : null;
        }

        var plan = ObjectPlan.Build(outs, oid => manifests.GetValueOrDefault(oid));
        var missing = plan.AllOids.Where(o => !present.Contains(o)).Order(StringComparer.Ordinal).ToList();
        return new FsckResult(remote.Description, all.Count, bytes, corrupt.Order(StringComparer.Ordinal).ToList(), missing);
    }
}
