using System.Text.Json;
using GitMl.Core.Hashing;

namespace GitMl.Core.Remotes;

/// <summary>
/// A push's note to <c>gc --cloud</c>: the roots (file oids and <c>.dir</c> manifest oids) of the data the push found
/// complete on the remote. A push that skips objects because they are already there writes one, since those objects
/// keep their old write time. Without it, a gc in another clone that cannot see the new commit could remove them as
/// old and unused. gc keeps everything a receipt younger than <c>--keep-recent</c> covers, and deletes older receipts.
/// The key is the BLAKE3 hash of the receipt's bytes.
/// </summary>
public sealed class PushReceipt
{
    private const int Version = 1;

    private PushReceipt(IReadOnlyList<string> roots) => Roots = roots;

    /// <summary>The oids the receipt covers, sorted; a <c>.dir</c> root covers its manifest's files too.</summary>
    public IReadOnlyList<string> Roots { get; }

    /// <summary>Serializes a receipt for <paramref name="roots"/>; returns its key (oid-shaped) and bytes.</summary>
    /// <param name="roots">The roots the push covered.</param>
    /// <param name="written">When the receipt was written (informational: gc uses the remote's own time).</param>
    public static (string Key, byte[] Bytes) Create(IEnumerable<string> roots, DateTimeOffset written)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("version", Version);
            json.WriteString("written", written.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));

            // Two pushes in the same tick from two clones must not share a key: a nonce keeps receipts distinct.
            json.WriteString("nonce", Guid.NewGuid().ToString("N"));
            json.WriteStartArray("roots");
            foreach (var root in roots.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                json.WriteStringValue(Oid.Require(root, "push receipt"));
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        var bytes = buffer.ToArray();
        return (Blake3Hasher.HashMetadata(bytes), bytes);
    }

    /// <summary>
    /// Parses receipt bytes; null when they are not a receipt this version understands (another tool's file, a newer
    /// version, damage). A root that is not a well-formed oid makes the whole receipt unreadable: it is never trusted
    /// in part.
    /// </summary>
    public static PushReceipt? TryParse(byte[] bytes)
    {
        try
        {
            using var doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 4 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("version", out var v) || v.ValueKind != JsonValueKind.Number || v.GetInt32() != Version
                || !root.TryGetProperty("roots", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var roots = new List<string>(list.GetArrayLength());
            foreach (var e in list.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.String || e.GetString() is not { } oid || !Oid.IsValid(oid))
                {
                    return null;
                }

                roots.Add(oid);
            }

            return new PushReceipt(roots);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }
}
