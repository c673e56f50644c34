using System.Globalization;
using System.Net;
using System.Text;
using GitMl.Core;
using GitMl.Core.Metrics;
using GitMl.Core.Pipelines;
using ScottPlot;

namespace GitMl.Plots;

/// <summary>Image formats to write.</summary>
[Flags]
public enum PlotFormat
{
    /// <summary>PNG raster.</summary>
    Png = 1,

    /// <summary>SVG vector (text as text).</summary>
    Svg = 2,

    /// <summary>Both.</summary>
    Both = Png | Svg,
}

/// <summary>A chart written to disk.</summary>
/// <param name="Title">Chart title.</param>
/// <param name="Source">The data file, or <c>metrics</c> for the scalar chart.</param>
/// <param name="Files">File names written, relative to the output folder.</param>
public sealed record RenderedPlot(string Title, string Source, IReadOnlyList<string> Files);

/// <summary>What <see cref="PlotsService.Render"/> produced.</summary>
/// <param name="Plots">Charts in order.</param>
/// <param name="Notes">Skipped revs, files and cells.</param>
/// <param name="OutputDir">Full path of the output folder.</param>
public sealed record PlotsResult(IReadOnlyList<RenderedPlot> Plots, IReadOnlyList<string> Notes, string OutputDir);

/// <summary>
/// Draws every plot of the given revs, each rev with its own <c>gitml.yaml</c> plot definitions (a plot that exists
/// at only some revs is drawn for those), plus the scalar metrics of every rev as grouped bars, and writes
/// <c>index.html</c>, an offline page with the images and the metrics/params diff tables.
/// </summary>
public sealed class PlotsService
{
    /// <summary>Image size in pixels.</summary>
    public const int Width = 800;

    /// <summary>Image height in pixels.</summary>
    public const int Height = 500;

    private readonly RevisionSource _source;

    /// <summary>Creates the service over a revision source.</summary>
    public PlotsService(RevisionSource source) => _source = source;

    /// <summary>The plots a rev defines: its gitml.yaml plots (all formats) plus one per logged metric series.</summary>
    public IReadOnlyList<PlotDefinition> Definitions(RevisionRef rev)
    {
        var plots = _source.Pipeline(rev).AllPlots.ToList();
        foreach (var logged in _source.List(rev, StepSeries.LogPlotsDir, ".tsv"))
        {
            if (plots.All(p => p.Path != logged))
            {
                plots.Add(StepSeries.LoggedPlot(logged));
            }
        }

        return plots;
    }

