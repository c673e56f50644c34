namespace GitMl.Core.Metrics;

/// <summary>Writes a table as aligned plain text (two spaces between columns) or as a GitHub Markdown table.</summary>
public static class TextTable
{
    /// <summary>Writes <paramref name="headers"/> and <paramref name="rows"/>, every column left-aligned.</summary>
    public static void Write(TextWriter w, IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows, bool markdown)
    {
        if (markdown)
        {
            w.WriteLine("| " + string.Join(" | ", headers.Select(Escape)) + " |");
            w.WriteLine("|" + string.Join("|", headers.Select(_ => "---")) + "|");
            foreach (var row in rows)
            {
                w.WriteLine("| " + string.Join(" | ", row.Select(Escape)) + " |");
            }

            return;
        }

        var widths = headers.Select((h, c) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length))).ToArray();
        WriteLine(w, headers, widths);
        foreach (var row in rows)
        {
            WriteLine(w, row, widths);
        }
    }

    private static void WriteLine(TextWriter w, IReadOnlyList<string> cells, int[] widths) =>
        w.WriteLine(string.Join("  ", cells.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());

    private static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
