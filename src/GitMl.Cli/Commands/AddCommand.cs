using System.CommandLine;
using GitMl.Core.Data;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml add &lt;paths…&gt;</c>: cache files and folders, write pointer files and .gitignore entries.</summary>
internal static class AddCommand
{
    public static Command Create(CliContext ctx)
    {
        var paths = new Argument<string[]>("paths") { Description = "Files or folders to track (shell globs are expanded by the shell)", Arity = ArgumentArity.OneOrMore };
        var json = GlobalOptions.Json();
        var command = new Command("add", "Hash files and folders into the cache and write <path>.gitml pointer files") { paths, json };
        command.SetAction(parse =>
        {
            using var repo = ctx.OpenRepository();
            var rel = parse.GetValue(paths)!.Select(p => repo.ToRepoRelative(p, ctx.Cwd)).ToList();
            using var repoLock = ctx.Lock(repo, "add");
            using var data = new DataService(repo, ctx.Progress());
            var added = data.Add(rel);
            if (parse.GetValue(json))
            {
                JsonOut.Write(ctx, added.Select(a => new
                {
                    path = a.RepoPath,
                    pointer = a.PointerPath,
                    oid = a.Out.Oid,
                    size = a.Out.Size,
                    nfiles = a.Out.NFiles,
                    changed = a.Changed,
                }));
                return 0;
            }

            foreach (var a in added)
            {
                var what = a.Out.NFiles is { } n ? $"{n} files, {Format.Bytes(a.Out.Size)}" : Format.Bytes(a.Out.Size);
                ctx.Out.WriteLine($"{(a.Changed ? "added" : "unchanged")}: {a.RepoPath} ({what}) -> {a.PointerPath}");
            }

            var toStage = added.SelectMany(a => new[] { a.PointerPath, GitIgnoreOf(a.RepoPath) }).Distinct().Select(Quote);
            ctx.Out.WriteLine();
            ctx.Out.WriteLine("To track the changes with Git, run:");
            ctx.Out.WriteLine($"    git add {string.Join(' ', toStage)}");
            return 0;
        });
        return command;
    }

    internal static string GitIgnoreOf(string repoPath) =>
        repoPath.Contains('/') ? repoPath[..repoPath.LastIndexOf('/')] + "/.gitignore" : ".gitignore";

    internal static string Quote(string path) =>
        path.All(c => char.IsLetterOrDigit(c) || c is '/' or '.' or '_' or '-') ? path : "'" + path.Replace("'", "'\\''") + "'";
}
