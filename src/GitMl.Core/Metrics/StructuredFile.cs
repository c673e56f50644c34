using System.Globalization;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitMl.Core.Metrics;

/// <summary>
/// Flattens JSON and YAML metrics/params files: nested mappings become dotted keys (<c>val.accuracy</c>), lists of
/// scalars become one value (<c>[1, 2, 3]</c>), lists holding objects or lists are skipped with a note.
/// </summary>
public static class StructuredFile
{
    /// <summary>
    /// Flattens a file's bytes. The format follows the extension (<c>.json</c>; <c>.yaml</c>/<c>.yml</c>); other names are
    /// read as JSON when they start with <c>{</c> and as YAML otherwise.
    /// </summary>
    /// <param name="bytes">File content (UTF-8).</param>
    /// <param name="where">How errors name the file, e.g. <c>metrics.json at HEAD</c>.</param>
    /// <exception cref="GitMlException">Malformed content, naming the file, line and column (<see cref="ExitCode.InvalidInput"/>).</exception>
    public static FlatFile Flatten(byte[] bytes, string where)
    {
        var text = Encoding.UTF8.GetString(bytes);
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        var isJson = where.Split(' ')[0].EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            || (!IsYamlName(where) && text.TrimStart().StartsWith('{'));
        var values = new SortedDictionary<string, MetricValue>(StringComparer.Ordinal);
        var notes = new List<string>();
        if (isJson)
        {
            FlattenJson(text, where, values, notes);
        }
        else
        {
            FlattenYaml(text, where, values, notes);
        }

        return new FlatFile(values, notes);
    }

    private static bool IsYamlName(string where)
    {
        var name = where.Split(' ')[0];
        return name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
    }

    private static void FlattenJson(string text, string where, SortedDictionary<string, MetricValue> values, List<string> notes)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            var line = (ex.LineNumber ?? 0) + 1;
            var col = (ex.BytePositionInLine ?? 0) + 1;
            throw new GitMlException(
                $"malformed JSON in {where} (line {line}, column {col}): {FirstSentence(ex.Message)}",
                "fix the file (or the code that writes it); metrics and params files are JSON or YAML mappings",
                ExitCode.InvalidInput);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new GitMlException(
                    $"{where} is not a JSON object (line 1): metrics and params files map names to values",
                    "write an object such as {\"accuracy\": 0.91}",
                    ExitCode.InvalidInput);
            }

            try
            {
                Walk(doc.RootElement, string.Empty, values, notes);
            }
            catch (InvalidOperationException ex)
            {
                // A name or string escaping half a surrogate pair ("\ud800") parses but cannot become a .NET string.
                throw new GitMlException(
                    $"malformed JSON in {where}: {FirstSentence(ex.Message)}",
                    "fix the file (or the code that writes it); metrics and params files are JSON or YAML mappings",
                    ExitCode.InvalidInput);
            }
        }
    }

    private static void Walk(JsonElement e, string prefix, SortedDictionary<string, MetricValue> values, List<string> notes)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    Walk(p.Value, prefix.Length == 0 ? p.Name : prefix + "." + p.Name, values, notes);
                }

                break;
            case JsonValueKind.Array:
                if (e.EnumerateArray().Any(x => x.ValueKind is JsonValueKind.Object or JsonValueKind.Array))
                {
                    notes.Add($"{prefix}: list of objects ignored");
                    break;
                }

                values[prefix] = MetricValue.OfText("[" + string.Join(", ", e.EnumerateArray().Select(JsonScalarText)) + "]");
                break;
            case JsonValueKind.Number:
                values[prefix] = new MetricValue(e.GetRawText(), e.GetDouble());
                break;
            default:
                values[prefix] = MetricValue.OfText(JsonScalarText(e));
                break;
        }
    }

    private static string JsonScalarText(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString() ?? string.Empty,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        _ => e.GetRawText(),
    };

    private static void FlattenYaml(string text, string where, SortedDictionary<string, MetricValue> values, List<string> notes)
    {
        var stream = new YamlStream();
        try
        {
            stream.LoadBounded(text);
        }
        catch (YamlException ex)
        {
            throw new GitMlException(
                $"malformed YAML in {where} (line {ex.Start.Line}, column {ex.Start.Column}): {FirstSentence(ex.Message)}",
                "fix the file (or the code that writes it); metrics and params files are JSON or YAML mappings",
                ExitCode.InvalidInput);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this for some unterminated flow collections; it carries no position.
            throw new GitMlException(
                $"malformed YAML in {where}: an unterminated '[' or '{{' list or mapping",
                "fix the file (or the code that writes it); metrics and params files are JSON or YAML mappings",
                ExitCode.InvalidInput);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return;
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var start = stream.Documents[0].RootNode.Start;
            throw new GitMlException(
                $"{where} is not a YAML mapping (line {start.Line}, column {start.Column}): metrics and params files map names to values",
                "write a mapping such as 'accuracy: 0.91'",
                ExitCode.InvalidInput);
        }

        Walk(root, string.Empty, values, notes);
    }

    private static void Walk(YamlNode node, string prefix, SortedDictionary<string, MetricValue> values, List<string> notes)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (k, v) in map.Children)
                {
                    var key = (k as YamlScalarNode)?.Value ?? string.Empty;
                    Walk(v, prefix.Length == 0 ? key : prefix + "." + key, values, notes);
                }

                break;
            case YamlSequenceNode seq:
                if (seq.Children.Any(c => c is not YamlScalarNode))
                {
                    notes.Add($"{prefix}: list of objects ignored");
                    break;
                }

                values[prefix] = MetricValue.OfText("[" + string.Join(", ", seq.Children.Select(c => ((YamlScalarNode)c).Value ?? "null")) + "]");
                break;
            case YamlScalarNode s:
                values[prefix] = YamlScalar(s);
                break;
            default:
                break;
        }
    }

    private static MetricValue YamlScalar(YamlScalarNode s)
    {
        var text = s.Value ?? string.Empty;
        if (s.Style is ScalarStyle.Plain && MetricValue.TryParseNumber(text, out var d) && !text.Contains('_'))
        {
            return new MetricValue(text, d);
        }

        if (s.Style is ScalarStyle.Plain && text is "" or "~" or "null" or "Null" or "NULL")
        {
            return MetricValue.OfText("null");
        }

        return MetricValue.OfText(text);
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var m = cut > 0 ? message[..cut] : message;
        return m.Trim().TrimEnd('.');
    }

    /// <summary>Invariant text of a number for machine output.</summary>
    internal static string Invariant(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
