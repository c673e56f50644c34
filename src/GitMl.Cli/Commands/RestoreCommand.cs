using System.CommandLine;
using GitMl.Core.Pipelines;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml restore --rev REV --to DIR [targets] [--force]</c>: a commit's files and data into a folder.</summary>
internal static class RestoreCommand
{
    public static Command Create(CliContext ctx)
    {
        var rev = new Option<string>("--rev") { Description = "The commit to restore (sha, branch, tag, HEAD~3)", Required = true };
        var to = new Option<string>("--to") { Description = "Destination folder (new or empty, outside .git/.gitml)", Required = true };
        var force = new Option<bool>("--force", "-f") { Description = "Write into a non-empty folder, replacing the files the restore brings" };
        var remote = new Option<string?>("--remote", "-r") { Description = "Remote to fetch objects the cache lacks (default: core.remote)" };
        var targets = new Argument<string[]>("targets") { Description = "Limit to these paths (repository-relative)", Arity = ArgumentArity.ZeroOrMore };
        var json = GlobalOptions.Json();
        var command = new Command("restore", "Write a commit's Git files and tracked data into a folder; the workspace, index and HEAD are untouched")
        {
            rev, to, force, remote, targets, json,
        };
        command.SetAction(parse =>
        {
            using var repo = ctx.OpenRepository();
            var rel = (parse.GetValue(targets) ?? []).Select(p => repo.ToRepoRelative(p, ctx.Cwd)).ToList();
            var dest = Path.GetFullPath(Path.Combine(ctx.Cwd, parse.GetValue(to)!));
            using var repoLock = ctx.Lock(repo, "restore");
            var r = new RestoreService(repo, ctx.Progress()).Restore(parse.GetValue(rev)!, dest, rel, parse.GetValue(force), parse.GetValue(remote));
            if (parse.GetValue(json))
            {
                JsonOut.Write(ctx, new
                {
                    rev = parse.GetValue(rev),
                    commit = r.Commit,
                    directory = r.Directory,
                    git_files = r.GitFiles,
                    data_files = r.DataFiles,
                    data_bytes = r.DataBytes,
                    fetched = r.Fetched,
                    outs = r.Outs,
                });
                return 0;
            }

            ctx.Out.WriteLine($"Restored {parse.GetValue(rev)} ({r.Commit[..12]}) into {r.Directory}:");
            ctx.Out.WriteLine($"  {r.GitFiles} files from Git, {r.DataFiles} tracked data files ({Format.Bytes(r.DataBytes)}) from the cache"
                + (r.Fetched > 0 ? $", {r.Fetched} objects fetched from the remote." : "."));
            return 0;
        });
        return command;
    }
}
