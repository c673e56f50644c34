using System.CommandLine;
using GitMl.Core.Metrics;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml params diff [a] [b]</c>: changed params between two revisions.</summary>
internal static class ParamsCommand
{
    public static Command Create(CliContext ctx)
    {
        var group = new Command("params", "Compare params of revisions");
        var revs = new RevisionPairArguments();
        var all = new Option<bool>("--all") { Description = "Show unchanged params too" };
        var deps = new Option<bool>("--deps") { Description = "Only params some stage of gitml.yaml uses" };
        var flags = new TableFlags();
        var command = new Command("diff", "Compare params of two revisions (default HEAD vs workspace)");
        revs.AddTo(command);
        command.Options.Add(all);
        command.Options.Add(deps);
        flags.AddTo(command);
        command.SetAction(parse =>
        {
            var options = flags.Read(parse);
            using var repo = ctx.OpenRepository();
            var source = new RevisionSource(repo.Git, repo.WorkDir);
            var (oldRev, newRev) = revs.Resolve(parse, source);
            var diff = MetricsComparison.Params(source, oldRev, newRev, flags.ReadTargets(parse), parse.GetValue(all), parse.GetValue(deps));
            TableFlags.Notes(ctx, diff.Notes);
            if (parse.GetValue(flags.Json))
            {
                ctx.Out.Write(MetricsRender.ToJsonText(MetricsRender.DiffJson(diff, metrics: false)));
            }
            else if (diff.Rows.Count > 0)
            {
                MetricsRender.WriteDiff(ctx.Out, diff, options, metrics: false);
            }
            else
            {
                ctx.Err.WriteLine($"note: no param changed between {oldRev.Label} and {newRev.Label}" + (parse.GetValue(all) ? string.Empty : " (--all shows them)"));
            }

            return 0;
        });
        group.Subcommands.Add(command);
        return group;
    }
}
