using System.CommandLine;
using GitMl.Core;
using GitMl.Core.Data;
using GitMl.Core.Pipelines;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml repro [stages…] [--force] [--dry-run] [--downstream]</c>, and <c>--rev REV --verify</c>.</summary>
internal static class ReproCommand
{
    public static Command Create(CliContext ctx)
    {
        var stages = new Argument<string[]>("stages") { Description = "Stages to reproduce (with everything upstream of them); default: all", Arity = ArgumentArity.ZeroOrMore };
        var force = new Option<bool>("--force", "-f") { Description = "Run the stages even if nothing changed, without the run cache" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would run and why; change nothing" };
        var downstream = new Option<bool>("--downstream") { Description = "Run the given stages and every stage that depends on them" };
        var noRunCache = new Option<bool>("--no-run-cache") { Description = "Always run commands; do not restore outs of earlier identical runs" };
        var rev = new Option<string?>("--rev") { Description = "With --verify: the commit whose run to re-create" };
        var verify = new Option<bool>("--verify") { Description = "Re-run --rev's pipeline in a temporary copy and compare every out with its gitml.lock" };
        var remote = new Option<string?>("--remote", "-r") { Description = "With --verify: remote to fetch missing objects from (default: core.remote)" };
        var json = GlobalOptions.Json();
        var command = new Command("repro", "Run the pipeline stages whose cmd, deps, params or outs changed, in DAG order")
        {
            stages, force, dryRun, downstream, noRunCache, rev, verify, remote, json,
        };
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(json);
            using var repo = ctx.OpenRepository();
            if (parse.GetValue(verify) || parse.GetValue(rev) is not null)
            {
                if (!parse.GetValue(verify) || parse.GetValue(rev) is null)
                {
                    throw new GitMlException("--rev and --verify go together", "run 'git ml repro --rev REV --verify'", ExitCode.Usage);
                }

                return Verify(ctx, repo, parse.GetValue(rev)!, parse.GetValue(remote), asJson);
            }

            var options = new ReproOptions(parse.GetValue(stages) ?? [], parse.GetValue(force), parse.GetValue(dryRun), parse.GetValue(downstream), !parse.GetValue(noRunCache));
            using var repoLock = options.DryRun ? null : ctx.Lock(repo, "repro");
            using var data = new DataService(repo, ctx.Progress());

            // With --json, stdout carries only the JSON document; progress lines and command output go to stderr.
            var log = asJson ? ctx.Err : ctx.Out;
            var service = new ReproService(repo, data, log, asJson ? ctx.Err : ctx.Out, ctx.Err);
            var results = service.Run(options);
            if (asJson)
            {
                JsonOut.Write(ctx, new
                {
                    dry_run = options.DryRun,
                    stages = results.Select(r => new
                    {
                        stage = r.Stage,
                        action = ActionName(r.Action),
                        reasons = r.Reasons,
                        outs = r.Outs.Select(o => new { path = o.Out.Path, oid = o.Out.Oid, size = o.Out.Size, nfiles = o.Out.NFiles, cache = o.Cache }),
                    }),
                });
                return 0;
            }

            var changed = results.Where(r => r.Action is StageAction.Ran or StageAction.Restored).ToList();
            if (options.DryRun)
            {
                return 0;
            }

            if (changed.Count == 0)
            {
                ctx.Out.WriteLine("Everything is up to date.");
                return 0;
            }

            var toAdd = new SortedSet<string>(StringComparer.Ordinal) { "gitml.lock" };
            foreach (var o in changed.SelectMany(r => r.Outs))
            {
                toAdd.Add(o.Cache ? AddCommand.GitIgnoreOf(o.Out.Path) : o.Out.Path);
            }

            ctx.Out.WriteLine();
            ctx.Out.WriteLine("To track the changes with Git, run:");
            ctx.Out.WriteLine($"    git add {string.Join(' ', toAdd.Select(AddCommand.Quote))}");
            return 0;
        });
        return command;
    }

    private static int Verify(CliContext ctx, GitMlRepository repo, string rev, string? remote, bool asJson)
    {
        var log = asJson ? ctx.Err : ctx.Out;
        var results = new VerifyService(repo, log, asJson ? ctx.Err : ctx.Out, ctx.Err).Verify(rev, remote);
        var ok = results.All(r => r.Reproducible);
        if (asJson)
        {
            JsonOut.Write(ctx, new
            {
                rev,
                reproducible = ok,
                outs = results.Select(r => new { stage = r.Stage, path = r.Path, reproducible = r.Reproducible, expected_oid = r.ExpectedOid, actual_oid = r.ActualOid, detail = r.Detail }),
            });
        }
        else
        {
            ctx.Out.WriteLine();
            foreach (var r in results)
            {
                ctx.Out.WriteLine(r.Reproducible ? $"reproducible: {r.Path}" : $"differs:      {r.Path} ({r.Detail})");
            }
        }

        if (ok)
        {
            if (!asJson)
            {
                ctx.Out.WriteLine($"{rev} is reproducible: all {results.Count} outs match its gitml.lock.");
            }

            return 0;
        }

        var bad = results.Where(r => !r.Reproducible).ToList();
        throw new GitMlException(
            $"{rev} is not reproducible: {bad.Count} of {results.Count} outs differ ({string.Join(", ", bad.Select(b => b.Path))})",
            "look for randomness without a fixed seed, timestamps, or deps not listed in gitml.yaml",
            ExitCode.NotReproducible);
    }

    internal static string ActionName(StageAction action) => action switch
    {
        StageAction.UpToDate => "up-to-date",
        StageAction.Ran => "ran",
        StageAction.Restored => "restored-from-run-cache",
        StageAction.WouldRun => "would-run",
        StageAction.WouldRestore => "would-restore-from-run-cache",
        _ => action.ToString(),
    };
}
