using System.CommandLine;
using GitMl.Core.Data;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml remove &lt;targets&gt; [--outs]</c>: stop tracking data (delete pointer files, unignore it).</summary>
internal static class RemoveCommand
{
    public static Command Create(CliContext ctx)
    {
        var targets = new Argument<string[]>("targets") { Description = "Tracked paths or their .gitml pointer files", Arity = ArgumentArity.OneOrMore };
        var outs = new Option<bool>("--outs") { Description = "Also delete the data from the workspace (refused when it has changes not in the cache)" };
        var json = GlobalOptions.Json();
        var command = new Command("remove", "Stop tracking data: delete its pointer file and .gitignore entry (the cache keeps its bytes)") { targets, outs, json };
        command.SetAction(parse =>
        {
            using var repo = ctx.OpenRepository();
            var rel = parse.GetValue(targets)!.Select(p => repo.ToRepoRelative(p, ctx.Cwd)).ToList();
            using var repoLock = ctx.Lock(repo, "remove");
            using var data = new DataService(repo, ctx.Progress());
            var removed = data.Remove(rel, parse.GetValue(outs));
            if (parse.GetValue(json))
            {
                JsonOut.Write(ctx, removed.Select(r => new { path = r.RepoPath, pointer = r.PointerPath, data_deleted = r.DataDeleted }));
                return 0;
            }

            foreach (var r in removed)
            {
                ctx.Out.WriteLine($"removed: {r.PointerPath}{(r.DataDeleted ? $" and {r.RepoPath}" : string.Empty)}");
            }

            ctx.Out.WriteLine();
            ctx.Out.WriteLine("To record it in Git, run:");
            ctx.Out.WriteLine($"    git add -A {string.Join(' ', removed.SelectMany(r => new[] { r.PointerPath, AddCommand.GitIgnoreOf(r.RepoPath) }).Distinct().Select(AddCommand.Quote))}");
            return 0;
        });
        return command;
    }
}
