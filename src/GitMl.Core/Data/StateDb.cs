using System.Buffers;
using System.Buffers.Binary;
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
    private const int ChecksumLength = 32;
    private static readonly byte[] Magic = "GMLSTAT3"u8.ToArray();

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
                return e.Digest.ToHex();
            }
        }

        return null;
    }

    /// <summary>Records that <paramref name="relPath"/> with <paramref name="stat"/> has content <paramref name="oid"/>.</summary>
    public void Record(string relPath, in FileStat stat, string oid)
    {
        lock (_gate)
        {
            _entries[relPath] = new Entry(stat.Inode, stat.MtimeNs, stat.Size, Digest256.FromHex(oid));
            _dirty = true;
        }
    }

    /// <summary>
    /// The manifest oid recorded for folder <paramref name="relPath"/> when its listing fingerprint (every file's path
    /// and stat, see <see cref="DataService"/>) is unchanged, else null. Lets a no-op status skip the manifest entirely.
    /// </summary>
    public string? LookupTree(string relPath, UInt128 fingerprint)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(TreeKey(relPath), out var e) && e.Inode == (ulong)(fingerprint >> 64) && e.Size == (long)(ulong)fingerprint)
            {
                return e.Digest.ToHex() + Hashing.Oid.DirSuffix;
            }
        }

        return null;
    }

    /// <summary>Records a folder's listing fingerprint and manifest oid; <paramref name="newestMtimeNs"/> drives the racy rule.</summary>
    public void RecordTree(string relPath, UInt128 fingerprint, string manifestOid, long newestMtimeNs)
    {
        lock (_gate)
        {
            _entries[TreeKey(relPath)] = new Entry((ulong)(fingerprint >> 64), newestMtimeNs, (long)(ulong)fingerprint, Digest256.FromHex(manifestOid));
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
            var tree = TreeKey(relPath);
            var gone = _entries.Keys.Where(k => k == relPath || k == tree || k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
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

    // Folder entries share the table under a key no path can have (paths never contain NUL).
    private static string TreeKey(string relPath) => "\0tree\0" + relPath;

    // Layout: magic, i32 count, then per entry: u16 path length, UTF-8 path, u64 inode, i64 mtime ns, i64 size,
    // 32-byte digest; then the SHA-256 of everything before it (OpenSSL: a few ms for 100k entries). Fixed-width fields
    // let the loader slice a span without a stream or per-field calls. The checksum exists because a flipped bit in a
    // digest would otherwise be trusted (its stat still matches) and make status call an unchanged file modified
    // (found by the corruption tests).
    private static byte[] Serialize(Dictionary<string, Entry> entries, long racyAfterNs)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + (entries.Count * 100));
        buffer.Write(Magic);
        var countAt = buffer.WrittenCount;
        buffer.Write(new byte[4]);
        var count = 0;
        foreach (var (path, e) in entries)
        {
            if (e.MtimeNs >= racyAfterNs)
            {
                continue;
            }

            var len = Encoding.UTF8.GetByteCount(path);
            if (len > ushort.MaxValue)
            {
                continue;
            }

            var span = buffer.GetSpan(2 + len + 24 + 32);
            BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)len);
            Encoding.UTF8.GetBytes(path, span[2..]);
            var rest = span[(2 + len)..];
            BinaryPrimitives.WriteUInt64LittleEndian(rest, e.Inode);
            BinaryPrimitives.WriteInt64LittleEndian(rest[8..], e.MtimeNs);
            BinaryPrimitives.WriteInt64LittleEndian(rest[16..], e.Size);
            e.Digest.CopyTo(rest[24..]);
            buffer.Advance(2 + len + 24 + 32);
            count++;
        }

        var bytes = new byte[buffer.WrittenCount + ChecksumLength];
        buffer.WrittenSpan.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(countAt), count);
        System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, buffer.WrittenCount), bytes.AsSpan(buffer.WrittenCount));
        return bytes;
    }

    private static void ReadInto(byte[] bytes, Dictionary<string, Entry> entries)
    {
        ReadOnlySpan<byte> span = bytes;
        if (span.Length < Magic.Length + 4 + ChecksumLength || !span[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a GitMl state file");
        }

        if (!System.Security.Cryptography.SHA256.HashData(span[..^ChecksumLength]).AsSpan().SequenceEqual(span[^ChecksumLength..]))
        {
            throw new InvalidDataException("state file checksum mismatch");
        }

        span = span[..^ChecksumLength];

        var count = BinaryPrimitives.ReadInt32LittleEndian(span[Magic.Length..]);

        // Each entry takes at least 58 bytes; a damaged count must not make us reserve gigabytes (OutOfMemoryException).
        if (count < 0 || count > bytes.Length / 58)
        {
            throw new InvalidDataException("entry count does not fit the file");
        }

        entries.EnsureCapacity(count);
        var pos = Magic.Length + 4;
        for (var i = 0; i < count; i++)
        {
            var len = BinaryPrimitives.ReadUInt16LittleEndian(span[pos..]);
            var path = Encoding.UTF8.GetString(span.Slice(pos + 2, len));
            var rest = span.Slice(pos + 2 + len, 56);
            entries[path] = new Entry(
                BinaryPrimitives.ReadUInt64LittleEndian(rest),
                BinaryPrimitives.ReadInt64LittleEndian(rest[8..]),
                BinaryPrimitives.ReadInt64LittleEndian(rest[16..]),
                new Digest256(rest.Slice(24, 32)));
            pos += 2 + len + 56;
        }
    }

    /// <summary>A BLAKE3 digest held inline (no string per entry); converted to hex only on a hit.</summary>
    private readonly struct Digest256
    {
        private readonly ulong _a;
        private readonly ulong _b;
        private readonly ulong _c;
        private readonly ulong _d;

        public Digest256(ReadOnlySpan<byte> bytes)
        {
            _a = BinaryPrimitives.ReadUInt64BigEndian(bytes);
            _b = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
            _c = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
            _d = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
        }

        public static Digest256 FromHex(string oid)
        {
            Span<byte> b = stackalloc byte[32];
            Convert.FromHexString(oid.AsSpan(0, 64), b, out _, out _);
            return new Digest256(b);
        }

        public void CopyTo(Span<byte> dest)
        {
            BinaryPrimitives.WriteUInt64BigEndian(dest, _a);
            BinaryPrimitives.WriteUInt64BigEndian(dest[8..], _b);
            BinaryPrimitives.WriteUInt64BigEndian(dest[16..], _c);
            BinaryPrimitives.WriteUInt64BigEndian(dest[24..], _d);
        }

        public string ToHex()
        {
            Span<byte> b = stackalloc byte[32];
            CopyTo(b);
            return Convert.ToHexStringLower(b);
        }
    }

    private readonly record struct Entry(ulong Inode, long MtimeNs, long Size, Digest256 Digest);
}
