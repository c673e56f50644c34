using System.Text;

namespace GitMl.Core.Data;

/// <summary>
/// Remembers, per repository-relative path, the (inode, mtime ns, size) at which a file was last hashed and its oid,
/// so unchanged data is never re-read. Stored in <c>.gitml/tmp/state</c> as a compact binary file loaded whole and
/// rewritten atomically: 100k entries load in a few milliseconds, with no native dependency (SQLite would add one and
/// its per-row cost for no gain here, since every command reads the whole table anyway).
/// </summary>
/// <remarks>
/// Entries are hints, never truth for writes: a wrong entry could only make <c>status</c> miss a change, so an entry is
/// trusted only when all three stat fields match, and entries whose mtime is too close to the save time ("racy", the
/// same rule Git uses for its index) are not saved, because a later write in the same clock tick could keep its mtime.
/// Thread-safe.
/// </remarks>
public sealed class StateDb
{
    /// <summary>File name under <c>.gitml/tmp</c>.</summary>
    public const string FileName = "state";

    private const long RacyWindowNs = 50_000_000;
    private static readonly byte[] Magic = "GMLSTAT1"u8.ToArray();

    private readonly Dictionary<string, Entry> _entries;
    private readonly Lock _gate = new();
    private bool _dirty;

    private StateDb(string path, Dictionary<string, Entry> entries)
    {
        Path = path;
        _entries = entries;
    }

    /// <summary>Where the database is stored.</summary>
    public string Path { get; }

    /// <summary>Number of entries.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Loads the database from <paramref name="tmpDir"/>; a missing or unreadable file gives an empty one.</summary>
    public static StateDb Load(string tmpDir)
    {
        var path = System.IO.Path.Combine(tmpDir, FileName);
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        try
        {
            if (File.Exists(path))
            {
                ReadInto(File.ReadAllBytes(path), entries);
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or EndOfStreamException or ArgumentException or FormatException)
        {
            // A damaged state file only costs a rehash; start over rather than fail the command.
            entries.Clear();
        }

        return new StateDb(path, entries);
    }

    /// <summary>The recorded oid of <paramref name="relPath"/> when its stat still matches, else null.</summary>
    public string? Lookup(string relPath, in FileStat stat)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(relPath, out var e) && e.Inode == stat.Inode && e.MtimeNs == stat.MtimeNs && e.Size == stat.Size)
            {
                return e.Oid;
            }
        }

        return null;
    }

    /// <summary>Records that <paramref name="relPath"/> with <paramref name="stat"/> has content <paramref name="oid"/>.</summary>
    public void Record(string relPath, in FileStat stat, string oid)
    {
        lock (_gate)
        {
            _entries[relPath] = new Entry(stat.Inode, stat.MtimeNs, stat.Size, oid);
            _dirty = true;
        }
    }

    /// <summary>Forgets one path.</summary>
    public void Forget(string relPath)
    {
        lock (_gate)
        {
            _dirty |= _entries.Remove(relPath);
        }
    }

    /// <summary>Forgets a path and everything below it (a removed folder).</summary>
    public void ForgetUnder(string relPath)
    {
        var prefix = relPath + "/";
        lock (_gate)
        {
            var gone = _entries.Keys.Where(k => k == relPath || k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            foreach (var k in gone)
            {
                _entries.Remove(k);
            }

            _dirty |= gone.Count > 0;
        }
    }

    /// <summary>Writes the database atomically when it changed. Racy entries are left out.</summary>
    public void Save()
    {
        byte[] bytes;
        lock (_gate)
        {
            if (!_dirty)
            {
                return;
            }

            var nowNs = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
            bytes = Serialize(_entries, nowNs - RacyWindowNs);
            _dirty = false;
        }

        AtomicFile.WriteAllBytes(Path, bytes);
    }

    private static byte[] Serialize(Dictionary<string, Entry> entries, long racyAfterNs)
    {
        using var ms = new MemoryStream(64 + (entries.Count * 96));
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            var count = 0;
            foreach (var (_, e) in entries)
            {
                if (e.MtimeNs < racyAfterNs)
                {
                    count++;
                }
            }

            w.Write(count);
            Span<byte> digest = stackalloc byte[32];
            foreach (var (path, e) in entries)
            {
                if (e.MtimeNs >= racyAfterNs)
                {
                    continue;
                }

                w.Write(path);
                w.Write(e.Inode);
                w.Write(e.MtimeNs);
                w.Write(e.Size);
                Convert.FromHexString(e.Oid.AsSpan(0, 64), digest, out _, out _);
                w.Write(digest);
            }
        }

        return ms.ToArray();
    }

    private static void ReadInto(byte[] bytes, Dictionary<string, Entry> entries)
    {
        using var r = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a GitMl state file");
        }

        var count = r.ReadInt32();
        // Each entry takes at least 57 bytes; a damaged count must not make us reserve gigabytes (OutOfMemoryException).
        if (count < 0 || count > bytes.Length / 57)
        {
            throw new InvalidDataException("entry count does not fit the file");
        }

        entries.EnsureCapacity(count);
        for (var i = 0; i < count; i++)
        {
            var path = r.ReadString();
            var inode = r.ReadUInt64();
            var mtime = r.ReadInt64();
            var size = r.ReadInt64();
            var oid = Convert.ToHexStringLower(r.ReadBytes(32));
            entries[path] = new Entry(inode, mtime, size, oid);
        }
    }

    private readonly record struct Entry(ulong Inode, long MtimeNs, long Size, string Oid);
}