    /// <summary>Renders every chart of <paramref name="revs"/> into <paramref name="outputDir"/>.</summary>
    /// <param name="revs">Revs in legend order (oldest first reads best).</param>
    /// <param name="outputDir">Created if missing; an unwritable folder is an <see cref="ExitCode.IoError"/>.</param>
    /// <param name="format">PNG, SVG or both.</param>
    /// <param name="targets">Only these data files (null: all).</param>
    /// <param name="writeIndex">Also write index.html with the diff tables of the first and last rev.</param>
    public PlotsResult Render(IReadOnlyList<RevisionRef> revs, string outputDir, PlotFormat format, IReadOnlyList<string>? targets = null, bool writeIndex = true)
    {
        var dir = PrepareOutput(outputDir);
        var notes = new List<string>();
        var builder = new ChartBuilder();
        var rendered = new List<RenderedPlot>();
        var used = new HashSet<string>(StringComparer.Ordinal);

        // Each rev contributes its own definition of each plot path.
        var byPath = new SortedDictionary<string, List<(RevisionRef Rev, PlotDefinition Def)>>(StringComparer.Ordinal);
        foreach (var rev in revs)
        {
            foreach (var def in Definitions(rev))
            {
                if (targets is { Count: > 0 } && !targets.Contains(def.Path))
                {
                    continue;
                }

                if (!byPath.TryGetValue(def.Path, out var list))
                {
                    byPath[def.Path] = list = [];
                }

                list.Add((rev, def));
            }
        }

        foreach (var missing in targets?.Where(t => !byPath.ContainsKey(t)) ?? [])
        {
            byPath[missing] = revs.Select(r => (r, new PlotDefinition { Path = missing })).ToList();
        }

        foreach (var (path, defs) in byPath)
        {
            if (!DataTable.IsSupported(path))
            {
                notes.Add($"{path}: unsupported plot data format (TSV, CSV, JSON or YAML)");
                continue;
            }

            var series = new List<RevSeries>();
            foreach (var (rev, def) in defs)
            {
                var bytes = _source.Read(rev, path);
                if (bytes is null)
                {
                    notes.Add($"{path} is missing at {rev.Label}; skipped for that revision");
                    continue;
                }

                series.Add(new RevSeries(rev.Label, def, DataTable.Parse(bytes, path, $"{path} at {rev.Label}")));
            }

            if (series.Count == 0)
            {
                continue;
            }

            var latest = series[^1].Plot;
            var title = latest.Title ?? path;
            if (latest.Template == "confusion")
            {
                foreach (var s in series)
                {
                    var files = Save(builder.Confusion(title, s), dir, Slug(path) + "-" + Slug(s.Rev), format, used);
                    rendered.Add(new RenderedPlot($"{title} ({s.Rev})", path, files));
                }

                continue;
            }

            var plot = latest.Template switch
            {
                "bar" => builder.Bars(title, series),
                "scatter" => builder.Lines(title, series, markersOnly: true),
                _ => builder.Lines(title, series, markersOnly: false),
            };
            rendered.Add(new RenderedPlot(title, path, Save(plot, dir, Slug(path), format, used)));
        }

        var scalars = ScalarMetrics(revs);
        if (scalars.Any(s => s.Values.Count > 0))
        {
            rendered.Add(new RenderedPlot("Metrics", "metrics", Save(ChartBuilder.ScalarBars("Metrics", scalars), dir, "metrics", format, used)));
        }

        notes.AddRange(builder.Notes);
        var result = new PlotsResult(rendered, notes.Distinct().ToList(), dir);
        if (writeIndex)
        {
            WriteIndex(result, revs);
        }

        return result;
    }

    /// <summary>Creates the output folder and proves it is writable, or throws a clear error.</summary>
    public static string PrepareOutput(string outputDir)
    {
        var dir = Path.GetFullPath(outputDir);
        try
        {
            Directory.CreateDirectory(dir);
            var probe = Path.Combine(dir, ".gitml-write-test-" + Guid.NewGuid().ToString("N")[..8]);
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new GitMlException($"cannot write to output folder {dir}: {ex.Message}", "choose a writable folder with -o", ExitCode.IoError, ex);
        }

        return dir;
    }

    private List<(string Rev, IReadOnlyDictionary<string, double> Values)> ScalarMetrics(IReadOnlyList<RevisionRef> revs)
    {
        var reader = new MetricsReader(_source);
        var result = new List<(string, IReadOnlyDictionary<string, double>)>();
        foreach (var rev in revs)
        {
            var values = new SortedDictionary<string, double>(StringComparer.Ordinal);
            foreach (var (path, file) in reader.Read(rev).Files)
            {
                foreach (var (key, v) in file?.Values ?? new Dictionary<string, MetricValue>())
                {
                    if (v.Number is double d && double.IsFinite(d) && key != "step")
                    {
                        values[key] = d;
                    }
                }
            }

            result.Add((rev.Label, values));
        }

        return result;
    }

    private static List<string> Save(Plot plot, string dir, string slug, PlotFormat format, HashSet<string> used)
    {
        var name = slug;
        for (var i = 2; !used.Add(name); i++)
        {
            name = slug + "-" + i.ToString(CultureInfo.InvariantCulture);
        }

        var files = new List<string>();
        if (format.HasFlag(PlotFormat.Png))
        {
            AtomicFile.WriteAllBytes(Path.Combine(dir, name + ".png"), plot.GetImageBytes(Width, Height, ImageFormat.Png));
            files.Add(name + ".png");
        }

        if (format.HasFlag(PlotFormat.Svg))
        {
            // Skia's SVG canvas cannot draw dash effects (and says so on stdout): draw solid lines with a marker
            // shape per series instead, so series stay distinguishable.
            var shapes = new[] { MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond };
            foreach (var scatter in plot.GetPlottables<ScottPlot.Plottables.Scatter>())
            {
                var index = Array.IndexOf(ChartBuilder.Patterns, scatter.LinePattern);
                scatter.LinePattern = LinePattern.Solid;
                scatter.MarkerShape = shapes[Math.Max(0, index) % shapes.Length];
                scatter.MarkerSize = Math.Max(scatter.MarkerSize, 5);
            }

            AtomicFile.WriteAllText(Path.Combine(dir, name + ".svg"), plot.GetSvgXml(Width, Height));
            files.Add(name + ".svg");
        }

        plot.Dispose();
        return files;
    }

