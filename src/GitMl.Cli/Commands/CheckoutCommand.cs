using System.CommandLine;
using GitMl.Core;
using GitMl.Core.Data;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml checkout [rev] [targets] [--force]</c>: make tracked data match the pointer files (of rev).</summary>
internal static class CheckoutCommand
{
    public static Command Create(CliContext ctx)
    {
        var args = new Argument<string[]>("rev-and-targets")
        {
            Description = "An optional revision (sha, branch, tag, HEAD~1) followed by tracked paths; a first word that names an existing path is a target",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite workspace changes that are not in the cache" };
        var json = GlobalOptions.Json();
        var command = new Command("checkout", "Make the workspace's tracked data match the pointer files, or those of a revision") { args, force, json };
        command.SetAction(parse =>
        {
            using var repo = ctx.OpenRepository();
            var words = (parse.GetValue(args) ?? []).ToList();
            string? sha = null;
            string? rev = null;
            if (words.Count > 0 && IsRevision(repo, ctx.Cwd, words[0]))
            {
                rev = words[0];
                sha = repo.Git.ResolveCommit(rev);
                words.RemoveAt(0);
            }

            var rel = words.Select(p => repo.ToRepoRelative(p, ctx.Cwd)).ToList();
            using var repoLock = ctx.Lock(repo, "checkout");
            using var data = new DataService(repo, ctx.Progress());
            var result = data.Checkout(sha, rel, parse.GetValue(force));
            if (parse.GetValue(json))
            {
                JsonOut.Write(ctx, new
                {
                    rev,
                    commit = sha,
                    outs = result.Outs,
                    files_written = result.FilesWritten,
                    files_deleted = result.FilesDeleted,
                    files_unchanged = result.FilesUnchanged,
                    changed = result.ChangedPaths,
                    link_types = result.LinkTypes.ToDictionary(k => k.Key.ToString().ToLowerInvariant(), v => v.Value),
                });
                return 0;
            }

            foreach (var p in result.ChangedPaths)
            {
                ctx.Out.WriteLine($"updated: {p}");
            }

            var how = result.LinkTypes.Count == 0 ? string.Empty
                : " (" + string.Join(", ", result.LinkTypes.Select(kv => $"{kv.Value} {kv.Key.ToString().ToLowerInvariant()}")) + ")";
            ctx.Out.WriteLine($"{result.FilesWritten} files written{how}, {result.FilesDeleted} deleted, {result.FilesUnchanged} unchanged"
                + (rev is null ? string.Empty : $" at {rev} ({sha![..12]})") + ".");
            return 0;
        });
        return command;
    }

    private static bool IsRevision(GitMlRepository repo, string cwd, string word)
    {
        // A word naming something in the work tree is a target even if Git could also read it as a rev.
        var full = Path.GetFullPath(Path.Combine(cwd, word));
        if (File.Exists(full) || Directory.Exists(full) || File.Exists(full + ".gitml"))
        {
            return false;
        }

        return repo.Git.TryResolveCommit(word) is not null;
    }
}
