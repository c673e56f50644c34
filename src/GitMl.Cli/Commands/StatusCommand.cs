using System.CommandLine;
using GitMl.Core;
using GitMl.Core.Remotes;

namespace GitMl.Cli.Commands;

/// <summary>
/// <c>git ml status --cloud</c>: per tracked path, cache versus remote. The workspace half of <c>status</c> comes with
/// the data path (issue 2); on merge this file's --cloud branch is wired into that command.
/// </summary>
internal static class StatusCommand
{
    public static Command Create(CliContext ctx)
    {
        var o = new RemoteOptions();
        var cloud = new Option<bool>("--cloud", "-c") { Description = "Compare the cache with a remote: missing locally, missing on the remote, or in sync" };
        var command = new Command("status", "Show what differs (with --cloud: between the cache and a remote)") { cloud };
        o.AddTo(command, targets: true, revisions: false);
        command.SetAction(async (pr, ct) =>
        {
            if (!pr.GetValue(cloud))
            {
                throw new GitMlException(
                    "'git ml status' without --cloud is not available in this build",
                    "use 'git ml status --cloud' to compare the cache with a remote",
                    ExitCode.Usage);
            }

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
        });
        return command;
    }
}
