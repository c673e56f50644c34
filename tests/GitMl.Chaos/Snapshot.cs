using GitMl.Core;
using GitMl.Core.Hashing;
using GitMl.Core.Pipelines;
using GitMl.Core.Pointers;

namespace GitMl.Chaos;

/// <summary>
/// What a world (a repository and its directory remote) holds: workspace files by path with their BLAKE3, and the
/// verified objects of the cache and of the remote. Objects whose bytes do not match their oid are listed as corrupt.
/// </summary>
internal sealed class Snapshot
{
    public Dictionary<string, string> Workspace { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Cache { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Remote { get; } = new(StringComparer.Ordinal);

    public List<string> Corrupt { get; } = [];

    public List<string> Unparsable { get; } = [];

    /// <summary>File oids listed by each cached or remote manifest.</summary>
    public Dictionary<string, IReadOnlyList<string>> ManifestEntries { get; } = new(StringComparer.Ordinal);

    /// <summary>Temp files a killed writer left in an object folder (never read as objects).</summary>
    public List<string> Litter { get; } = [];

    /// <summary>Every content hash available anywhere: workspace bytes, cache and remote objects.</summary>
    public HashSet<string> Available()
    {
        var all = new HashSet<string>(Workspace.Values, StringComparer.Ordinal);
        all.UnionWith(Cache.Select(Oid.Digest));
        all.UnionWith(Remote.Select(Oid.Digest));
        return all;
    }

    public static Snapshot Take(World world)
    {
        var s = new Snapshot();
        var work = world.Repo;
        foreach (var file in Directory.EnumerateFiles(work, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(work, file).Replace('\\', '/');
            if (rel.StartsWith(".git/", StringComparison.Ordinal) || rel.StartsWith(".gitml/", StringComparison.Ordinal))
            {
                continue;
            }

            s.Workspace[rel] = Blake3Hasher.HashFile(file);
            try
            {
                if (rel.EndsWith(PointerFile.Extension, StringComparison.Ordinal))
                {
                    PointerFile.Parse(File.ReadAllText(file), rel);
                }
                else if (rel == PointerDiscovery.LockFileName)
                {
                    LockFile.Parse(File.ReadAllText(file), rel);
                }
            }
            catch (GitMlException ex)
            {
                s.Unparsable.Add($"{rel}: {ex.Message}");
            }
        }

        ReadStore(Path.Combine(work, ".gitml", "cache"), s.Cache, s, "cache");
        if (world.S3 is null)
        {
            ReadStore(world.RemoteDir, s.Remote, s, "remote");
            ReadReceipts(world.RemoteDir, s);
        }
        else
        {
            ReadBucket(world, s);
        }

        return s;
    }

    /// <summary>
    /// An S3 world's remote: every key under the prefix must be a verified object (S3 has no temp keys: an upload is
    /// visible only when complete, and unfinished multipart uploads are not listed), or a run-cache entry.
    /// </summary>
    private static void ReadBucket(World world, Snapshot s)
    {
        foreach (var key in world.S3!.Keys(world.Bucket!, World.Prefix + "/"))
        {
            var rel = key[(World.Prefix.Length + 1)..];
            if (rel.StartsWith("runs/", StringComparison.Ordinal))
            {
                continue;
            }

            if (rel.StartsWith("pushes/", StringComparison.Ordinal))
            {
                CheckReceipt(s, rel, world.S3.Get(world.Bucket!, key));
                continue;
            }

            var parts = rel.Split('/');
            var oid = parts.Length == 3 && parts[0] == "b3" ? parts[1] + parts[2] : rel;
            if (!Oid.IsValid(oid))
            {
                s.Corrupt.Add($"remote: stray key {key}");
                continue;
            }

            var bytes = world.S3.Get(world.Bucket!, key);
            Admit(s, s.Remote, "remote", oid, Blake3Hasher.Hash(bytes), () => bytes);
        }
    }

    /// <summary>
    /// A push receipt (<c>pushes/xx/rest</c>) is not data, so it is not part of the snapshot that runs are compared by
    /// (a re-run push that finds objects present writes one; the reference run did not), but it must be whole: named
    /// by the hash of its bytes and parseable.
    /// </summary>
    private static void CheckReceipt(Snapshot s, string rel, byte[] bytes)
    {
        var parts = rel.Split('/');
        if (parts.Length != 3 || parts[1] + parts[2] != Blake3Hasher.HashMetadata(bytes) || GitMl.Core.Remotes.PushReceipt.TryParse(bytes) is null)
        {
            s.Corrupt.Add($"remote: bad push receipt {rel}");
        }
    }

    /// <summary>A directory remote's push receipts; a killed writer's temp file beside them is litter.</summary>
    private static void ReadReceipts(string root, Snapshot s)
    {
        var pushes = Path.Combine(root, "pushes");
        if (!Directory.Exists(pushes))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(pushes, "*", SearchOption.AllDirectories))
        {
            var rel = "pushes/" + Path.GetRelativePath(pushes, file).Replace('\\', '/');
            if (Path.GetFileName(file).StartsWith('.') && file.EndsWith(".tmp", StringComparison.Ordinal))
            {
                s.Litter.Add("remote: " + rel);
            }
            else
            {
                CheckReceipt(s, rel, File.ReadAllBytes(file));
            }
        }
    }

    /// <summary>Records a verified object (and a manifest's entries), or as corrupt when its bytes or manifest are bad.</summary>
    private static void Admit(Snapshot s, HashSet<string> into, string what, string oid, string actualDigest, Func<byte[]> bytes)
    {
        if (actualDigest != Oid.Digest(oid))
        {
            s.Corrupt.Add($"{what}: {oid} holds bytes hashing to {actualDigest}");
            return;
        }

        if (Oid.IsDir(oid))
        {
            try
            {
                s.ManifestEntries[oid] = DirectoryManifest.Parse(bytes(), oid).Entries.Select(e => e.Oid).ToList();
            }
            catch (GitMlException ex)
            {
                s.Corrupt.Add($"{what}: manifest {oid}: {ex.Message}");
                return;
            }
        }

        into.Add(oid);
    }

    private static void ReadStore(string root, HashSet<string> into, Snapshot s, string what)
    {
        var corrupt = s.Corrupt;
        var litter = s.Litter;
        var b3 = Path.Combine(root, "b3");
        if (!Directory.Exists(b3))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(b3, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(b3, file).Replace('\\', '/');
            var parts = rel.Split('/');
            var oid = parts.Length == 2 ? parts[0] + parts[1] : rel;
            if (!Oid.IsValid(oid))
            {
                // A writer's temp file ('.<rest>.<random>.tmp', renamed into place when complete) left by a kill is
                // litter: no reader takes it for an object. Anything else in the object folders is corruption.
                if (parts.Length == 2 && parts[1].StartsWith('.') && parts[1].EndsWith(".tmp", StringComparison.Ordinal))
                {
                    litter.Add($"{what}: b3/{rel}");
                }
                else
                {
                    corrupt.Add($"{what}: stray file b3/{rel}");
                }

                continue;
            }

            Admit(s, into, what, oid, Blake3Hasher.HashFile(file), () => File.ReadAllBytes(file));
        }
    }
}