    /// <summary>A file-name-safe form of a path or rev (<c>logs/loss.tsv</c> → <c>logs-loss</c>).</summary>
    public static string Slug(string text)
    {
        var withoutExt = text;
        var dot = text.LastIndexOf('.');
        if (dot > text.LastIndexOf('/') + 1 && text.Length - dot <= 5)
        {
            withoutExt = text[..dot];
        }

        var sb = new StringBuilder();
        foreach (var c in withoutExt)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' ? c : '-');
        }

        var slug = sb.ToString().Trim('-', '.');
        return slug.Length == 0 ? "plot" : slug;
    }

    private void WriteIndex(PlotsResult result, IReadOnlyList<RevisionRef> revs)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>git ml plots</title>\n<style>")
            .Append("body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}")
            .Append("td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}th{background:#f4f4f4}")
            .Append("figure{display:inline-block;margin:1em}img{max-width:100%;border:1px solid #eee}")
            .Append(".improved{color:#070}.regressed{color:#b00}</style></head><body>\n");
        html.Append("<h1>git ml plots: ").Append(WebUtility.HtmlEncode(string.Join(" vs ", revs.Select(r => r.Label)))).Append("</h1>\n");
        if (revs.Count >= 2)
        {
            var comparison = MetricsComparison.Run(_source, revs[0], revs[^1], null, all: false, steps: false);
            html.Append("<h2>Metrics</h2>\n");
            AppendTable(html, comparison.Diff, metrics: true);
            html.Append("<h2>Params</h2>\n");
            AppendTable(html, MetricsComparison.Params(_source, revs[0], revs[^1], null, all: false, depsOnly: false), metrics: false);
        }

        html.Append("<h2>Plots</h2>\n");
        foreach (var p in result.Plots)
        {
            var img = p.Files.FirstOrDefault(f => f.EndsWith(".svg", StringComparison.Ordinal)) ?? p.Files[0];
            html.Append("<figure><img src=\"").Append(WebUtility.HtmlEncode(img)).Append("\" alt=\"").Append(WebUtility.HtmlEncode(p.Title))
                .Append("\"><figcaption>").Append(WebUtility.HtmlEncode(p.Title)).Append("</figcaption></figure>\n");
        }

        foreach (var n in result.Notes)
        {
            html.Append("<p><em>note: ").Append(WebUtility.HtmlEncode(n)).Append("</em></p>\n");
        }

        html.Append("</body></html>\n");
        AtomicFile.WriteAllText(Path.Combine(result.OutputDir, "index.html"), html.ToString());
    }

    private static void AppendTable(StringBuilder html, DiffResult diff, bool metrics)
    {
        if (diff.Rows.Count == 0)
        {
            html.Append("<p>No changes.</p>\n");
            return;
        }

        var sw = new StringWriter();
        MetricsRender.WriteDiff(sw, diff, new TableOptions(Markdown: true), metrics);
        var lines = sw.ToString().TrimEnd('\n').Split('\n');
        html.Append("<table>\n");
        for (var i = 0; i < lines.Length; i++)
        {
            if (i == 1)
            {
                continue;
            }

            var cells = lines[i].Trim().Trim('|').Split(" | ").Select(c => c.Trim().Replace("\\|", "|", StringComparison.Ordinal));
            var tag = i == 0 ? "th" : "td";
            html.Append("<tr>");
            foreach (var c in cells)
            {
                var cls = c is "improved" or "regressed" ? $" class=\"{c}\"" : string.Empty;
                html.Append('<').Append(tag).Append(cls).Append('>').Append(WebUtility.HtmlEncode(c)).Append("</").Append(tag).Append('>');
            }

            html.Append("</tr>\n");
        }

        html.Append("</table>\n");
    }
}
