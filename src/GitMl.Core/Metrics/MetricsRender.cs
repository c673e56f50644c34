using System.Text.Json;
using System.Text.Json.Nodes;

namespace GitMl.Core.Metrics;

/// <summary>Table options shared by <c>metrics show/diff</c>, <c>params diff</c> and <c>report</c>.</summary>
/// <param name="Markdown">GitHub Markdown table instead of aligned text.</param>
/// <param name="NoPath">Leave out the Path column.</param>
/// <param name="Precision">Significant digits (see <see cref="NumberFormat"/>).</param>
public sealed record TableOptions(bool Markdown = false, bool NoPath = false, int Precision = NumberFormat.DefaultPrecision);

/// <summary>Renders metrics/params results as text, Markdown or JSON. Missing values show as <c>-</c>.</summary>
public static class MetricsRender
{
    /// <summary>Missing value marker.</summary>
    public const string Missing = "-";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// Writes a diff table: Path | Metric (or Param) | old | new | Change (metrics only) | Verdict (when policies exist).
    /// Added keys show Change <c>added</c>, removed keys <c>removed</c>; non-numeric values get <c>-</c>.
    /// </summary>
    public static void WriteDiff(TextWriter w, DiffResult diff, TableOptions options, bool metrics)
    {
        var headers = new List<string>();
        if (!options.NoPath)
        {
            headers.Add("Path");
        }

        headers.Add(metrics ? "Metric" : "Param");
        headers.Add(diff.Old.Label);
        headers.Add(diff.New.Label == diff.Old.Label ? diff.New.Label + " (new)" : diff.New.Label);
        if (metrics)
        {
            headers.Add("Change");
        }

        if (metrics && diff.HasPolicies)
        {
            headers.Add("Verdict");
        }

        var rows = new List<IReadOnlyList<string>>();
        foreach (var r in diff.Rows)
        {
            var cells = new List<string>();
            if (!options.NoPath)
            {
                cells.Add(r.Path);
            }

            cells.Add(r.Key);
            cells.Add(Cell(r.Old, options.Precision));
            cells.Add(Cell(r.New, options.Precision));
            if (metrics)
            {
                cells.Add(r.Kind switch
                {
                    ChangeKind.Added => "added",
                    ChangeKind.Removed => "removed",
                    _ => r.Change is double c ? NumberFormat.Signed(c, options.Precision) : Missing,
                });
            }

            if (metrics && diff.HasPolicies)
            {
                cells.Add(Verdicts.Text(r.Verdict ?? Verdict.NoPolicy));
            }

            rows.Add(cells);
        }

        TextTable.Write(w, headers, rows, options.Markdown);
    }

    /// <summary>Diff as JSON: <c>{path: {key: {old, new, diff[, verdict]}}}</c>; values unrounded, missing as null.</summary>
    public static JsonObject DiffJson(DiffResult diff, bool metrics)
    {
        var root = new JsonObject();
        foreach (var group in diff.Rows.GroupBy(r => r.Path))
        {
            var file = new JsonObject();
            foreach (var r in group)
            {
                var entry = new JsonObject { ["old"] = Json(r.Old), ["new"] = Json(r.New) };
                if (metrics)
                {
                    entry["diff"] = r.Change is double c ? JsonValue.Create(c) : null;
                }

                if (r.Verdict is Verdict v)
                {
                    entry["verdict"] = Verdicts.Text(v);
                }

                file[r.Key] = entry;
            }

            root[group.Key] = file;
        }

        return root;
    }

