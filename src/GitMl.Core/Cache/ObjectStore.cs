using GitMl.Core.Hashing;
using GitMl.Core.Pointers;

namespace GitMl.Core.Cache;

/// <summary>
/// The local content-addressed cache: object <c>oid</c> lives at <c>b3/oid[0:2]/oid[2:]</c> under the root, read-only.
/// Every write goes to a temp file under <c>.gitml/tmp</c>, is hashed on the way, and is renamed into place only when
/// its hash matches: an interrupted write leaves at most a temp file that the next run ignores.
/// </summary>
public sealed class ObjectStore
{
    private const int CopyBufferSize = 1 << 20;

    /// <summary>Creates a store rooted at <paramref name="root"/> with temp files under <paramref name="tmpDir"/>.</summary>
    public ObjectStore(string root, string tmpDir)
    {
        Root = root;
        TmpDir = tmpDir;
    }

    /// <summary>The cache folder (<c>.gitml/cache</c>).</summary>
    public string Root { get; }

    /// <summary>Folder for partial writes, on the same file system as <see cref="Root"/>.</summary>
    public string TmpDir { get; }

    /// <summary>Full path where <paramref name="oid"/> is or would be stored.</summary>
    public string PathOf(string oid) => Path.Combine(Root, "b3", oid[..2], oid[2..]);

    /// <summary>True when the object is present (not verified).</summary>
    public bool Contains(string oid) => File.Exists(PathOf(oid));

    /// <summary>
    /// Copies a workspace file into the cache, hashing while copying. Returns its oid.
    /// When <paramref name="expectedOid"/> is given and already present, nothing is read.
    /// </summary>
    /// <param name="sourcePath">The file to store.</param>
    /// <param name="expectedOid">The oid the bytes must have, or null to take whatever they hash to.</param>
    /// <param name="onBytes">Called with each chunk's length (progress).</param>
    /// <param name="flushToDisk">
    /// False skips the per-object fsync; the caller must then call <see cref="SyncToDisk"/> before anything that names
    /// the object (a pointer file) is written. Batching the sync turns thousands of fsyncs into one.
    /// </param>
    public string PutFile(string sourcePath, string? expectedOid = null, Action<long>? onBytes = null, bool flushToDisk = true)
    {
        if (expectedOid is not null && Contains(expectedOid))
        {
            return expectedOid;
        }

        using var src = new FileStream(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return PutStream(src, expectedOid, $"file '{sourcePath}'", onBytes, flushToDisk);
    }

    /// <summary>
    /// Writes a stream into the cache via a temp file, verifying <paramref name="expectedOid"/> when given.
    /// A mismatch deletes the temp file and throws <see cref="ExitCode.Corrupted"/>.
    /// </summary>
    public string PutStream(Stream source, string? expectedOid, string origin, Action<long>? onBytes = null, bool flushToDisk = true)
    {
        var tmp = NewTempPath();
        try
        {
            string oid;
            using (var dst = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                oid = CopyHashing(source, dst, onBytes);
                dst.Flush(flushToDisk);
            }

            return CommitVerified(tmp, expectedOid, oid, origin);
        }
        finally
        {
            AtomicFile.TryDelete(tmp);
        }
    }

    /// <summary>
    /// Asynchronous <see cref="PutStream"/> for network streams: reads never block a thread-pool thread, so many
    /// parallel downloads do not starve the pool. Same verification and temp-file rules.
    /// </summary>
    public Task<string> PutStreamAsync(Stream source, string? expectedOid, string origin, Action<long>? onBytes = null, CancellationToken ct = default) =>
        PutStreamAsync(source, expectedOid, origin, flushToDisk: true, onBytes, ct);

    /// <summary>
    /// <see cref="PutStreamAsync(Stream, string?, string, Action{long}?, CancellationToken)"/> with the per-object fsync
    /// optional: with <paramref name="flushToDisk"/> false the caller must call <see cref="SyncToDisk"/> before it
    /// reports the objects as stored (a fetch of 1,000 objects then costs one sync instead of 1,000).
    /// </summary>
    public async Task<string> PutStreamAsync(Stream source, string? expectedOid, string origin, bool flushToDisk, Action<long>? onBytes, CancellationToken ct)
    {
        var tmp = NewTempPath();
        try
        {
            string oid;
            using (var hasher = Blake3Hasher.CreateIncremental())
            {
                await using (var dst = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
                {
                    var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(CopyBufferSize);
                    try
                    {
                        while (true)
                        {
                            // Fill the buffer before hashing/writing: network reads return small chunks.
                            var filled = 0;
                            int read;
                            while (filled < CopyBufferSize && (read = await source.ReadAsync(buffer.AsMemory(filled), ct)) > 0)
                            {
                                filled += read;
                            }

                            if (filled == 0)
                            {
                                break;
                            }

                            hasher.Update(buffer.AsSpan(0, filled));
                            await dst.WriteAsync(buffer.AsMemory(0, filled), ct);
                            onBytes?.Invoke(filled);
                        }
                    }
                    finally
                    {
                        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                    }

                    dst.Flush(flushToDisk);
                    if (!flushToDisk && OperatingSystem.IsLinux())
                    {
                        // Writeback starts now, overlapping the next downloads, instead of all at the caller's sync.
                        Data.FileStat.Native.StartWriteback(dst.SafeFileHandle);
                    }
                }

                oid = hasher.Finish();
            }

            return CommitVerified(tmp, expectedOid, oid, origin);
        }
        finally
        {
            AtomicFile.TryDelete(tmp);
        }
    }

    /// <summary>
    /// A fresh temp file path for an object that arrives in pieces (parallel ranged reads); hand it to
    /// <see cref="CommitPartialVerified"/> when complete, and delete it on failure.
    /// </summary>
    public string NewPartialPath() => NewTempPath();

    /// <summary>
    /// Hashes a temp file written out of order (from <see cref="NewPartialPath"/>) and renames it into place when its
    /// bytes match <paramref name="expectedOid"/>; a mismatch deletes it and throws <see cref="ExitCode.Corrupted"/>
    /// naming <paramref name="origin"/>. The file is not fsynced here: the caller syncs (<see cref="SyncToDisk"/>)
    /// when <paramref name="flushToDisk"/> is false.
    /// </summary>
    public string CommitPartialVerified(string tmp, string expectedOid, string origin, bool flushToDisk)
    {
        try
        {
            string digest;
            using (var src = new FileStream(tmp, FileMode.Open, flushToDisk ? FileAccess.ReadWrite : FileAccess.Read, FileShare.None, 1, FileOptions.SequentialScan))
            {
                digest = CopyHashing(src, Stream.Null, null);
                if (flushToDisk)
                {
                    src.Flush(flushToDisk: true);
                }
            }

            return CommitVerified(tmp, expectedOid, digest, origin);
        }
        finally
        {
            AtomicFile.TryDelete(tmp);
        }
    }

    /// <summary>Stores bytes (e.g. a manifest) under their oid plus <paramref name="suffix"/>.</summary>
    public string PutBytes(ReadOnlySpan<byte> bytes, string suffix = "")
    {
        var oid = Blake3Hasher.HashMetadata(bytes) + suffix;
        if (Contains(oid))
        {
            return oid;
        }

        var tmp = NewTempPath();
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }

            Commit(tmp, oid);
            return oid;
        }
        finally
        {
            AtomicFile.TryDelete(tmp);
        }
    }

