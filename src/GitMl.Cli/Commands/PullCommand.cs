using System.CommandLine;
using GitMl.Core.Remotes;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml pull</c>: fetch, then write the fetched data into the workspace where it is missing.</summary>
internal static class PullCommand
{
    public static Command Create(CliContext ctx)
    {
        var o = new RemoteOptions();
        var command = new Command("pull", "Fetch tracked data and write it into the workspace (never overwrites local changes)");
        o.AddTo(command);
        var runCache = new Option<bool>("--run-cache") { Description = "Also transfer the run cache (remembered stage runs) and the objects of their outs" };
        command.Options.Add(runCache);
        command.SetAction(async (pr, ct) =>
        {
            using var repo = ctx.OpenRepository();
            using var _ = ctx.Lock(repo, "pull");
            var outs = o.Outs(pr, ctx, repo);
            var settings = new RemoteConfigService(repo).Resolve(pr.GetValue(o.Remote));
            using var remote = RemoteStorageFactory.Create(settings);
            var result = await new PullService(repo).PullAsync(outs, remote, o.JobsFor(pr, settings), ctx.Progress(), ct);
            var c = result.Checkout;
            if (pr.GetValue(o.Json))
            {
                RemoteOptions.WriteJson(ctx, new
                {
                    fetch = TransferReport.ToJson(result.Fetch),
                    checkout = new { written = c.Written, unchanged = c.Unchanged, keptModified = c.KeptModified, notInCache = c.NotInCache },
                });
            }
            else
            {
                TransferReport.Write(ctx, result.Fetch, false);
                ctx.Out.WriteLine($"wrote {c.Written} file(s) into the workspace, {c.Unchanged} already up to date");
                foreach (var path in c.KeptModified)
                {
                    ctx.Warn($"kept your changes to '{path}' (it differs from its pointer); 'git ml checkout --force' replaces it");
                }
            }

            result.Fetch.ThrowIfIncomplete();
            if (pr.GetValue(runCache))
            {
                var runs = await GitMl.Core.Pipelines.RunCacheTransfer.PullAsync(repo, remote, o.JobsFor(pr, settings), ctx.Progress(), ct);
                PushCommand.RunCacheReport(ctx, runs, "pulled", pr.GetValue(o.Json));
            }

            return 0;
        });
        return command;
    }
}
