using System.CommandLine;
using GitMl.Core.Data;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml status [targets] [--json]</c>: tracked data in the workspace vs its pointer files and gitml.lock.</summary>
internal static class StatusCommand
{
    public static Command Create(CliContext ctx)
    {
        var targets = new Argument<string[]>("targets") { Description = "Limit to these tracked paths or pointer files", Arity = ArgumentArity.ZeroOrMore };
        var json = GlobalOptions.Json();
        var command = new Command("status", "Show tracked data that changed in the workspace, is missing, or is not in the cache") { targets, json };
        command.SetAction(parse =>
        {
            using var repo = ctx.OpenRepository();
            var rel = (parse.GetValue(targets) ?? []).Select(p => repo.ToRepoRelative(p, ctx.Cwd)).ToList();
            using var data = new DataService(repo, ctx.Progress());
            var statuses = data.Status(rel);
            if (parse.GetValue(json))
            {
                JsonOut.Write(ctx, new
                {
                    clean = statuses.All(s => s.State == OutState.Unchanged && s.InCache),
                    outs = statuses.Select(s => new
                    {
                        path = s.Out.RepoPath,
                        source = s.Out.Source,
                        state = s.State.ToString().ToLowerInvariant(),
                        in_cache = s.InCache,
                        oid = s.Out.Out.Oid,
                        current_oid = s.CurrentOid,
                        changes = s.Changes.Select(c => new { path = c.RelPath, change = c.Kind.ToString().ToLowerInvariant() }),
                    }),
                });
                return 0;
            }

            var shown = 0;
            foreach (var s in statuses)
            {
                if (s.State == OutState.Unchanged && s.InCache)
                {
                    continue;
                }

                shown++;
                var state = s.State switch
                {
                    OutState.Modified => "modified",
                    OutState.Deleted => "deleted",
                    _ => "unchanged",
                };
                var cache = s.InCache ? string.Empty : " (not in cache: 'git ml pull' fetches it)";
                ctx.Out.WriteLine($"{state}: {s.Out.RepoPath}{cache}");
                foreach (var c in s.Changes.Take(50))
                {
                    ctx.Out.WriteLine($"    {c.Kind.ToString().ToLowerInvariant() + ":",-10}{s.Out.RepoPath}/{c.RelPath}");
                }

                if (s.Changes.Count > 50)
                {
                    ctx.Out.WriteLine($"    … and {s.Changes.Count - 50} more");
                }
            }

            if (statuses.Count == 0)
            {
                ctx.Out.WriteLine("No data is tracked yet: 'git ml add <path>' starts.");
            }
            else if (shown == 0)
            {
                ctx.Out.WriteLine($"Data is up to date ({statuses.Count} tracked {(statuses.Count == 1 ? "path" : "paths")}).");
            }
            else
            {
                ctx.Out.WriteLine();
                ctx.Out.WriteLine("'git ml add <path>' or 'git ml commit' records changes; 'git ml checkout <path>' discards them.");
            }

            return 0;
        });
        return command;
    }
}
