using System.Globalization;
using System.Text;
using GitMl.Core.Metrics;

namespace GitMl.Plots;

/// <summary>The pull-request report and what it found.</summary>
/// <param name="Markdown">The document.</param>
/// <param name="Metrics">The metrics comparison (verdicts), for the exit code.</param>
/// <param name="Notes">Skipped files and values.</param>
public sealed record Report(string Markdown, MetricsComparison Metrics, IReadOnlyList<string> Notes);

/// <summary>
/// Builds one Markdown document for a pull-request comment: a summary line, the params diff, the metrics diff with
/// verdicts, the step-series summaries and the plot images (relative links into the images folder). Its first line is
/// the <see cref="Marker"/> comment so CI can find and edit its earlier comment instead of adding another.
/// </summary>
public static class ReportBuilder
{
    /// <summary>Hidden marker on the first line of every report.</summary>
    public const string Marker = "<!-- gitml-report -->";

    /// <summary>Builds the report of <paramref name="baseRev"/> → <paramref name="headRev"/>.</summary>
    /// <param name="source">Revision source.</param>
    /// <param name="baseRev">Base (e.g. <c>origin/main</c>).</param>
    /// <param name="headRev">Head (e.g. <c>HEAD</c>).</param>
    /// <param name="imagesDir">Folder for plot images (PNG), or null for a report without images.</param>
    /// <param name="linkBase">Folder the report's links are relative to (the report file's folder).</param>
    /// <param name="precision">Significant digits.</param>
    public static Report Build(RevisionSource source, RevisionRef baseRev, RevisionRef headRev, string? imagesDir, string linkBase, int precision = NumberFormat.DefaultPrecision)
    {
        var comparison = MetricsComparison.Run(source, baseRev, headRev, null, all: false, steps: true);
        var paramsDiff = MetricsComparison.Params(source, baseRev, headRev, null, all: false, depsOnly: false);
        var notes = new List<string>(comparison.Notes);
        notes.AddRange(paramsDiff.Notes);
        var options = new TableOptions(Markdown: true, Precision: precision);
        var md = new StringWriter { NewLine = "\n" };
        md.WriteLine(Marker);
        md.WriteLine($"## git ml report: `{baseRev.Label}` → `{headRev.Label}`");
        md.WriteLine();
        md.WriteLine(Summary(comparison.Diff, paramsDiff));
        md.WriteLine();

        md.WriteLine("### Params");
        md.WriteLine();
        if (paramsDiff.Rows.Count == 0)
        {
            md.WriteLine("No param changed.");
        }
        else
        {
            MetricsRender.WriteDiff(md, paramsDiff, options, metrics: false);
        }

        md.WriteLine();
        md.WriteLine("### Metrics");
        md.WriteLine();
        if (comparison.Diff.Rows.Count == 0)
        {
            md.WriteLine("No metric changed.");
        }
        else
        {
            MetricsRender.WriteDiff(md, comparison.Diff, options, metrics: true);
        }

        if (comparison.Steps is { Count: > 0 })
        {
            md.WriteLine();
            md.WriteLine("### Step series");
            md.WriteLine();
            MetricsRender.WriteSteps(md, comparison.Steps, options);
        }

        if (imagesDir is not null)
        {
            var plots = new PlotsService(source).Render([baseRev, headRev], imagesDir, PlotFormat.Png, writeIndex: false);
            notes.AddRange(plots.Notes);
            if (plots.Plots.Count > 0)
            {
                md.WriteLine();
                md.WriteLine("### Plots");
                md.WriteLine();
                var rel = Path.GetRelativePath(linkBase, plots.OutputDir).Replace(Path.DirectorySeparatorChar, '/');
                foreach (var p in plots.Plots)
                {
                    md.WriteLine($"![{p.Title}]({(rel == "." ? string.Empty : rel + "/")}{p.Files[0]})");
                }
            }
        }

        var distinct = notes.Distinct().ToList();
        if (distinct.Count > 0)
        {
            md.WriteLine();
            foreach (var n in distinct)
            {
                md.WriteLine($"> note: {n}");
            }
        }

        return new Report(md.ToString(), comparison, distinct);
    }

    /// <summary>The one-line summary: <c>**N improved, N regressed**, N within tolerance, …</c>.</summary>
    public static string Summary(DiffResult metrics, DiffResult prms)
    {
        int Count(Verdict v) => metrics.Rows.Count(r => r.Verdict == v);
        var regressed = Count(Verdict.Regressed);
        var sb = new StringBuilder();
        sb.Append(regressed > 0 ? "❌ " : "✅ ");
        sb.Append(CultureInfo.InvariantCulture, $"**{Count(Verdict.Improved)} improved, {regressed} regressed**");
        sb.Append(CultureInfo.InvariantCulture, $", {Count(Verdict.WithinTolerance)} within tolerance");
        var other = metrics.Rows.Count(r => r.Verdict is null or Verdict.NoPolicy or Verdict.NotComparable);
        sb.Append(CultureInfo.InvariantCulture, $", {other} other metric change(s); {prms.Rows.Count} param change(s)");
        return sb.ToString();
    }
}
