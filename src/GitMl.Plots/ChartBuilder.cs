using System.Globalization;
using GitMl.Core.Metrics;
using GitMl.Core.Pipelines;
using ScottPlot;

namespace GitMl.Plots;

/// <summary>One rev's data for a chart.</summary>
/// <param name="Rev">The rev label shown in the legend.</param>
/// <param name="Plot">The rev's own plot definition.</param>
/// <param name="Table">Its data.</param>
public sealed record RevSeries(string Rev, PlotDefinition Plot, DataTable Table);

/// <summary>
/// Builds ScottPlot charts: one colour per rev, one line pattern per series, a legend naming rev and series.
/// Non-numeric cells are skipped and counted in <see cref="Notes"/>.
/// </summary>
public sealed class ChartBuilder
{
    internal static readonly LinePattern[] Patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];
    private static readonly IPalette Palette = new ScottPlot.Palettes.Category10();

    /// <summary>Things skipped while building (non-numeric cells).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Colour of the i-th rev.</summary>
    public static Color RevColor(int i) => Palette.GetColor(i);

    /// <summary>A new plot with the bundled font and a white background.</summary>
    public static Plot NewPlot()
    {
        PlotFonts.EnsureRegistered();
        var plot = new Plot();
        plot.Font.Set(PlotFonts.Family);
        return plot;
    }

    /// <summary>Linear (lines) or scatter (markers) chart of every rev's y series against x.</summary>
    public Plot Lines(string title, IReadOnlyList<RevSeries> revs, bool markersOnly)
    {
        var plot = NewPlot();
        for (var r = 0; r < revs.Count; r++)
        {
            var (rev, def, table) = revs[r];
            var ys = StepSeries.YColumns(def, table);
            for (var s = 0; s < ys.Count; s++)
            {
                var (xsArr, ysArr) = Points(def, table, ys[s], rev);
                if (xsArr.Length == 0)
                {
                    continue;
                }

                var scatter = plot.Add.Scatter(xsArr, ysArr, RevColor(r));
                scatter.LegendText = $"{rev}: {SeriesName(def, ys[s])}";
                scatter.LineWidth = markersOnly ? 0 : 2;
                scatter.MarkerSize = markersOnly ? 7 : (xsArr.Length <= 30 ? 4 : 0);
                scatter.LinePattern = Patterns[s % Patterns.Length];
            }
        }

        Decorate(plot, title, revs[^1].Plot, revs[^1].Plot.X ?? "step", revs[^1].Plot.YLabel ?? string.Join(", ", revs.SelectMany(r => StepSeries.YColumns(r.Plot, r.Table).Select(c => SeriesName(r.Plot, c))).Distinct()));
        return plot;
    }

    /// <summary>Grouped bars: one group per x value (a category), one bar per rev and series.</summary>
    public Plot Bars(string title, IReadOnlyList<RevSeries> revs)
    {
        var plot = NewPlot();
        var categories = new List<string>();
        var bars = new List<(int Rev, int Series, string Name, Dictionary<string, double> Values)>();
        for (var r = 0; r < revs.Count; r++)
        {
            var (rev, def, table) = revs[r];
            var x = def.X ?? (table.Has("step") ? "step" : null);
            var ys = StepSeries.YColumns(def, table);
            for (var s = 0; s < ys.Count; s++)
            {
                var values = new Dictionary<string, double>();
                var (points, skipped) = table.Numeric(ys[s]);
                Skipped(rev, table, ys[s], skipped);
                foreach (var (row, v) in points)
                {
                    var cat = x is null ? row.ToString(CultureInfo.InvariantCulture) : table.Cell(row, x) ?? row.ToString(CultureInfo.InvariantCulture);
                    if (!categories.Contains(cat))
                    {
                        categories.Add(cat);
                    }

                    values[cat] = v;
                }

                bars.Add((r, s, $"{rev}: {SeriesName(def, ys[s])}", values));
            }
        }

        var width = 0.8 / Math.Max(1, bars.Count);
        for (var b = 0; b < bars.Count; b++)
        {
            var list = new List<Bar>();
            foreach (var (cat, v) in bars[b].Values)
            {
                var pos = categories.IndexOf(cat) - 0.4 + (width * (b + 0.5));
                list.Add(new Bar { Position = pos, Value = v, Size = width * 0.95, FillColor = RevColor(bars[b].Rev).WithAlpha(1.0 - (0.25 * (bars[b].Series % 3))) });
            }

            var bp = plot.Add.Bars(list);
            bp.LegendText = bars[b].Name;
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            categories.Select((_, i) => (double)i).ToArray(), categories.ToArray());
        plot.Axes.Margins(bottom: 0);
        Decorate(plot, title, revs[^1].Plot, revs[^1].Plot.X ?? "step", revs[^1].Plot.YLabel ?? "value");
        return plot;
    }

    /// <summary>Confusion matrix heatmap of one rev: x is the actual class column, y the predicted one.</summary>
    public Plot Confusion(string title, RevSeries rev)
    {
        var (label, def, table) = rev;
        var actualCol = def.X ?? table.Columns.FirstOrDefault(c => c is "actual" or "target" or "label") ?? table.Columns[0];
        var predictedCol = def.Y.FirstOrDefault() ?? table.Columns.FirstOrDefault(c => c is "predicted" or "prediction") ?? table.Columns[^1];
        var ai = table.IndexOf(actualCol);
        var pi = table.IndexOf(predictedCol);
        var pairs = table.Rows.Where(r => r[ai] is not null && r[pi] is not null).Select(r => (A: r[ai]!, P: r[pi]!)).ToList();
        var labels = pairs.SelectMany(p => new[] { p.A, p.P }).Distinct()
            .OrderBy(l => MetricValue.TryParseNumber(l, out var d) ? d : double.MaxValue).ThenBy(l => l, StringComparer.Ordinal).ToList();
        var n = Math.Max(1, labels.Count);
        var data = new double[n, n];
        foreach (var (a, p) in pairs)
        {
            var col = labels.IndexOf(a);
            var row = labels.IndexOf(p);
            data[n - 1 - row, col]++;
        }

        var plot = NewPlot();
        var hm = plot.Add.Heatmap(data);
        hm.Colormap = new ScottPlot.Colormaps.Viridis();
        if (n > 1)
        {
            // ScottPlot's extent names the centres of the corner cells: this puts cell centres on integer ticks.
            hm.Extent = new CoordinateRect(0, n - 1, 0, n - 1);
        }
        plot.Add.ColorBar(hm);
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var count = data[n - 1 - i, j];
                var text = plot.Add.Text(count.ToString("0", CultureInfo.InvariantCulture), j, i);
                text.LabelFontColor = count > (pairs.Count / (double)n) ? Colors.Black : Colors.White;
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = 14;
            }
        }

        var ticks = labels.Select((_, i) => (double)i).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks, labels.ToArray());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks, labels.ToArray());
        plot.Title($"{title} ({label})");
        plot.XLabel(def.XLabel ?? actualCol);
        plot.YLabel(def.YLabel ?? predictedCol);
        return plot;
    }

    /// <summary>Scalar metrics across revs as grouped bars: one group per metric, one bar (colour) per rev.</summary>
    public static Plot ScalarBars(string title, IReadOnlyList<(string Rev, IReadOnlyDictionary<string, double> Values)> revs)
    {
        var plot = NewPlot();
        var keys = revs.SelectMany(r => r.Values.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var width = 0.8 / Math.Max(1, revs.Count);
        for (var r = 0; r < revs.Count; r++)
        {
            var list = new List<Bar>();
            foreach (var (key, v) in revs[r].Values)
            {
                list.Add(new Bar { Position = keys.IndexOf(key) - 0.4 + (width * (r + 0.5)), Value = v, Size = width * 0.95, FillColor = RevColor(r) });
            }

            var bp = plot.Add.Bars(list);
            bp.LegendText = revs[r].Rev;
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(keys.Select((_, i) => (double)i).ToArray(), keys.ToArray());
        plot.Axes.Margins(bottom: 0);
        plot.Title(title);
        plot.XLabel("metric");
        plot.YLabel("value");
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private (double[] Xs, double[] Ys) Points(PlotDefinition def, DataTable table, string y, string rev)
    {
        var (ys, skipped) = table.Numeric(y);
        Skipped(rev, table, y, skipped);
        var x = def.X ?? "step";
        if (def.X is not null || table.Has(x))
        {
            var xs = table.Numeric(x).Values.ToDictionary(p => p.Row, p => p.Value);
            var kept = ys.Where(p => xs.ContainsKey(p.Row)).ToList();
            return (kept.Select(p => xs[p.Row]).ToArray(), kept.Select(p => p.Value).ToArray());
        }

        return (ys.Select(p => (double)p.Row).ToArray(), ys.Select(p => p.Value).ToArray());
    }

    private void Skipped(string rev, DataTable table, string column, int skipped)
    {
        if (skipped > 0)
        {
            Notes.Add($"{table.Where}: {skipped} non-numeric cell(s) skipped in '{column}'");
        }

        if (table.MalformedRows > 0)
        {
            Notes.Add($"{table.Where}: {table.MalformedRows} malformed line(s) skipped");
        }
    }

    private static string SeriesName(PlotDefinition def, string column) =>
        StepSeries.SeriesNameOfLog(def.Path) is string logged && column == "value" ? logged : column;

    private static void Decorate(Plot plot, string title, PlotDefinition def, string x, string y)
    {
        plot.Title(title);
        plot.XLabel(def.XLabel ?? x);
        plot.YLabel(y);
        plot.ShowLegend(Edge.Right);
    }
}
