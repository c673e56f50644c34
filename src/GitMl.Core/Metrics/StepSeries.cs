using GitMl.Core.Pipelines;

namespace GitMl.Core.Metrics;

/// <summary>One series of a step log at one rev: where it ended and its best point.</summary>
/// <param name="Path">The step log file.</param>
/// <param name="Series">Series name (the column, or the metric name for <c>gitml-log/plots/NAME.tsv</c>).</param>
/// <param name="Rev">The rev read.</param>
/// <param name="Points">Numeric points read.</param>
/// <param name="FinalStep">x of the last point.</param>
/// <param name="Final">y of the last point.</param>
/// <param name="BestStep">x of the best point, or null without a policy.</param>
/// <param name="Best">Best y by the series' <c>better</c> policy, or null without one.</param>
/// <param name="Better">The policy direction used, or null.</param>
/// <param name="Skipped">Non-numeric or malformed cells skipped.</param>
public sealed record StepSummary(
    string Path, string Series, RevisionRef Rev, int Points, double? FinalStep, double? Final, double? BestStep, double? Best, string? Better, int Skipped);

/// <summary>
/// Finds the step logs of a rev (TSV/CSV plots declared in <c>gitml.yaml</c> plus <c>gitml-log/plots/*.tsv</c>)
/// and summarizes each series.
/// </summary>
public sealed class StepSeries
{
    /// <summary>Folder where <c>git ml log metric</c> appends step series.</summary>
    public const string LogPlotsDir = "gitml-log/plots";

    private readonly RevisionSource _source;

    /// <summary>Creates a reader over a revision source.</summary>
    public StepSeries(RevisionSource source) => _source = source;

    /// <summary>The step logs of a rev: its TSV/CSV plots with the <c>linear</c> template, plus one per logged metric.</summary>
    public IReadOnlyList<PlotDefinition> Discover(RevisionRef rev)
    {
        var plots = _source.Pipeline(rev).AllPlots.Where(p => DataTable.IsDelimited(p.Path) && p.Template == "linear").ToList();
        foreach (var logged in _source.List(rev, LogPlotsDir, ".tsv"))
        {
            if (plots.All(p => p.Path != logged))
            {
                plots.Add(LoggedPlot(logged));
            }
        }

        return plots;
    }

    /// <summary>The implicit plot of a logged metric file (<c>step</c> vs <c>value</c>, named after the metric).</summary>
    public static PlotDefinition LoggedPlot(string path) => new()
    {
        Path = path,
        X = "step",
        Y = ["value"],
        Title = SeriesNameOfLog(path),
    };

    /// <summary>The metric name of <c>gitml-log/plots/NAME.tsv</c>, or null for other files.</summary>
    public static string? SeriesNameOfLog(string path) =>
        path.StartsWith(LogPlotsDir + "/", StringComparison.Ordinal) ? path[(LogPlotsDir.Length + 1)..^4] : null;

    /// <summary>Y columns of a plot for a table: the declared ones, or every column but x and <c>timestamp</c>.</summary>
    public static IReadOnlyList<string> YColumns(PlotDefinition plot, DataTable table)
    {
        if (plot.Y.Count > 0)
        {
            return plot.Y;
        }

        var x = plot.X ?? "step";
        return table.Columns.Where(c => c != x && c != "timestamp").ToList();
    }

    /// <summary>Summaries of every series of every step log at each rev; a log missing at a rev adds a note.</summary>
    public IReadOnlyList<StepSummary> Summarize(IReadOnlyList<RevisionRef> revs, IReadOnlyDictionary<string, MetricPolicy> policies, List<string> notes)
    {
        var result = new List<StepSummary>();
        foreach (var rev in revs)
        {
            foreach (var plot in Discover(rev))
            {
                var bytes = _source.Read(rev, plot.Path);
                if (bytes is null)
                {
                    notes.Add($"{plot.Path} is missing at {rev.Label}");
                    continue;
                }

                var table = DataTable.Parse(bytes, plot.Path, $"{plot.Path} at {rev.Label}");
                foreach (var y in YColumns(plot, table))
                {
                    var name = SeriesNameOfLog(plot.Path) is string logged && y == "value" ? logged : y;
                    result.Add(Summarize(plot, table, y, name, rev, Verdicts.FindPolicy(policies, plot.Path, name)));
                }
            }
        }

        return result.OrderBy(s => s.Path, StringComparer.Ordinal).ThenBy(s => s.Series, StringComparer.Ordinal).ToList();
    }

    private static StepSummary Summarize(PlotDefinition plot, DataTable table, string y, string name, RevisionRef rev, MetricPolicy? policy)
    {
        var (ys, skipped) = table.Numeric(y);
        var x = plot.X ?? "step";
        var xs = table.Has(x) ? table.Numeric(x).Values.ToDictionary(p => p.Row, p => p.Value) : null;
        double XOf(int row) => xs is not null && xs.TryGetValue(row, out var v) ? v : row;
        if (ys.Count == 0)
        {
            return new StepSummary(plot.Path, name, rev, 0, null, null, null, null, policy?.Better, skipped + table.MalformedRows);
        }

        var last = ys[^1];
        double? best = null, bestStep = null;
        if (policy is not null)
        {
            var pick = policy.Better == "lower" ? ys.MinBy(p => p.Value) : ys.MaxBy(p => p.Value);
            best = pick.Value;
            bestStep = XOf(pick.Row);
        }

        return new StepSummary(plot.Path, name, rev, ys.Count, XOf(last.Row), last.Value, bestStep, best, policy?.Better, skipped + table.MalformedRows);
    }
}
