using GitMl.Core.Cache;
using GitMl.Core.Hashing;
using GitMl.Core.Pointers;

namespace GitMl.Core.Remotes;

/// <summary>One tracked path's cache-versus-remote state.</summary>
/// <param name="Path">Repository-relative tracked path.</param>
/// <param name="Oid">Its oid.</param>
/// <param name="Objects">Objects it needs (1 for a file; the manifest plus its files for a directory).</param>
/// <param name="MissingLocally">How many of them are not in the cache.</param>
/// <param name="MissingOnRemote">How many of them are not on the remote.</param>
public sealed record CloudStatusEntry(string Path, string Oid, int Objects, int MissingLocally, int MissingOnRemote)
{
    /// <summary><c>in sync</c>, <c>missing locally</c>, <c>missing on remote</c>, or <c>missing locally and on remote</c>.</summary>
    public string State => (MissingLocally > 0, MissingOnRemote > 0) switch
    {
        (false, false) => "in sync",
        (true, false) => "missing locally",
        (false, true) => "missing on remote",
        _ => "missing locally and on remote",
    };
}

/// <summary>
/// <c>status --cloud</c>: for each tracked path, whether its objects are missing in the cache, missing on the remote,
/// or in sync. Reads the remote only (presence checks as in push); writes nothing.
/// </summary>
public sealed class CloudStatusService
{
    private readonly ObjectStore _cache;

    /// <summary>Creates the service over a cache.</summary>
    public CloudStatusService(ObjectStore cache) => _cache = cache;

    /// <summary>Compares the objects of <paramref name="outs"/> in the cache and on <paramref name="remote"/>.</summary>
    public async Task<IReadOnlyList<CloudStatusEntry>> CompareAsync(IReadOnlyList<TrackedOut> outs, IRemoteStorage remote, int jobs, CancellationToken ct)
    {
        await remote.EnsureReadyAsync(ct);

        // A manifest only on the remote is read into memory to learn its files; status never writes the cache.
        var manifests = await RemoteManifest.ReadAllAsync(_cache, remote, outs.Select(o => o.Out.Oid), ct);

        var plan = ObjectPlan.Build(outs, oid => manifests.GetValueOrDefault(oid));
        var (present, _) = await TransferService.FindPresentAsync(remote, plan.AllOids.ToList(), jobs, ct);
        var result = new List<CloudStatusEntry>();
        foreach (var o in outs.OrderBy(o => o.RepoPath, StringComparer.Ordinal))
        {
            var oids = new List<string> { o.Out.Oid };
            if (o.Out.IsDirectory && plan.Manifests.GetValueOrDefault(o.Out.Oid) is { } files)
            {
                oids.AddRange(files.Distinct());
            }

            result.Add(new CloudStatusEntry(o.RepoPath, o.Out.Oid, oids.Count, oids.Count(x => !_cache.Contains(x)), oids.Count(x => !present.Contains(x))));
        }

        return result;
    }
}

/// <summary>Reads a manifest from a remote into memory, verified.</summary>
internal static class RemoteManifest
{
    /// <summary>
    /// The manifests of the <c>.dir</c> oids among <paramref name="oids"/>, each from the cache, else from
    /// <paramref name="remote"/> (read into memory, verified, not cached); null where neither has it.
    /// </summary>
    public static async Task<Dictionary<string, DirectoryManifest?>> ReadAllAsync(ObjectStore cache, IRemoteStorage? remote, IEnumerable<string> oids, CancellationToken ct)
    {
        var manifests = new Dictionary<string, DirectoryManifest?>(StringComparer.Ordinal);
        foreach (var oid in oids.Where(Oid.IsDir).Distinct(StringComparer.Ordinal))
        {
            manifests[oid] = ObjectPlan.FromCache(cache, oid) ?? (remote is null ? null : await TryReadAsync(remote, oid, ct));
        }

        return manifests;
    }

    public static async Task<DirectoryManifest?> TryReadAsync(IRemoteStorage remote, string oid, CancellationToken ct)
    {
        byte[]? bytes = null;
        try
        {
            await remote.DownloadAsync(oid, async (s, token) =>
            {
                using var ms = new MemoryStream();
                await s.CopyToAsync(ms, token);
                bytes = ms.ToArray();
            }, ct);
        }
        catch (GitMlException ex) when (ex.ExitCode == ExitCode.NotFound)
        {
            return null;
        }

        var actual = Blake3Hasher.Hash(bytes);
        if (actual != Oid.Digest(oid))
        {
            throw RemoteErrors.CorruptDownload(oid, remote.Description, actual);
        }

        return DirectoryManifest.Parse(bytes, $"{oid} on remote {remote.Description}");
    }
}
