using System.Globalization;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitMl.Core.Metrics;

/// <summary>
/// Rows of a step log or plot data file: TSV/CSV with a header row, or a JSON/YAML array of objects (also under a
/// single top-level key, as DVC writes them). Cells are kept as text; <see cref="Numeric"/> converts a column.
/// </summary>
public sealed class DataTable
{
    private DataTable(string where, IReadOnlyList<string> columns, IReadOnlyList<string?[]> rows, int malformedRows)
    {
        Where = where;
        Columns = columns;
        Rows = rows;
        MalformedRows = malformedRows;
    }

    /// <summary>How errors name the file.</summary>
    public string Where { get; }

    /// <summary>Column names in file order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Rows; a null cell is absent in that row.</summary>
    public IReadOnlyList<string?[]> Rows { get; }

    /// <summary>Lines skipped because their field count did not match the header (e.g. a torn last line).</summary>
    public int MalformedRows { get; }

    /// <summary>True for file names this reader understands.</summary>
    public static bool IsSupported(string path) =>
        path.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    /// <summary>True for delimited text (step logs).</summary>
    public static bool IsDelimited(string path) =>
        path.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a file by its extension; <paramref name="where"/> names it in errors (e.g. <c>loss.tsv at HEAD</c>).</summary>
    public static DataTable Parse(byte[] bytes, string path, string where)
    {
        var text = Encoding.UTF8.GetString(bytes);
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        if (path.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase))
        {
            return ParseDelimited(text, '\t', where);
        }

        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            return ParseDelimited(text, ',', where);
        }

        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return ParseJson(text, where);
        }

        return ParseYaml(text, where);
    }

    /// <summary>
    /// The numbers of a column with their row positions; cells that are not numbers are skipped and counted.
    /// Throws <see cref="ExitCode.InvalidInput"/> naming the file and the columns it has when the column is absent.
    /// </summary>
    public (List<(int Row, double Value)> Values, int Skipped) Numeric(string column)
    {
        var c = IndexOf(column);
        var values = new List<(int, double)>(Rows.Count);
        var skipped = 0;
        for (var i = 0; i < Rows.Count; i++)
        {
            var cell = Rows[i][c];
            if (cell is not null && MetricValue.TryParseNumber(cell, out var d) && !double.IsNaN(d))
            {
                values.Add((i, d));
            }
            else
            {
                skipped++;
            }
        }

        return (values, skipped);
    }

    /// <summary>True when the column exists.</summary>
    public bool Has(string column) => Columns.Contains(column, StringComparer.Ordinal);

    /// <summary>Index of a column; throws naming the file and the available columns when absent.</summary>
    public int IndexOf(string column)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i] == column)
            {
                return i;
            }
        }

        throw new GitMlException(
            $"column '{column}' not found in {Where}; columns: {string.Join(", ", Columns)}",
            "fix 'x'/'y' of this plot in gitml.yaml to name existing columns",
            ExitCode.InvalidInput);
    }

    /// <summary>The text of a cell, or null.</summary>
    public string? Cell(int row, string column) => Rows[row][IndexOf(column)];

    private static DataTable ParseDelimited(string text, char sep, string where)
    {
        var lines = text.Split('\n');
        var header = -1;
        var rows = new List<string?[]>();
        string[] columns = [];
        var malformed = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            var cells = SplitLine(line, sep);
            if (header < 0)
            {
                header = i;
                columns = cells.Select(c => c.Trim()).ToArray();
                continue;
            }

            // A line with the wrong field count is most often the torn tail of an interrupted append: skip and count it.
            if (cells.Count != columns.Length)
            {
                malformed++;
                continue;
            }

            rows.Add(cells.Select(c => (string?)c.Trim()).ToArray());
        }

        return new DataTable(where, columns, rows, malformed);
    }

    private static List<string> SplitLine(string line, char sep)
    {
        var cells = new List<string>();
        var sb = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    sb.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    sb.Append(ch);
                }
            }
            else if (ch == '"' && sb.Length == 0)
            {
                quoted = true;
            }
            else if (ch == sep)
            {
                cells.Add(sb.ToString());
                sb.Clear();
            }
            else
            {
                sb.Append(ch);
            }
        }

        cells.Add(sb.ToString());
        return cells;
    }

    private static DataTable ParseJson(string text, string where)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new GitMlException(
                $"malformed JSON in {where} (line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1})",
                "plot data is an array of objects, e.g. [{\"step\": 0, \"loss\": 1.0}]",
                ExitCode.InvalidInput);
        }

        using (doc)
        {
            var array = doc.RootElement;
            if (array.ValueKind == JsonValueKind.Object)
            {
                array = array.EnumerateObject().Select(p => p.Value).FirstOrDefault(v => v.ValueKind == JsonValueKind.Array);
            }

            if (array.ValueKind != JsonValueKind.Array)
            {
                throw new GitMlException($"{where} holds no array of objects", "plot data is an array of objects, e.g. [{\"step\": 0, \"loss\": 1.0}]", ExitCode.InvalidInput);
            }

            try
            {
                var objects = array.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object)
                    .Select(e => e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind switch
                    {
                        JsonValueKind.String => p.Value.GetString(),
                        JsonValueKind.Number => p.Value.GetRawText(),
                        JsonValueKind.True => "true",
                        JsonValueKind.False => "false",
                        _ => null,
                    }))
                    .ToList();
                return FromObjects(objects, where);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
            {
                // Duplicate keys in one row, or half a surrogate pair escaped in a string (found by fuzzing).
                throw new GitMlException(
                    $"malformed JSON in {where}: {ex.Message}",
                    "plot data is an array of objects with distinct keys, e.g. [{\"step\": 0, \"loss\": 1.0}]",
                    ExitCode.InvalidInput);
            }
        }
    }

    private static DataTable ParseYaml(string text, string where)
    {
        var stream = new YamlStream();
        try
        {
            stream.LoadBounded(text);
        }
        catch (YamlException ex)
        {
            throw new GitMlException(
                $"malformed YAML in {where} (line {ex.Start.Line}, column {ex.Start.Column})",
                "plot data is a list of mappings, e.g. '- {step: 0, loss: 1.0}'",
                ExitCode.InvalidInput);
        }

        var root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null;
        if (root is YamlMappingNode m)
        {
            root = m.Children.Values.OfType<YamlSequenceNode>().FirstOrDefault();
        }

        if (root is not YamlSequenceNode seq)
        {
            throw new GitMlException($"{where} holds no list of mappings", "plot data is a list of mappings, e.g. '- {step: 0, loss: 1.0}'", ExitCode.InvalidInput);
        }

        var objects = seq.Children.OfType<YamlMappingNode>()
            .Select(o => o.Children.DistinctBy(kv => (kv.Key as YamlScalarNode)?.Value ?? string.Empty)
                .ToDictionary(kv => (kv.Key as YamlScalarNode)?.Value ?? string.Empty, kv => (kv.Value as YamlScalarNode)?.Value))
            .ToList();
        return FromObjects(objects, where);
    }

    private static DataTable FromObjects(List<Dictionary<string, string?>> objects, string where)
    {
        var columns = new List<string>();
        foreach (var o in objects)
        {
            foreach (var k in o.Keys)
            {
                if (!columns.Contains(k))
                {
                    columns.Add(k);
                }
            }
        }

        var rows = objects.Select(o => columns.Select(c => o.GetValueOrDefault(c)).ToArray()).ToList();
        return new DataTable(where, columns, rows, 0);
    }

    /// <summary>Invariant text of a number (for tests and writers).</summary>
    internal static string Invariant(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
