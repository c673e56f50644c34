using System.CommandLine;
using System.Text.Json.Nodes;
using GitMl.Core.Metrics;
using GitMl.Core.Pipelines;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml exp show</c>: one row per commit with its params and metrics.</summary>
internal static class ExpCommand
{
    public static Command Create(CliContext ctx)
    {
        var command = new Command("exp", "Compare runs: experiments are commits");
        command.Subcommands.Add(Show(ctx));
        return command;
    }

    private static Command Show(CliContext ctx)
    {
        var revs = new Argument<string[]>("revs") { Description = "Revisions or ranges (a..b); 'workspace' for the work tree; default: HEAD's first-parent history", Arity = ArgumentArity.ZeroOrMore };
        var count = new Option<int>("-n", "--num") { Description = "At most N rows (default: all of HEAD's first-parent history)" };
        var allBranches = new Option<bool>("--all-branches", "-a") { Description = "One row per local branch tip" };
        var allTags = new Option<bool>("--all-tags", "-T") { Description = "One row per tagged commit" };
        var onlyChanged = new Option<bool>("--only-changed") { Description = "Hide params and metrics whose value is the same in every row" };
        var sortBy = new Option<string?>("--sort-by") { Description = "Sort rows by this param or metric (numbers numerically; missing last)" };
        var desc = new Option<bool>("--desc") { Description = "With --sort-by: largest first" };
        var md = new Option<bool>("--md") { Description = "Write a Markdown table" };
        var csv = new Option<bool>("--csv") { Description = "Write CSV" };
        var precision = new Option<int>("--precision") { Description = "Significant digits of numbers in tables", DefaultValueFactory = _ => NumberFormat.DefaultPrecision };
        var json = GlobalOptions.Json();
        var command = new Command("show", "One row per commit: short sha, date, subject, branches/tags, every param and metric")
        {
            revs, count, allBranches, allTags, onlyChanged, sortBy, desc, md, csv, precision, json,
        };
        command.SetAction(parse =>
        {
            using var repo = ctx.OpenRepository();
            var source = new RevisionSource(repo.Git, repo.WorkDir);
            var selection = new ExperimentSelection(parse.GetValue(revs) ?? [], parse.GetValue(count), parse.GetValue(allBranches), parse.GetValue(allTags));
            var table = ExperimentTable.Build(source, selection);
            if (parse.GetValue(onlyChanged))
            {
                table = table.OnlyChanged();
            }

            if (parse.GetValue(sortBy) is { } key)
            {
                table = table.SortBy(key, parse.GetValue(desc));
            }

            foreach (var note in table.Notes)
            {
                ctx.Err.WriteLine("note: " + note);
            }

            if (parse.GetValue(json))
            {
                ctx.Out.Write(MetricsRender.ToJsonText(ToJson(table)));
                return 0;
            }

            var p = parse.GetValue(precision);
            var headers = new List<string> { "commit", "date", "subject", "refs" };
            headers.AddRange(table.Columns.Select(c => c.Label));
            var rows = table.Rows.Select(r => (IReadOnlyList<string>)new List<string> { r.Name, ExperimentTable.DateText(r.Date), r.Subject, string.Join(",", r.Refs) }
                .Concat(table.Columns.Select(c => parse.GetValue(csv)
                    ? (r.Values.TryGetValue(c.Label, out var raw) ? raw.Text : string.Empty)
                    : MetricsRender.Cell(r.Values.GetValueOrDefault(c.Label), p)))
                .ToList()).ToList();
            if (parse.GetValue(csv))
            {
                ctx.Out.WriteLine(string.Join(",", headers.Select(Csv)));
                foreach (var row in rows)
                {
                    ctx.Out.WriteLine(string.Join(",", row.Select(Csv)));
                }

                return 0;
            }

            TextTable.Write(ctx.Out, headers, rows, parse.GetValue(md));
            return 0;
        });
        return command;
    }

    private static JsonObject ToJson(ExperimentTable table)
    {
        var rows = new JsonArray();
        foreach (var r in table.Rows)
        {
            var prms = new JsonObject();
            var metrics = new JsonObject();
            foreach (var c in table.Columns)
            {
                if (r.Values.TryGetValue(c.Label, out var v))
                {
                    (c.Kind == "param" ? prms : metrics)[c.Label] = v.Number is double d && double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(v.Text);
                }
            }

            rows.Add(new JsonObject
            {
                ["commit"] = r.Sha,
                ["name"] = r.Name,
                ["date"] = r.Date?.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                ["subject"] = r.Subject,
                ["refs"] = new JsonArray(r.Refs.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray()),
                ["params"] = prms,
                ["metrics"] = metrics,
            });
        }

        var columns = new JsonArray(table.Columns.Select(c => (JsonNode?)new JsonObject
        {
            ["label"] = c.Label,
            ["kind"] = c.Kind,
            ["file"] = c.File,
            ["key"] = c.Key,
        }).ToArray());
        return new JsonObject { ["columns"] = columns, ["rows"] = rows };
    }

    private static string Csv(string cell)
    {
        if (cell.IndexOfAny([',', '"', '\n', '\r']) < 0)
        {
            return cell;
        }

        return "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
