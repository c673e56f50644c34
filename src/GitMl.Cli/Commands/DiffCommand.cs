using System.CommandLine;
using GitMl.Core;
using GitMl.Core.Data;
using GitMl.Core.Metrics;
using GitMl.Core.Remotes;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml diff [a] [b]</c>: tracked files added, deleted, modified or renamed between two revisions.</summary>
internal static class DiffCommand
{
    public static Command Create(CliContext ctx)
    {
        var revs = new RevisionPairArguments();
        var targets = new Option<string[]>("--targets", "-t") { Description = "Only these tracked paths (or files inside tracked folders)", AllowMultipleArgumentsPerToken = true };
        var showHash = new Option<bool>("--show-hash") { Description = "Show the first 8 characters of each oid" };
        var markdown = new Option<bool>("--md") { Description = "Write a GitHub Markdown table" };
        var json = new Option<bool>("--json") { Description = "Write JSON: added, deleted, modified, renamed, not_in_cache" };
        var fetch = new Option<bool>("--fetch") { Description = "Download the folder manifests the cache lacks (manifests only) from the remote first" };
        var remoteName = new Option<string?>("--remote", "-r") { Description = "With --fetch: the remote (default: core.remote)" };
        var command = new Command("diff", "Show tracked files added, deleted, modified or renamed between two revisions (default HEAD vs workspace)")
        {
            targets, showHash, markdown, json, fetch, remoteName,
        };
        revs.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(remoteName) is not null && !parse.GetValue(fetch))
            {
                throw new GitMlException("--remote only says where --fetch downloads from", "add --fetch, or leave out --remote", ExitCode.Usage);
            }

            using var repo = ctx.OpenRepository();
            var source = new RevisionSource(repo.Git, repo.WorkDir);
            var rel = (parse.GetValue(targets) ?? []).Select(p => repo.ToRepoRelative(p, ctx.Cwd)).ToList();
            using var data = new DataService(repo, ctx.Progress());
            RevisionRef? oldRev;
            RevisionRef newRev;
            if (revs.OldIsDefault(parse) && repo.Git.HeadSha is null)
            {
                // Before the first commit, as git diff does, compare with nothing: everything tracked is added.
                ctx.Err.WriteLine("note: no commits yet; comparing with an empty history");
                (oldRev, newRev) = (null, revs.ResolveNew(parse, source));
            }
            else
            {
                (oldRev, newRev) = revs.Resolve(parse, source);
            }

            var service = new DataDiffService(repo, data);
            if (parse.GetValue(fetch))
            {
                var settings = new RemoteConfigService(repo).Resolve(parse.GetValue(remoteName));
                using var remote = RemoteStorageFactory.Create(settings);
                var fetched = await service.FetchMissingManifestsAsync([oldRev, newRev], remote, ct);
                ctx.Debug($"fetched {fetched} folder manifest(s) from {remote.Description}");
            }

            var diff = service.Diff(oldRev, newRev, rel);
            var oldLabel = diff.Old?.Label ?? "(no commits)";
            var newLabel = diff.New.Label;
            foreach (var folder in diff.NotInCache)
            {
                ctx.Err.WriteLine($"note: the manifest of {folder} is not in the cache; compared as a whole ('git ml diff --fetch' downloads it)");
            }

            if (parse.GetValue(json))
            {
                JsonOut.Write(ctx, new
                {
                    added = Of(diff, DataChangeKind.Added).Select(c => new { path = c.Path, hash = c.NewOid }),
                    deleted = Of(diff, DataChangeKind.Deleted).Select(c => new { path = c.Path, hash = c.OldOid }),
                    modified = Of(diff, DataChangeKind.Modified).Select(c => new { path = c.Path, hash = new { old = c.OldOid, @new = c.NewOid } }),
                    renamed = Of(diff, DataChangeKind.Renamed).Select(c => new { path = new { old = c.OldPath, @new = c.Path }, hash = c.NewOid }),
                    notInCache = diff.NotInCache,
                });
                return 0;
            }

            if (diff.Changes.Count == 0)
            {
                ctx.Err.WriteLine($"note: no tracked data changed between {oldLabel} and {newLabel}");
                return 0;
            }

            if (parse.GetValue(markdown))
            {
                WriteMarkdown(ctx.Out, diff, parse.GetValue(showHash));
            }
            else
            {
                WriteText(ctx.Out, diff, parse.GetValue(showHash));
            }

            return 0;
        });
        return command;
    }

    private static IEnumerable<DataChange> Of(DataDiffResult diff, DataChangeKind kind) => diff.Changes.Where(c => c.Kind == kind);

    private static string Short(string? oid) => oid is null ? string.Empty : oid[..Math.Min(8, oid.Length)];

    private static string Hashes(DataChange c) => c.Kind switch
    {
        DataChangeKind.Added => Short(c.NewOid),
        DataChangeKind.Deleted => Short(c.OldOid),
        DataChangeKind.Renamed => Short(c.NewOid),
        _ => $"{Short(c.OldOid)}..{Short(c.NewOid)}",
    };

    private static string Where(DataChange c) => c.Kind == DataChangeKind.Renamed ? $"{c.OldPath} -> {c.Path}" : c.Path;

    private static void WriteText(TextWriter w, DataDiffResult diff, bool showHash)
    {
        // Changes come sorted by kind, then path: one section per kind present.
        var first = true;
        foreach (var rows in diff.Changes.GroupBy(c => c.Kind))
        {
            if (!first)
            {
                w.WriteLine();
            }

            first = false;
            w.WriteLine(rows.Key + ":");
            var width = showHash ? rows.Max(r => Hashes(r).Length) : 0;
            foreach (var r in rows)
            {
                w.WriteLine(showHash ? $"    {Hashes(r).PadRight(width)}  {Where(r)}" : $"    {Where(r)}");
            }
        }

        w.WriteLine();
        w.WriteLine(Summary(diff));
    }

    private static void WriteMarkdown(TextWriter w, DataDiffResult diff, bool showHash)
    {
        var headers = showHash ? new[] { "Status", "Hash", "Path" } : new[] { "Status", "Path" };
        var rows = diff.Changes.Select(c => (IReadOnlyList<string>)(showHash
            ? [c.Kind.ToString().ToLowerInvariant(), Hashes(c), Where(c)]
            : [c.Kind.ToString().ToLowerInvariant(), Where(c)])).ToList();
        TextTable.Write(w, headers, rows, markdown: true);
        w.WriteLine();
        w.WriteLine(Summary(diff));
    }

    private static string Summary(DataDiffResult diff) =>
        $"files summary: {diff.FileCount(DataChangeKind.Added)} added, {diff.FileCount(DataChangeKind.Deleted)} deleted, " +
        $"{diff.FileCount(DataChangeKind.Renamed)} renamed, {diff.FileCount(DataChangeKind.Modified)} modified";
}
