using System.CommandLine;
using GitMl.Core.Remotes;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml fsck</c>: re-hash every cached (or remote) object and report corrupt or missing ones.</summary>
internal static class FsckCommand
{
    public static Command Create(CliContext ctx)
    {
        var o = new RemoteOptions();
        var cloud = new Option<bool>("--cloud", "-c") { Description = "Check the remote: download and re-hash every object there" };
        var command = new Command("fsck", "Verify every object's bytes against its oid, in the cache or on a remote") { cloud };
        o.AddTo(command, targets: false, revisions: false);
        command.SetAction(async (pr, ct) =>
        {
            using var repo = ctx.OpenRepository();
            var outs = new RevisionScope().Collect(repo);
            var service = new FsckService(repo.Cache);
            FsckResult result;
            if (pr.GetValue(cloud))
            {
                var settings = new RemoteConfigService(repo).Resolve(pr.GetValue(o.Remote));
                using var remote = RemoteStorageFactory.Create(settings);
                result = await service.CheckRemoteAsync(outs, remote, o.JobsFor(pr, settings), ctx.Progress(), ct);
            }
            else
            {
                result = await service.CheckCacheAsync(outs, pr.GetValue(o.Jobs) ?? Environment.ProcessorCount, ctx.Progress(), ct);
            }

            if (pr.GetValue(o.Json))
            {
                RemoteOptions.WriteJson(ctx, new { where = result.Where, @checked = result.Checked, bytes = result.BytesChecked, corrupt = result.Corrupt, missing = result.Missing });
            }
            else
            {
                foreach (var c in result.Corrupt)
                {
                    ctx.Out.WriteLine($"corrupt: {c}");
                }

                foreach (var m in result.Missing)
                {
                    ctx.Out.WriteLine($"missing: {m}");
                }

                ctx.Out.WriteLine($"checked {result.Checked} object(s) ({Format.Bytes(result.BytesChecked)}) in {result.Where}: {result.Corrupt.Count} corrupt, {result.Missing.Count} missing");
            }

            result.ThrowIfProblems();
            return 0;
        });
        return command;
    }
}
