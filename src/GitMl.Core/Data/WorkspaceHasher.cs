using GitMl.Core.Hashing;
using GitMl.Core.Pointers;
using Microsoft.Extensions.Logging;

namespace GitMl.Core.Data;

/// <summary>
/// Oids of scanned files, reading only what the state database does not vouch for, in parallel; optionally storing the
/// bytes in the cache (then made durable in one step by <see cref="SyncCache"/>). Also the folder fingerprints and
/// manifests built from a scan.
/// </summary>
internal sealed class WorkspaceHasher
{
    private readonly DataRun _run;
    private readonly System.Collections.Concurrent.ConcurrentBag<string> _unsynced = [];

    public WorkspaceHasher(DataRun run) => _run = run;

    /// <summary>The oid of one file item (see <see cref="ComputeOids"/>).</summary>
    public string ComputeOid(FileItem item, bool store, string phase) => ComputeOids([item], store, phase)[0];

    /// <summary>Oids of <paramref name="items"/>, reading only files unknown to the state database, in parallel.</summary>
    public string[] ComputeOids(IReadOnlyList<FileItem> items, bool store, string phase)
    {
        var oids = new string[items.Count];
        var todo = new List<int>();
        for (var i = 0; i < items.Count; i++)
        {
            var known = _run.State.Lookup(items[i].StateKey, items[i].Stat);
            if (known is not null && (!store || _run.Repo.Cache.Contains(known)))
            {
                oids[i] = known;
            }
            else
            {
                todo.Add(i);
            }
        }

        if (todo.Count == 0)
        {
            return oids;
        }

        long bytesTotal = 0;
        foreach (var i in todo)
        {
            bytesTotal += items[i].Stat.Size;
        }

        long bytesDone = 0;
        long filesDone = 0;
        var progress = _run.Progress;
        Action<long>? onBytes = progress is null ? null : n =>
        {
            var done = Interlocked.Add(ref bytesDone, n);
            progress.Report(new WorkProgress(phase, Interlocked.Read(ref filesDone), todo.Count, done, bytesTotal));
        };
        _run.Logger.LogDebug("{Phase} {Files} files ({Bytes} bytes)", phase, todo.Count, bytesTotal);
        DataRun.InParallel(todo.Count, k =>
        {
            var i = todo[k];
            oids[i] = HashOne(items[i], store, onBytes);
            var files = Interlocked.Increment(ref filesDone);
            progress?.Report(new WorkProgress(phase, files, todo.Count, Interlocked.Read(ref bytesDone), bytesTotal));
        });
        return oids;
    }

    private string HashOne(in FileItem item, bool store, Action<long>? onBytes)
    {
        string oid;
        try
        {
            oid = store
                ? _run.Repo.Cache.PutFile(item.FullPath, null, onBytes, flushToDisk: false)
                : Blake3Hasher.HashFile(item.FullPath, onBytes);
        }
        catch (FileNotFoundException)
        {
            throw ChangedWhileReading(item.StateKey);
        }

        var after = FileStat.TryGet(item.FullPath, followLinks: true);
        if (after != item.Stat)
        {
            throw ChangedWhileReading(item.StateKey);
        }

        _run.State.Record(item.StateKey, item.Stat, oid);
        if (store)
        {
            _run.Linker.MarkVerified(oid);
            _unsynced.Add(oid);
        }

        return oid;
    }

    /// <summary>
    /// A 128-bit digest of a folder listing: every file's relative path, inode, mtime, size and mode. Equal
    /// fingerprints mean no file was added, removed, renamed or touched. Also returns the newest mtime (racy rule).
    /// </summary>
    public static (UInt128 Fingerprint, long NewestMtimeNs) Fingerprint(IReadOnlyList<FileItem> files)
    {
        var sorted = files.OrderBy(f => f.RelInDir, StringComparer.Ordinal).ToList();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(Math.Max(256, files.Count * 64));
        long newest = 0;
        foreach (var f in sorted)
        {
            var name = System.Text.Encoding.UTF8.GetByteCount(f.RelInDir);
            var span = buffer.GetSpan(name + 1 + 28);
            System.Text.Encoding.UTF8.GetBytes(f.RelInDir, span);
            span[name] = 0;
            var rest = span[(name + 1)..];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(rest, f.Stat.Inode);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(rest[8..], f.Stat.MtimeNs);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(rest[16..], f.Stat.Size);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(rest[24..], f.Stat.Mode);
            buffer.Advance(name + 1 + 28);
            newest = Math.Max(newest, f.Stat.MtimeNs);
        }

        var digest = Convert.FromHexString(Blake3Hasher.HashMetadata(buffer.WrittenSpan));
        var hi = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(digest);
        var lo = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(digest.AsSpan(8));
        return (new UInt128(hi, lo), newest);
    }

    public static DirectoryManifest BuildManifest(IReadOnlyList<FileItem> files, string[] oids)
    {
        var entries = new ManifestEntry[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            entries[i] = new ManifestEntry(files[i].RelInDir, oids[i], files[i].Stat.Size, files[i].Stat.IsExecutable);
        }

        return new DirectoryManifest(entries);
    }

    /// <summary>
    /// Makes the objects written so far durable before anything names them. A few objects are fsynced one by one
    /// (only our data is flushed); thousands take one <c>syncfs</c>, far cheaper than thousands of fsyncs.
    /// </summary>
    public void SyncCache()
    {
        var oids = _unsynced.Distinct(StringComparer.Ordinal).ToList();
        _unsynced.Clear();
        if (oids.Count == 0)
        {
            return;
        }

        if (oids.Count > 256)
        {
            _run.Repo.Cache.SyncToDisk(oids[0]);
            return;
        }

        DataRun.InParallel(oids.Count, i =>
        {
            using var handle = File.OpenHandle(_run.Repo.Cache.PathOf(oids[i]), FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        });
    }

    public static List<FileChange> DiffManifest(DirectoryManifest manifest, IReadOnlyList<FileItem> files, string[] oids)
    {
        var current = new Dictionary<string, int>(files.Count, StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
        {
            current[files[i].RelInDir] = i;
        }

        var changes = new List<FileChange>();
        foreach (var e in manifest.Entries)
        {
            if (!current.Remove(e.RelPath, out var i))
            {
                changes.Add(new FileChange(e.RelPath, FileChangeKind.Deleted));
            }
            else if (oids[i] != e.Oid || files[i].Stat.IsExecutable != e.IsExec)
            {
                changes.Add(new FileChange(e.RelPath, FileChangeKind.Modified));
            }
        }

        foreach (var (rel, _) in current)
        {
            changes.Add(new FileChange(rel, FileChangeKind.Added));
        }

        changes.Sort((a, b) => DirectoryManifest.CompareUtf8(a.RelPath, b.RelPath));
        return changes;
    }

    private static GitMlException ChangedWhileReading(string repoPath) => new(
        $"'{repoPath}' changed while it was being read",
        "run the command again once the program writing it has finished",
        ExitCode.Conflict);
}
