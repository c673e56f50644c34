using GitMl.Core.Pointers;

namespace GitMl.Core.Remotes;

/// <summary>
/// Which revisions' tracked outs a command works on: the workspace and/or every branch tip, tag or commit.
/// Outs at revisions are read through Git without checking anything out.
/// </summary>
/// <param name="Workspace">Include the work tree's pointer files and <c>gitml.lock</c>.</param>
/// <param name="AllBranches">Include the tip of every local branch.</param>
/// <param name="AllTags">Include every tagged commit.</param>
/// <param name="AllCommits">Include every commit reachable from any ref.</param>
public sealed record RevisionScope(bool Workspace = true, bool AllBranches = false, bool AllTags = false, bool AllCommits = false)
{
    /// <summary>True when any revision flag is set.</summary>
    public bool AnyRevisions => AllBranches || AllTags || AllCommits;

    /// <summary>Collects the outs in scope, de-duplicated by (path, oid), optionally limited to <paramref name="targets"/>.</summary>
    /// <param name="repo">The repository.</param>
    /// <param name="targets">Repository-relative paths (a tracked path, its pointer file, or a folder above them); empty = all.</param>
    public IReadOnlyList<TrackedOut> Collect(GitMlRepository repo, IReadOnlyList<string>? targets = null)
    {
        var outs = new List<TrackedOut>();
        if (Workspace)
        {
            outs.AddRange(PointerDiscovery.WorkspaceOuts(repo.WorkDir));
        }

        if (AnyRevisions)
        {
            var commits = new HashSet<string>(StringComparer.Ordinal);
            if (AllBranches)
            {
                commits.UnionWith(repo.Git.Branches().Values);
            }

            if (AllTags)
            {
                commits.UnionWith(repo.Git.Tags().Select(t => t.TargetSha));
            }

            if (AllCommits)
            {
                commits.UnionWith(repo.Git.AllCommits());
            }

            foreach (var sha in commits.Order(StringComparer.Ordinal))
            {
                outs.AddRange(PointerDiscovery.CommitOuts(repo.Git, sha));
            }
        }

        var seen = new HashSet<(string, string)>();
        var result = new List<TrackedOut>();
        foreach (var o in outs)
        {
            if (seen.Add((o.RepoPath, o.Out.Oid)))
            {
                result.Add(o);
            }
        }

        if (targets is null || targets.Count == 0)
        {
            return result;
        }

        var filtered = new List<TrackedOut>();
        foreach (var target in targets)
        {
            var t = target.TrimEnd('/');
            var matched = result.Where(o => t is "." or "" || Matches(o.RepoPath, t) || o.Source == t).ToList();
            if (matched.Count == 0)
            {
                throw new GitMlException(
                    $"'{target}' is not tracked (no pointer file or lock out names it)",
                    "name a tracked path, its .gitml pointer file, or a folder that contains tracked paths",
                    ExitCode.NotFound);
            }

            filtered.AddRange(matched);
        }

        return filtered.DistinctBy(o => (o.RepoPath, o.Out.Oid)).ToList();
    }

    private static bool Matches(string repoPath, string target) =>
        repoPath == target || repoPath.StartsWith(target + "/", StringComparison.Ordinal) || target.StartsWith(repoPath + "/", StringComparison.Ordinal);
}
