namespace GitMl.Core.Metrics;

/// <summary>Writes a table as aligned plain text (two spaces between columns) or as a GitHub Markdown table.</summary>
public static class TextTable
{
    /// <summary>Writes <paramref name="headers"/> and <paramref name="rows"/>; numeric-looking columns align right.</summary>
    public static void Write(TextWriter w, IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows, bool markdown)
    {
        var right = new bool[headers.Count];
        for (var c = 0; c < headers.Count; c++)
        {
            right[c] = rows.Count > 0 && rows.All(r => r[c] == "-" || LooksNumeric(r[c]));
        }

        if (markdown)
        {
            w.WriteLine("| " + string.Join(" | ", headers.Select(Escape)) + " |");
            w.WriteLine("|" + string.Join("|", right.Select(r => r ? "---:" : "---")) + "|");
            foreach (var row in rows)
            {
                w.WriteLine("| " + string.Join(" | ", row.Select(Escape)) + " |");
            }

            return;
        }

        var widths = headers.Select((h, c) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length))).ToArray();
        WriteLine(w, headers, widths, new bool[headers.Count]);
        foreach (var row in rows)
        {
            WriteLine(w, row, widths, right);
        }
    }

    private static void WriteLine(TextWriter w, IReadOnlyList<string> cells, int[] widths, bool[] right)
    {
        var parts = cells.Select((cell, c) => right[c] ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]));
        w.WriteLine(string.Join("  ", parts).TrimEnd());
    }

    private static bool LooksNumeric(string s) =>
        s.Length > 0 && (char.IsAsciiDigit(s[0]) || (s.Length > 1 && s[0] is '-' or '+' && char.IsAsciiDigit(s[1])))
        && MetricValue.TryParseNumber(s.TrimStart('+'), out _);

    private static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
