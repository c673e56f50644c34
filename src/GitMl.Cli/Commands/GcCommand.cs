using System.CommandLine;
using GitMl.Core;
using GitMl.Core.Remotes;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml gc</c>: delete cache (or, with --cloud, remote) objects that no revision in scope uses.</summary>
internal static class GcCommand
{
    // A clone that pushed its data but not yet its commit is invisible to gc elsewhere; an hour covers a push followed
    // by a review of the diff, as git's own gc keeps young unreachable objects.
    private static readonly TimeSpan DefaultKeepRecent = TimeSpan.FromHours(1);

    public static Command Create(CliContext ctx)
    {
        var o = new RemoteOptions();
        var workspace = new Option<bool>("--workspace", "-w") { Description = "Keep what the workspace uses (the default; always kept)" };
        var cloud = new Option<bool>("--cloud", "-c") { Description = "Collect on the remote instead of the cache (needs an explicit scope flag)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "List what would be removed and how many bytes; delete nothing" };
        var keepRecent = new Option<string>("--keep-recent")
        {
            Description = "With --cloud: keep unused objects written to the remote within this long (0, 30s, 15m, 1h, 2d, 1w)",
            DefaultValueFactory = _ => DurationParser.Format(DefaultKeepRecent),
        };
        var command = new Command("gc", "Remove objects no kept revision uses, from the cache or a remote") { workspace, cloud, dryRun, keepRecent };
        o.AddTo(command, targets: false, revisions: true);
        command.SetAction(async (pr, ct) =>
        {
            var scope = o.Scope(pr);
            var grace = DurationParser.Parse(pr.GetValue(keepRecent)!, "--keep-recent");
            if (pr.GetValue(cloud) && !pr.GetValue(workspace) && !scope.AnyRevisions)
            {
                throw new GitMlException(
                    "'gc --cloud' needs an explicit scope: it deletes shared data other clones may need",
                    "add --workspace, --all-branches, --all-tags and/or --all-commits (try --dry-run first)",
                    ExitCode.Usage);
            }

            using var repo = ctx.OpenRepository();
            using var _ = ctx.Lock(repo, "gc");
            var outs = scope.Collect(repo);
            var service = new GcService(repo.Cache);
            GcResult result;
            if (pr.GetValue(cloud))
            {
                var settings = new RemoteConfigService(repo).Resolve(pr.GetValue(o.Remote));
                using var remote = RemoteStorageFactory.Create(settings);
                result = await service.CollectRemoteAsync(outs, remote, o.JobsFor(pr, settings), pr.GetValue(dryRun), ct, keepRecent: grace);
            }
            else
            {
                result = await service.CollectCacheAsync(outs, pr.GetValue(dryRun), ct);
            }

            if (pr.GetValue(o.Json))
            {
                RemoteOptions.WriteJson(ctx, new
                {
                    where = result.Where,
                    dryRun = result.DryRun,
                    kept = result.Kept,
                    removed = result.Removed.Select(r => new { oid = r.Oid, bytes = r.Size }),
                    bytesRemoved = result.BytesRemoved,
                    staleSwept = result.StaleSwept,
                    keptRecent = result.KeptRecent,
                    receiptsRemoved = result.ReceiptsRemoved,
                });
                return 0;
            }

            if (result.DryRun)
            {
                foreach (var r in result.Removed)
                {
                    ctx.Out.WriteLine($"would remove {r.Oid} ({Format.Bytes(r.Size)})");
                }
            }

            ctx.Out.WriteLine($"{(result.DryRun ? "would remove" : "removed")} {result.Removed.Count} object(s) ({Format.Bytes(result.BytesRemoved)}) from {result.Where}; kept {result.Kept}");
            if (result.KeptRecent > 0)
            {
                ctx.Out.WriteLine($"kept {result.KeptRecent} unused object(s) written or pushed within the last {DurationParser.Format(grace)} (--keep-recent)");
            }

            if (result.ReceiptsRemoved > 0)
            {
                ctx.Out.WriteLine($"{(result.DryRun ? "would remove" : "removed")} {result.ReceiptsRemoved} push receipt(s) older than {DurationParser.Format(grace)}");
            }

            if (result.StaleSwept > 0)
            {
                ctx.Out.WriteLine($"removed {result.StaleSwept} leftover(s) of interrupted uploads");
            }

            return 0;
        });
        return command;
    }
}
