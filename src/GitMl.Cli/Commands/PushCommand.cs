using System.CommandLine;
using GitMl.Core.Remotes;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml push</c>: upload the cache objects that the tracked outs need and the remote lacks.</summary>
internal static class PushCommand
{
    public static Command Create(CliContext ctx)
    {
        var o = new RemoteOptions();
        var command = new Command("push", "Upload tracked data to a remote (only what it lacks)");
        o.AddTo(command);
        var runCache = new Option<bool>("--run-cache") { Description = "Also transfer the run cache (remembered stage runs) and the objects of their outs" };
        command.Options.Add(runCache);
        command.SetAction(async (pr, ct) =>
        {
            using var repo = ctx.OpenRepository();
            using var _ = ctx.Lock(repo, "push");
            var outs = o.Outs(pr, ctx, repo);
            var settings = new RemoteConfigService(repo).Resolve(pr.GetValue(o.Remote));
            using var remote = RemoteStorageFactory.Create(settings);
            var jobs = o.JobsFor(pr, settings);
            ctx.Debug($"push: {outs.Count} outs to {remote.Description} with {jobs} jobs ({settings.Credentials?.ToString() ?? "no credentials"})");
            var result = await new TransferService(repo.Cache).PushAsync(outs, remote, jobs, ctx.Progress(), ct);
            TransferReport.Write(ctx, result, pr.GetValue(o.Json));
            result.ThrowIfIncomplete();
            if (pr.GetValue(runCache))
            {
                var runs = await GitMl.Core.Pipelines.RunCacheTransfer.PushAsync(repo, remote, jobs, ctx.Progress(), ct);
                RunCacheReport(ctx, runs, "pushed", pr.GetValue(o.Json));
            }

            return 0;
        });
        return command;
    }

    internal static void RunCacheReport(CliContext ctx, GitMl.Core.Pipelines.RunCacheTransferResult runs, string verb, bool json)
    {
        // With --json the transfer report above is the document; the run-cache line goes to stderr.
        var w = json ? ctx.Err : ctx.Out;
        w.WriteLine($"run cache: {runs.EntriesTransferred} of {runs.Entries} run(s) {verb}, {runs.Objects.Transferred} object(s) moved"
            + (runs.Skipped > 0 ? $", {runs.Skipped} skipped" : string.Empty));
    }
}
