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
            return 0;
        });
        return command;
    }
}