    /// <summary>Stores a directory manifest and returns its <c>.dir</c> oid.</summary>
    public string PutManifest(DirectoryManifest manifest) => PutBytes(manifest.ToBytes(), Oid.DirSuffix);

    /// <summary>Reads and verifies a whole object (for small objects such as manifests).</summary>
    public byte[] ReadVerified(string oid)
    {
        var path = PathOf(oid);
        if (!File.Exists(path))
        {
            throw Missing(oid);
        }

        var bytes = File.ReadAllBytes(path);
        if (Blake3Hasher.HashMetadata(bytes) != Oid.Digest(oid))
        {
            throw Corrupt(oid);
        }

        return bytes;
    }

    /// <summary>Reads and verifies a directory manifest.</summary>
    public DirectoryManifest ReadManifest(string oid) => DirectoryManifest.Parse(ReadVerified(oid), $"{oid} in the cache");

    /// <summary>Re-hashes an object. Returns false when its bytes do not match; throws when missing.</summary>
    public bool Verify(string oid, Action<long>? onBytes = null)
    {
        var path = PathOf(oid);
        if (!File.Exists(path))
        {
            throw Missing(oid);
        }

        return Blake3Hasher.HashFile(path, onBytes) == Oid.Digest(oid);
    }

    /// <summary>
    /// Copies an object to <paramref name="destination"/> via a temp file beside it, hashing on the way; the
    /// destination is replaced only when the hash matches, so corrupted bytes never reach the workspace.
    /// </summary>
    public void CopyVerifiedTo(string oid, string destination, Action<long>? onBytes = null)
    {
        var path = PathOf(oid);
        if (!File.Exists(path))
        {
            throw Missing(oid);
        }

        var dir = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, "." + Path.GetFileName(destination) + "." + Guid.NewGuid().ToString("N")[..12] + ".gitml-tmp");
        try
        {
            string actual;
            using (var src = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
            using (var dst = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1))
            {
                actual = CopyHashing(src, dst, onBytes);
            }

            if (actual != Oid.Digest(oid))
            {
                throw Corrupt(oid);
            }

            File.Move(tmp, destination, overwrite: true);
        }
        finally
        {
            AtomicFile.TryDelete(tmp);
        }
    }

    /// <summary>
    /// Flushes the file system holding the cache to disk (one <c>syncfs</c> on Linux), after objects were written
    /// with <c>flushToDisk: false</c>. Elsewhere it fsyncs <paramref name="anyObjectOid"/> only.
    /// </summary>
    public void SyncToDisk(string anyObjectOid)
    {
        var path = PathOf(anyObjectOid);
        if (!File.Exists(path))
        {
            return;
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        if (OperatingSystem.IsLinux())
        {
            Data.FileStat.Native.SyncFs(handle);
        }
        else
        {
            RandomAccess.FlushToDisk(handle);
        }
    }

    /// <summary>Enumerates the oids present in the cache.</summary>
    public IEnumerable<string> EnumerateOids()
    {
        var b3 = Path.Combine(Root, "b3");
        if (!Directory.Exists(b3))
        {
            yield break;
        }

        foreach (var prefixDir in Directory.EnumerateDirectories(b3))
        {
            var prefix = Path.GetFileName(prefixDir);
            if (prefix.Length != 2)
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(prefixDir))
            {
                var oid = prefix + Path.GetFileName(file);
                if (Oid.IsValid(oid))
                {
                    yield return oid;
                }
            }
        }
    }

    /// <summary>Removes an object (gc).</summary>
    public void Delete(string oid)
    {
        var path = PathOf(oid);
        if (File.Exists(path))
        {
            File.SetAttributes(path, FileAttributes.Normal);
            File.Delete(path);
        }
    }

    /// <summary>The error for a corrupted object.</summary>
    public static GitMlException Corrupt(string oid) => new(
        $"cache object {oid} is corrupted (its bytes do not match its oid)",
        "run 'git ml fsck' to list damaged objects, delete them, and 'git ml pull' a good copy",
        ExitCode.Corrupted);

    /// <summary>The error for a missing object.</summary>
    public static GitMlException Missing(string oid) => new(
        $"object {oid} is not in the cache",
        "run 'git ml pull' (or 'git ml fetch') to download it from the remote",
        ExitCode.NotFound);

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/>, hashing on the way; returns the digest.</summary>
    private static string CopyHashing(Stream source, Stream destination, Action<long>? onBytes)
    {
        using var hasher = Blake3Hasher.CreateIncremental();

        // Pooled: a fresh 1 MiB array per object made adding 20,000 small files spend most of its CPU zeroing memory.
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            int read;
            while ((read = source.Read(buffer, 0, CopyBufferSize)) > 0)
            {
                hasher.Update(buffer.AsSpan(0, read));
                destination.Write(buffer, 0, read);
                onBytes?.Invoke(read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        return hasher.Finish();
    }

    /// <summary>A fresh temp path in <see cref="TmpDir"/> (same file system as the cache, so the final rename is atomic).</summary>
    private string NewTempPath()
    {
        Directory.CreateDirectory(TmpDir);
        return Path.Combine(TmpDir, "obj-" + Guid.NewGuid().ToString("N") + ".tmp");
    }

    /// <summary>Renames a fully written temp file into place when its hash matches; a mismatch discards it.</summary>
    private string CommitVerified(string tmp, string? expectedOid, string actualDigest, string origin)
    {
        if (expectedOid is not null && Oid.Digest(expectedOid) != actualDigest)
        {
            throw new GitMlException(
                $"object {expectedOid} from {origin} is corrupted (its bytes hash to {actualDigest})",
                "the bad bytes were discarded; run 'git ml fsck' and fetch a good copy",
                ExitCode.Corrupted);
        }

        var finalOid = expectedOid ?? actualDigest;
        Commit(tmp, finalOid);
        return finalOid;
    }

    private void Commit(string tmp, string oid)
    {
        var final = PathOf(oid);
        Directory.CreateDirectory(Path.GetDirectoryName(final)!);

        // Hard-linked workspace files share this inode: a backdated mtime keeps them out of the state database's racy window.
        File.SetLastWriteTimeUtc(tmp, DateTime.UtcNow.AddSeconds(-1));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        else
        {
            File.SetAttributes(tmp, FileAttributes.ReadOnly);
        }

        // A concurrent writer may have stored the same object; identical content makes either copy correct.
        File.Move(tmp, final, overwrite: true);
    }
}
