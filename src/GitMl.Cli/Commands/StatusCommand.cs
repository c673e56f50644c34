using System.CommandLine;
using GitMl.Core.Data;
using GitMl.Core.Remotes;

namespace GitMl.Cli.Commands;

/// <summary>
/// <c>git ml status [targets] [--json]</c>: tracked data in the workspace vs its pointer files and gitml.lock;
/// with <c>--cloud</c>, the cache vs a remote per tracked path.
/// </summary>
internal static class StatusCommand
{
    public static Command Create(CliContext ctx)
    {
        var o = new RemoteOptions();
        var cloud = new Option<bool>("--cloud", "-c") { Description = "Compare the cache with a remote: missing locally, missing on the remote, or in sync" };
        var targets = o.Targets;
        var json = o.Json;
        var command = new Command("status", "Show tracked data that changed in the workspace, is missing, or is not in the cache (--cloud: vs a remote)") { cloud };
        o.AddTo(command, targets: true, revisions: false);
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(cloud))
            {
                return await CloudStatusAsync(ctx, o, parse, ct);
            }

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

    private static async Task<int> CloudStatusAsync(CliContext ctx, RemoteOptions o, ParseResult pr, CancellationToken ct)
    {
        using var repo = ctx.OpenRepository();
        var outs = o.Outs(pr, ctx, repo);
        var settings = new RemoteConfigService(repo).Resolve(pr.GetValue(o.Remote));
        using var remote = RemoteStorageFactory.Create(settings);
        var rows = await new CloudStatusService(repo.Cache).CompareAsync(outs, remote, o.JobsFor(pr, settings), ct);
        if (pr.GetValue(o.Json))
        {
            RemoteOptions.WriteJson(ctx, new
            {
                remote = remote.Description,
                paths = rows.Select(r => new { path = r.Path, oid = r.Oid, state = r.State, objects = r.Objects, missingLocally = r.MissingLocally, missingOnRemote = r.MissingOnRemote }),
            });
            return 0;
        }

        if (rows.All(r => r.State == "in sync"))
        {
            ctx.Out.WriteLine($"Cache and remote {remote.Description} are in sync ({rows.Count} tracked path(s))");
            return 0;
        }

        foreach (var r in rows)
        {
            ctx.Out.WriteLine($"{r.State + ":",-32}{r.Path}");
        }

        return 0;
    }
}
