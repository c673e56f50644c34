using System.CommandLine;
using System.Text.Json.Nodes;
using GitMl.Core;
using GitMl.Core.Metrics;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml metrics diff [a] [b]</c>: changed metrics with verdicts from gitml.yaml policies.</summary>
internal static class MetricsDiffCommand
{
    public static Command Create(CliContext ctx)
    {
        var revs = new RevisionPairArguments();
        var all = new Option<bool>("--all") { Description = "Show unchanged metrics too" };
        var steps = new Option<bool>("--steps") { Description = "Add final and best values of every step series (TSV/CSV plots)" };
        var fail = new Option<bool>("--fail-on-regression")
        {
            Description = "Exit with code 10 when a metric regressed beyond its tolerance (for CI gates)",
        };
        var flags = new TableFlags();
        var command = new Command("diff", "Compare metrics of two revisions (default HEAD vs workspace), with verdicts");
        revs.AddTo(command);
        command.Options.Add(all);
        command.Options.Add(steps);
        command.Options.Add(fail);
        flags.AddTo(command);
        command.SetAction(parse =>
        {
            var options = flags.Read(parse);
            using var repo = ctx.OpenRepository();
            var source = new RevisionSource(repo.Git, repo.WorkDir);
            var (oldRev, newRev) = revs.Resolve(parse, source);
            var comparison = MetricsComparison.Run(source, oldRev, newRev, flags.ReadTargets(parse), parse.GetValue(all), parse.GetValue(steps));
            TableFlags.Notes(ctx, comparison.Notes);
            if (parse.GetValue(flags.Json))
            {
                var json = MetricsRender.DiffJson(comparison.Diff, metrics: true);
                if (comparison.Steps is not null)
                {
                    json = new JsonObject { ["metrics"] = json, ["steps"] = MetricsRender.StepsJson(comparison.Steps) };
                }

                ctx.Out.Write(MetricsRender.ToJsonText(json));
            }
            else
            {
                if (comparison.Diff.Rows.Count > 0)
                {
                    MetricsRender.WriteDiff(ctx.Out, comparison.Diff, options, metrics: true);
                }
                else
                {
                    ctx.Err.WriteLine($"note: no metric changed between {oldRev.Label} and {newRev.Label}" + (parse.GetValue(all) ? string.Empty : " (--all shows them)"));
                }

                if (comparison.Steps is { Count: > 0 })
                {
                    ctx.Out.WriteLine();
                    MetricsRender.WriteSteps(ctx.Out, comparison.Steps, options);
                }
            }

            var regressed = comparison.Diff.Regressions.ToList();
            if (parse.GetValue(fail) && regressed.Count > 0)
            {
                ctx.Err.WriteLine($"error: {regressed.Count} metric(s) regressed beyond tolerance: {string.Join(", ", regressed.Select(r => r.Key))}");
                ctx.Err.WriteLine("hint: the gitml.yaml 'metrics:' policies define 'better' and the tolerance of each metric");
                return (int)ExitCode.Regression;
            }

            return 0;
        });
        return command;
    }
}
