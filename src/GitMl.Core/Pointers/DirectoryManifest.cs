using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using GitMl.Core.Hashing;

namespace GitMl.Core.Pointers;

/// <summary>One file of a tracked directory.</summary>
/// <param name="RelPath">'/'-separated path relative to the directory.</param>
/// <param name="Oid">The file's oid.</param>
/// <param name="Size">The file's size in bytes.</param>
/// <param name="IsExec">True when the file has an executable bit.</param>
public sealed record ManifestEntry(string RelPath, string Oid, long Size, bool IsExec = false);

/// <summary>
/// The object that lists a tracked directory: a UTF-8 JSON array sorted by relpath (ordinal on UTF-8 bytes),
/// with no insignificant whitespace, so equal directories give byte-identical manifests on every OS.
/// </summary>
public sealed class DirectoryManifest
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        // Raw UTF-8 for non-ASCII names keeps manifests readable; escaping is still deterministic for '"', '\\' and controls.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Creates a manifest; entries are sorted and validated.</summary>
    public DirectoryManifest(IEnumerable<ManifestEntry> entries)
    {
        var list = entries.ToList();
        list.Sort((a, b) => CompareUtf8(a.RelPath, b.RelPath));
        for (var i = 0; i < list.Count; i++)
        {
            SafePath.RequireSafeRelative(list[i].RelPath, "directory manifest");
            Oid.Require(list[i].Oid, "directory manifest");
            if (Oid.IsDir(list[i].Oid))
            {
                throw new GitMlException("directory manifest nests another manifest", "manifests list files only", ExitCode.InvalidInput);
            }

            if (list[i].Size < 0)
            {
                throw new GitMlException($"negative size for '{list[i].RelPath}' in directory manifest", null, ExitCode.InvalidInput);
            }

            if (i > 0 && list[i - 1].RelPath == list[i].RelPath)
            {
                throw new GitMlException($"duplicate path '{list[i].RelPath}' in directory manifest", null, ExitCode.InvalidInput);
            }
        }

        Entries = list;
    }

    /// <summary>Entries in manifest order.</summary>
    public IReadOnlyList<ManifestEntry> Entries { get; }

    /// <summary>Sum of file sizes.</summary>
    public long TotalSize => Entries.Sum(e => e.Size);

    /// <summary>Ordinal comparison of the UTF-8 encodings (equals ordinal UTF-16 except for surrogate pairs).</summary>
    public static int CompareUtf8(string a, string b)
    {
        // Without allocating: UTF-16 code-unit order equals UTF-8 byte order except where a surrogate (a code point
        // above U+FFFF) meets a unit in U+E000..U+FFFF; there the surrogate sorts last, as its UTF-8 form does.
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            var x = a[i];
            var y = b[i];
            if (x == y)
            {
                continue;
            }

            var xs = char.IsSurrogate(x);
            var ys = char.IsSurrogate(y);
            if (xs == ys)
            {
                return x < y ? -1 : 1;
            }

            return xs ? 1 : -1;
        }

        return a.Length.CompareTo(b.Length);
    }

    /// <summary>The canonical bytes of this manifest.</summary>
    public byte[] ToBytes()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, WriterOptions))
        {
            w.WriteStartArray();
            foreach (var e in Entries)
            {
                w.WriteStartObject();
                w.WriteString("relpath", e.RelPath);
                w.WriteString("oid", e.Oid);
                w.WriteNumber("size", e.Size);
                if (e.IsExec)
                {
                    w.WriteBoolean("isexec", true);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        return ms.ToArray();
    }

    /// <summary>The manifest's oid: BLAKE3 of its canonical bytes, plus <c>.dir</c>.</summary>
    public string ComputeOid() => Blake3Hasher.HashMetadata(ToBytes()) + Oid.DirSuffix;

    /// <summary>Parses manifest bytes; every path and oid is validated (manifests come from remotes too).</summary>
    public static DirectoryManifest Parse(ReadOnlySpan<byte> bytes, string where)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 4 });
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw Bad(where, "not a JSON array");
            }

            var entries = new List<ManifestEntry>();
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("relpath", out var rp) || rp.ValueKind != JsonValueKind.String
                    || !item.TryGetProperty("oid", out var oid) || oid.ValueKind != JsonValueKind.String
                    || !item.TryGetProperty("size", out var size) || !size.TryGetInt64(out var sizeValue))
                {
                    throw Bad(where, "an entry lacks relpath, oid or size");
                }

                var isExec = item.TryGetProperty("isexec", out var ex) && ex.ValueKind == JsonValueKind.True;
                entries.Add(new ManifestEntry(rp.GetString()!, oid.GetString()!, sizeValue, isExec));
            }

            return new DirectoryManifest(entries);
        }
        catch (JsonException ex)
        {
            throw Bad(where, ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            // GetString throws this (not JsonException) for a string holding invalid UTF-8, e.g. a flipped byte.
            throw Bad(where, ex.Message);
        }
    }

    private static GitMlException Bad(string where, string why) =>
        new($"corrupted directory manifest {where}: {why}", "run 'git ml fsck' and pull a good copy from the remote", ExitCode.Corrupted);
}
