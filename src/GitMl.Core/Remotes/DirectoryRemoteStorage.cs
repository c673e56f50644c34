using GitMl.Core.Cache;
using GitMl.Core.Hashing;

namespace GitMl.Core.Remotes;

/// <summary>
/// A remote in a folder (local disk, NFS, a mounted share). Uploads go to a hidden temp file beside the final name,
/// are hashed on the way, and are renamed into place only when complete and correct.
/// </summary>
public sealed class DirectoryRemoteStorage : IRemoteStorage
{
    private const int BufferSize = 1 << 20;
    private readonly string _root;

    /// <summary>Creates a backend rooted at <paramref name="root"/>.</summary>
    public DirectoryRemoteStorage(string root, string? description = null)
    {
        _root = root;
        Description = description ?? root;
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListRunEntriesAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>(ListArea("runs").Select(e => e.Oid).ToList());

    /// <inheritdoc />
    public Task PutRunEntryAsync(string key, byte[] bytes, CancellationToken ct)
    {
        WriteEntry("runs", key, bytes, "run-cache entry");
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<byte[]> GetRunEntryAsync(string key, CancellationToken ct) =>
        Task.FromResult(ReadEntry("runs", key) ?? throw new GitMlException($"run-cache entry {key} is not on remote {Description}", null, ExitCode.NotFound));

    /// <inheritdoc />
    public Task<IReadOnlyList<RemoteObject>> ListPushReceiptsAsync(CancellationToken ct) => Task.FromResult(ListArea("pushes"));

    /// <inheritdoc />
    public Task PutPushReceiptAsync(string key, byte[] bytes, CancellationToken ct)
    {
        WriteEntry("pushes", key, bytes, "push receipt");
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<byte[]?> GetPushReceiptAsync(string key, CancellationToken ct) => Task.FromResult(ReadEntry("pushes", key));

    /// <inheritdoc />
    public Task DeletePushReceiptAsync(string key, CancellationToken ct)
    {
        AtomicFile.TryDelete(EntryPathOf("pushes", key));
        return Task.CompletedTask;
    }

    /// <summary>The entries of a side area (<c>runs/</c>, <c>pushes/</c>), laid out like <c>b3/</c>; temp files are skipped.</summary>
    private IReadOnlyList<RemoteObject> ListArea(string area)
    {
        var result = new List<RemoteObject>();
        var root = Path.Combine(_root, area);
        if (Directory.Exists(root))
        {
            foreach (var dir in new DirectoryInfo(root).EnumerateDirectories())
            {
                foreach (var f in dir.EnumerateFiles())
                {
                    var key = dir.Name + f.Name;
                    if (dir.Name.Length == 2 && Oid.IsValid(key))
                    {
                        result.Add(new RemoteObject(key, f.Length, new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero)));
                    }
                }
            }
        }

        return result;
    }

    private void WriteEntry(string area, string key, byte[] bytes, string what)
    {
        try
        {
            AtomicFile.WriteAllBytes(EntryPathOf(area, key), bytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new GitMlException($"cannot write {what} {key} to remote {Description}: {ex.Message}", "check the folder and its permissions", ExitCode.Remote, ex);
        }
    }

    private byte[]? ReadEntry(string area, string key)
    {
        try
        {
            return File.ReadAllBytes(EntryPathOf(area, key));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private string EntryPathOf(string area, string key) => Path.Combine(_root, area, Oid.Require(key, area + " key")[..2], key[2..]);

    /// <summary>Full path of an object on this remote.</summary>
    public string PathOf(string oid) => Path.Combine(_root, "b3", oid[..2], oid[2..]);

    /// <inheritdoc />
    public Task EnsureReadyAsync(CancellationToken ct)
    {
        if (File.Exists(_root))
        {
            throw new GitMlException($"remote {Description} is a file, not a folder", "point the remote's url at a folder", ExitCode.Remote);
        }

        // The folder is created on first use, as a directory remote on a fresh disk should just work.
        try
        {
            Directory.CreateDirectory(_root);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new GitMlException($"cannot create remote folder {Description}: {ex.Message}", "check the path and its permissions", ExitCode.Remote, ex);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(string oid, CancellationToken ct) => Task.FromResult(File.Exists(PathOf(oid)));

    /// <inheritdoc />
    public Task<IReadOnlyList<RemoteObject>> ListPrefixAsync(string prefix, CancellationToken ct)
    {
        var result = new List<RemoteObject>();
        var dir = Path.Combine(_root, "b3", prefix);
        if (Directory.Exists(dir))
        {
            foreach (var f in new DirectoryInfo(dir).EnumerateFiles())
            {
                var oid = prefix + f.Name;
                if (Oid.IsValid(oid))
                {
                    result.Add(new RemoteObject(oid, f.Length, new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero)));
                }
            }
        }

        return Task.FromResult<IReadOnlyList<RemoteObject>>(result);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RemoteObject>> ListAllAsync(CancellationToken ct)
    {
        var result = new List<RemoteObject>();
        var b3 = Path.Combine(_root, "b3");
        if (!Directory.Exists(b3))
        {
            return result;
        }

        foreach (var d in Directory.EnumerateDirectories(b3))
        {
            var prefix = Path.GetFileName(d);
            if (prefix.Length == 2)
            {
                result.AddRange(await ListPrefixAsync(prefix, ct));
            }
        }

        return result;
    }

    /// <inheritdoc />
    public Task UploadAsync(string oid, string localPath, Action<long>? onBytes, CancellationToken ct)
    {
        var final = PathOf(oid);
        var dir = Path.GetDirectoryName(final)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, "." + oid[2..] + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp");
        try
        {
            string actual;
            using (var hasher = Blake3Hasher.CreateIncremental())
            using (var src = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
            using (var dst = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1))
            {
                var buffer = new byte[BufferSize];
                int read;
                while ((read = src.Read(buffer, 0, buffer.Length)) > 0)
                {
                    ct.ThrowIfCancellationRequested();
                    hasher.Update(buffer.AsSpan(0, read));
                    dst.Write(buffer, 0, read);
                    onBytes?.Invoke(read);
                }

                dst.Flush(flushToDisk: true);
                actual = hasher.Finish();
            }

            if (actual != Oid.Digest(oid))
            {
                throw ObjectStore.Corrupt(oid);
            }

            File.Move(tmp, final, overwrite: true);
        }
        finally
        {
            AtomicFile.TryDelete(tmp);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task DownloadAsync(string oid, Func<Stream, CancellationToken, Task> consume, CancellationToken ct)
    {
        FileStream src;
        try
        {
            src = new FileStream(PathOf(oid), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw RemoteErrors.MissingObject(oid, Description);
        }

        await using (src)
        {
            await consume(src, ct);
        }
    }

    /// <summary>
    /// Deletes the temp files killed uploads left (<c>b3/xx/.&lt;name&gt;.&lt;random&gt;.tmp</c>) not written to for
    /// <paramref name="olderThan"/>: an upload still running keeps touching its temp file, so it is never swept.
    /// </summary>
    public Task<int> SweepStaleAsync(TimeSpan olderThan, CancellationToken ct)
    {
        var b3 = Path.Combine(_root, "b3");
        var swept = Directory.Exists(b3)
            ? SweepStale(new DirectoryInfo(b3).EnumerateDirectories().Select(d => d.Name).Where(n => n.Length == 2), olderThan, ct)
            : 0;

        // A push killed while writing its receipt leaves a temp file beside where the receipt would be.
        swept += SweepFolder(new DirectoryInfo(Path.Combine(_root, "pushes")), DateTime.UtcNow - olderThan, SearchOption.AllDirectories);
        return Task.FromResult(swept);
    }

    /// <summary>
    /// <see cref="SweepStaleAsync"/> limited to the <c>b3/xx</c> folders of <paramref name="prefixes"/>: a push sweeps
    /// only the folders it writes to (where a killed push of the same objects left its temp files), so it never lists
    /// a whole large remote.
    /// </summary>
    public int SweepStale(IEnumerable<string> prefixes, TimeSpan olderThan, CancellationToken ct)
    {
        var swept = 0;
        var cutoff = DateTime.UtcNow - olderThan;
        foreach (var prefix in prefixes)
        {
            ct.ThrowIfCancellationRequested();
            swept += SweepFolder(new DirectoryInfo(Path.Combine(_root, "b3", prefix)), cutoff, SearchOption.TopDirectoryOnly);
        }

        return swept;
    }

    /// <summary>Deletes the writers' temp files (<c>.&lt;name&gt;.&lt;random&gt;.tmp</c>) in a folder untouched since <paramref name="cutoff"/>.</summary>
    private static int SweepFolder(DirectoryInfo dir, DateTime cutoff, SearchOption depth)
    {
        if (!dir.Exists)
        {
            return 0;
        }

        var swept = 0;
        foreach (var f in dir.EnumerateFiles(".*.tmp", depth).Where(f => f.LastWriteTimeUtc < cutoff))
        {
            AtomicFile.TryDelete(f.FullName);
            swept++;
        }

        return swept;
    }

    /// <inheritdoc />
    public Task DeleteAsync(string oid, CancellationToken ct)
    {
        AtomicFile.TryDelete(PathOf(oid));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
