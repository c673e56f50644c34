using System.CommandLine;
using GitMl.Core.Metrics;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml metrics show [revs…]</c>: one row per rev and metrics file.</summary>
internal static class MetricsShowCommand
{
    public static Command Create(CliContext ctx)
    {
        var revs = new Argument<string[]>("revs") { Description = "Revisions (default: workspace)", Arity = ArgumentArity.ZeroOrMore };
        var allBranches = new Option<bool>("--all-branches", "-a") { Description = "Add the tip of every local branch" };
        var allTags = new Option<bool>("--all-tags", "-T") { Description = "Add every tagged commit" };
        var count = new Option<int>("-n", "--num") { Description = "Add the last N commits of HEAD (first-parent)" };
        var flags = new TableFlags();
        var command = new Command("show", "Show metrics: one row per revision and file");
        command.Arguments.Add(revs);
        command.Options.Add(allBranches);
        command.Options.Add(allTags);
        command.Options.Add(count);
        flags.AddTo(command);
        command.SetAction(parse =>
        {
            var options = flags.Read(parse);
            using var repo = ctx.OpenRepository();
            var source = new RevisionSource(repo.Git, repo.WorkDir);
            var names = new List<string>(parse.GetValue(revs) ?? []);
            if (parse.GetValue(allBranches))
            {
                names.AddRange(repo.Git.Branches().Keys.Order(StringComparer.Ordinal));
            }

            if (parse.GetValue(allTags))
            {
                names.AddRange(repo.Git.Tags().Select(t => t.Name).Order(StringComparer.Ordinal));
            }

            var n = parse.GetValue(count);
            if (n > 0 && repo.Git.HeadSha is string head)
            {
                names.AddRange(repo.Git.FirstParentLog(head, n).Select(c => c.Sha[..7]));
            }

            if (names.Count == 0)
            {
                names.Add(RevisionRef.Workspace);
            }

            var reader = new MetricsReader(source);
            var targets = flags.ReadTargets(parse);
            var results = names.Distinct().Select(source.Resolve).ToList().Select(r => reader.Read(r, targets)).ToList();
            TableFlags.Notes(ctx, results.SelectMany(r => r.Notes));
            if (parse.GetValue(flags.Json))
            {
                ctx.Out.Write(MetricsRender.ToJsonText(MetricsRender.ShowJson(results)));
            }
            else if (results.All(r => r.Files.Count == 0))
            {
                ctx.Err.WriteLine("note: no metrics files: name them under a stage's 'metrics:' in gitml.yaml, pass --targets, or use 'git ml log metric'");
            }
            else
            {
                MetricsRender.WriteShow(ctx.Out, results, options);
            }

            return 0;
        });
        return command;
    }
}
