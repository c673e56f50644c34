using GitMl.Core;
using GitMl.Core.Pointers;

namespace GitMl.Testing;

/// <summary>
/// Puts data under GitMl's tracking with Core primitives only (cache object + pointer file), for tests of code that
/// consumes tracked data (remotes, gc, fsck) without depending on the <c>add</c> command.
/// </summary>
public static class TrackedData
{
    /// <summary>Writes <paramref name="bytes"/> at <paramref name="relPath"/>, caches it, and writes its pointer. Returns the oid.</summary>
    public static string TrackFile(GitMlRepository repo, string relPath, byte[] bytes)
    {
        var full = Path.Combine(repo.WorkDir, relPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        var oid = repo.Cache.PutFile(full);
        WritePointer(repo, relPath, new PointerOut { Path = Path.GetFileName(relPath), Oid = oid, Size = bytes.Length });
        return oid;
    }

    /// <summary>Writes files under <paramref name="relDir"/>, caches them and their manifest, writes the pointer. Returns the <c>.dir</c> oid.</summary>
    public static string TrackDirectory(GitMlRepository repo, string relDir, IReadOnlyDictionary<string, byte[]> files)
    {
        var root = Path.Combine(repo.WorkDir, relDir);
        var entries = new List<ManifestEntry>();
        foreach (var (rel, bytes) in files)
        {
            var full = Path.Combine(root, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, bytes);
            entries.Add(new ManifestEntry(rel, repo.Cache.PutFile(full), bytes.Length));
        }

        var manifest = new DirectoryManifest(entries);
        var oid = repo.Cache.PutManifest(manifest);
        WritePointer(repo, relDir, new PointerOut { Path = Path.GetFileName(relDir), Oid = oid, Size = manifest.TotalSize, NFiles = entries.Count });
        return oid;
    }

    /// <summary>Deterministic pseudo-random bytes.</summary>
    public static byte[] Bytes(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static void WritePointer(GitMlRepository repo, string relPath, PointerOut o)
    {
        var pointer = new PointerFile([o]);
        AtomicFile.WriteAllText(Path.Combine(repo.WorkDir, relPath + PointerFile.Extension), pointer.ToYaml());

        // The data itself stays out of Git, as 'add' would arrange.
        var dir = Path.GetDirectoryName(Path.Combine(repo.WorkDir, relPath))!;
        var ignore = Path.Combine(dir, ".gitignore");
        File.AppendAllText(ignore, "/" + Path.GetFileName(relPath) + "\n");
    }
}