    /// <summary>
    /// Writes <c>metrics show</c>: one row per rev and file, one column per key (union over all rows, sorted).
    /// </summary>
    public static void WriteShow(TextWriter w, IReadOnlyList<RevisionValues> revs, TableOptions options)
    {
        var keys = revs.SelectMany(r => r.Files.Values).Where(f => f is not null).SelectMany(f => f!.Values.Keys)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var headers = new List<string> { "Revision" };
        if (!options.NoPath)
        {
            headers.Add("Path");
        }

        headers.AddRange(keys);
        var rows = new List<IReadOnlyList<string>>();
        foreach (var rev in revs)
        {
            foreach (var (path, file) in rev.Files)
            {
                var cells = new List<string> { rev.Rev.Label };
                if (!options.NoPath)
                {
                    cells.Add(path);
                }

                cells.AddRange(keys.Select(k => Cell(file?.Values.GetValueOrDefault(k), options.Precision)));
                rows.Add(cells);
            }
        }

        TextTable.Write(w, headers, rows, options.Markdown);
    }

    /// <summary><c>metrics show --json</c>: <c>{rev: {path: {key: value} | null}}</c>.</summary>
    public static JsonObject ShowJson(IReadOnlyList<RevisionValues> revs)
    {
        var root = new JsonObject();
        foreach (var rev in revs)
        {
            var files = new JsonObject();
            foreach (var (path, file) in rev.Files)
            {
                files[path] = file is null ? null : new JsonObject(file.Values.Select(kv => KeyValuePair.Create(kv.Key, Json(kv.Value))));
            }

            root[rev.Rev.Label] = files;
        }

        return root;
    }

    /// <summary>Writes step-series summaries: Path | Series | Revision | Points | Final step | Final | Best step | Best.</summary>
    public static void WriteSteps(TextWriter w, IReadOnlyList<StepSummary> steps, TableOptions options)
    {
        var headers = new List<string>();
        if (!options.NoPath)
        {
            headers.Add("Path");
        }

        headers.AddRange(["Series", "Revision", "Points", "Final step", "Final", "Best step", "Best"]);
        var rows = new List<IReadOnlyList<string>>();
        foreach (var s in steps)
        {
            var cells = new List<string>();
            if (!options.NoPath)
            {
                cells.Add(s.Path);
            }

            cells.Add(s.Series);
            cells.Add(s.Rev.Label);
            cells.Add(s.Points.ToString(System.Globalization.CultureInfo.InvariantCulture));
            cells.Add(Num(s.FinalStep, options.Precision));
            cells.Add(Num(s.Final, options.Precision));
            cells.Add(Num(s.BestStep, options.Precision));
            cells.Add(Num(s.Best, options.Precision));
            rows.Add(cells);
        }

        TextTable.Write(w, headers, rows, options.Markdown);
    }

    /// <summary>Step summaries as JSON: <c>{path: {series: {rev: {points, final_step, final, best_step, best, better}}}}</c>.</summary>
    public static JsonObject StepsJson(IReadOnlyList<StepSummary> steps)
    {
        var root = new JsonObject();
        foreach (var byPath in steps.GroupBy(s => s.Path))
        {
            var file = new JsonObject();
            foreach (var bySeries in byPath.GroupBy(s => s.Series))
            {
                var series = new JsonObject();
                foreach (var s in bySeries)
                {
                    series[s.Rev.Label] = new JsonObject
                    {
                        ["points"] = s.Points,
                        ["final_step"] = s.FinalStep,
                        ["final"] = s.Final,
                        ["best_step"] = s.BestStep,
                        ["best"] = s.Best,
                        ["better"] = s.Better,
                        ["skipped"] = s.Skipped,
                    };
                }

                file[bySeries.Key] = series;
            }

            root[byPath.Key] = file;
        }

        return root;
    }

    /// <summary>Serializes a JSON node indented, with a final newline.</summary>
    public static string ToJsonText(JsonNode node) => node.ToJsonString(Indented) + "\n";

    /// <summary>A value cell: numbers by <see cref="NumberFormat"/>, text as is, <c>-</c> when missing.</summary>
    public static string Cell(MetricValue? v, int precision) =>
        v is null ? Missing : v.Number is double d ? NumberFormat.Format(d, precision) : v.Text;

    private static string Num(double? d, int precision) => d is double x ? NumberFormat.Format(x, precision) : Missing;

    private static JsonNode? Json(MetricValue? v) =>
        v is null ? null : v.Number is double d && double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(v.Text);
}
