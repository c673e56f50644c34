using System.Globalization;
using System.Text;

namespace GitMl.Core.Registry;

/// <summary>What GitMl records about the registered bytes in a version tag's message.</summary>
/// <param name="Path">Repository-relative path of the artifact at the tagged commit.</param>
/// <param name="Oid">Object id of its bytes (or manifest).</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Metrics">Flattened metrics at the commit.</param>
/// <param name="Params">Flattened params at the commit.</param>
public sealed record ArtifactRecord(
    string? Path,
    string? Oid,
    long? Size,
    IReadOnlyList<KeyValuePair<string, string>> Metrics,
    IReadOnlyList<KeyValuePair<string, string>> Params);

/// <summary>
/// Annotated-tag messages. The first paragraph is GTO's human message (GTO shows it as is); GitMl's facts follow as
/// Git trailers (<c>GitMl-Oid: …</c>) in the last paragraph, which <c>git interpret-trailers</c> and GitMl parse
/// and GTO ignores.
/// </summary>
public static class RegistryTagMessage
{
    private const string PathKey = "GitMl-Path";
    private const string OidKey = "GitMl-Oid";
    private const string SizeKey = "GitMl-Size";
    private const string MetricKey = "GitMl-Metric";
    private const string ParamKey = "GitMl-Param";

    /// <summary>Builds a message: <paramref name="summary"/>, a blank line, then trailers for <paramref name="record"/>.</summary>
    public static string Format(string summary, ArtifactRecord? record)
    {
        var sb = new StringBuilder(summary.TrimEnd());
        sb.Append('\n');
        if (record is null)
        {
            return sb.ToString();
        }

        sb.Append('\n');
        if (record.Path is not null)
        {
            sb.Append(PathKey).Append(": ").Append(OneLine(record.Path)).Append('\n');
        }

        if (record.Oid is not null)
        {
            sb.Append(OidKey).Append(": ").Append(record.Oid).Append('\n');
        }

        if (record.Size is { } size)
        {
            sb.Append(SizeKey).Append(": ").Append(size.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        foreach (var (k, v) in record.Metrics)
        {
            sb.Append(MetricKey).Append(": ").Append(OneLine(k)).Append('=').Append(OneLine(v)).Append('\n');
        }

        foreach (var (k, v) in record.Params)
        {
            sb.Append(ParamKey).Append(": ").Append(OneLine(k)).Append('=').Append(OneLine(v)).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>The first paragraph of a message (what GTO shows).</summary>
    public static string Summary(string? message)
    {
        if (string.IsNullOrEmpty(message))
        {
            return string.Empty;
        }

        var text = message.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
        var cut = text.IndexOf("\n\n", StringComparison.Ordinal);
        return cut < 0 && IsTrailerBlock(text) ? string.Empty : (cut < 0 ? text : text[..cut]).Trim();
    }

    /// <summary>Reads GitMl trailers from a message; null when there are none (e.g. a tag GTO wrote).</summary>
    public static ArtifactRecord? Parse(string? message)
    {
        if (string.IsNullOrEmpty(message))
        {
            return null;
        }

        string? path = null, oid = null;
        long? size = null;
        var metrics = new List<KeyValuePair<string, string>>();
        var prms = new List<KeyValuePair<string, string>>();
        var found = false;
        foreach (var raw in message.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.Trim();
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var key = line[..colon];
            var value = line[(colon + 2)..];
            switch (key)
            {
                case PathKey:
                    path = value;
                    found = true;
                    break;
                case OidKey:
                    oid = value;
                    found = true;
                    break;
                case SizeKey:
                    size = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : null;
                    found = true;
                    break;
                case MetricKey or ParamKey:
                    var eq = value.IndexOf('=');
                    if (eq > 0)
                    {
                        (key == MetricKey ? metrics : prms).Add(new(value[..eq], value[(eq + 1)..]));
                        found = true;
                    }

                    break;
                default:
                    break;
            }
        }

        return found ? new ArtifactRecord(path, oid, size, metrics, prms) : null;
    }

    private static bool IsTrailerBlock(string text) => text.Split('\n').All(l => l.StartsWith("GitMl-", StringComparison.Ordinal));

    private static string OneLine(string s) => s.Replace('\n', ' ').Replace('\r', ' ');
}
