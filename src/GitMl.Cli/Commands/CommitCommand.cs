using System.CommandLine;
using GitMl.Core.Data;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml commit [targets]</c>: cache changed tracked data and update its pointer files.</summary>
internal static class CommitCommand
{
    public static Command Create(CliContext ctx)
    {
        var targets = new Argument<string[]>("targets") { Description = "Tracked paths or pointer files (default: all)", Arity = ArgumentArity.ZeroOrMore };
        var json = GlobalOptions.Json();
        var command = new Command("commit", "Store changed tracked data in the cache and update its pointer files") { targets, json };
        command.SetAction(parse =>
        {
            using var repo = ctx.OpenRepository();
            var rel = (parse.GetValue(targets) ?? []).Select(p => repo.ToRepoRelative(p, ctx.Cwd)).ToList();
            using var repoLock = ctx.Lock(repo, "commit");
            using var data = new DataService(repo, ctx.Progress());
            var updated = data.Commit(rel);
            if (parse.GetValue(json))
            {
                JsonOut.Write(ctx, updated.Select(a => new { path = a.RepoPath, pointer = a.PointerPath, oid = a.Out.Oid, size = a.Out.Size, nfiles = a.Out.NFiles }));
                return 0;
            }

            if (updated.Count == 0)
            {
                ctx.Out.WriteLine("Nothing to commit: tracked data matches its pointer files.");
                return 0;
            }

            foreach (var a in updated)
            {
                ctx.Out.WriteLine($"updated: {a.PointerPath} ({a.Out.Oid[..12]})");
            }

            ctx.Out.WriteLine();
            ctx.Out.WriteLine("To record it in Git, run:");
            ctx.Out.WriteLine($"    git add {string.Join(' ', updated.Select(a => AddCommand.Quote(a.PointerPath)))}");
            return 0;
        });
        return command;
    }
}
