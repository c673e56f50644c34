using System.CommandLine;
using GitMl.Core.Remotes;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml fetch</c>: download into the cache the objects the tracked outs need (verified).</summary>
internal static class FetchCommand
{
    public static Command Create(CliContext ctx)
    {
        var o = new RemoteOptions();
        var command = new Command("fetch", "Download tracked data from a remote into the cache (each object verified)");
        o.AddTo(command);
        command.SetAction(async (pr, ct) =>
        {
            using var repo = ctx.OpenRepository();
            using var _ = ctx.Lock(repo, "fetch");
            var outs = o.Outs(pr, ctx, repo);
            var settings = new RemoteConfigService(repo).Resolve(pr.GetValue(o.Remote));
            using var remote = RemoteStorageFactory.Create(settings);
            var result = await new TransferService(repo.Cache).FetchAsync(outs, remote, o.JobsFor(pr, settings), ctx.Progress(), ct);
            TransferReport.Write(ctx, result, pr.GetValue(o.Json));
            result.ThrowIfIncomplete();
            return 0;
        });
        return command;
    }
}
