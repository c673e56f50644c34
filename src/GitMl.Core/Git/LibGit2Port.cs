using LibGit2Sharp;

namespace GitMl.Core.Git;

/// <summary>LibGit2Sharp adapter for <see cref="IGitPort"/>.</summary>
internal sealed class LibGit2Port : IGitPort
{
    private readonly Repository _repo;

    public LibGit2Port(string workDir)
    {
        _repo = new Repository(workDir);
        WorkDir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(_repo.Info.WorkingDirectory));
    }

    /// <summary>Finds the work tree containing <paramref name="startDir"/>, or null.</summary>
    public static string? DiscoverWorkDir(string startDir)
    {
        var gitDir = Repository.Discover(startDir);
        if (gitDir is null)
        {
            return null;
        }

        using var repo = new Repository(gitDir);
        return repo.Info.IsBare ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(repo.Info.WorkingDirectory));
    }

    public string WorkDir { get; }

    public string? HeadSha => _repo.Head?.Tip?.Sha;

    public string? CurrentBranch => _repo.Info.IsHeadDetached || _repo.Head?.Tip is null ? null : _repo.Head.FriendlyName;

    public string ResolveCommit(string rev) => TryResolveCommit(rev) ?? throw new GitMlException(
        $"unknown revision '{rev}'",
        "use a commit sha, branch, tag or an expression like HEAD~1; 'git log --oneline' lists commits",
        ExitCode.NotFound);

    public string? TryResolveCommit(string rev)
    {
        try
        {
            var obj = _repo.Lookup(rev);
            return obj switch
            {
                Commit c => c.Sha,
                TagAnnotation t => (t.Target as Commit)?.Sha ?? t.Target.Peel<Commit>()?.Sha,
                _ => obj?.Peel<Commit>()?.Sha,
            };
        }
        catch (LibGit2SharpException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    public byte[]? ReadFile(string commitSha, string path)
    {
        var blob = LookupBlob(commitSha, path);
        return blob is null ? null : ReadAll(blob);
    }

    public string? BlobId(string commitSha, string path) => LookupBlob(commitSha, path)?.Sha;

    public byte[] ReadBlob(string blobId) => ReadAll(_repo.Lookup<Blob>(blobId)
        ?? throw new GitMlException($"git blob {blobId} not found", null, ExitCode.NotFound));

    public IReadOnlyList<GitTreeFile> ListFiles(string commitSha, Func<string, bool> predicate)
    {
        var result = new List<GitTreeFile>();
        var commit = _repo.Lookup<Commit>(commitSha) ?? throw new GitMlException($"commit {commitSha} not found", null, ExitCode.NotFound);
        Walk(commit.Tree, string.Empty, predicate, result);
        return result;
    }

    public IReadOnlyList<GitTreeEntry> ListTree(string commitSha)
    {
        var commit = _repo.Lookup<Commit>(commitSha) ?? throw new GitMlException($"commit {commitSha} not found", null, ExitCode.NotFound);
        var result = new List<GitTreeEntry>();
        var stack = new Stack<(Tree Tree, string Prefix)>();
        stack.Push((commit.Tree, string.Empty));
        while (stack.Count > 0)
        {
            var (tree, prefix) = stack.Pop();
            foreach (var entry in tree)
            {
                var path = prefix.Length == 0 ? entry.Name : prefix + "/" + entry.Name;
                if (entry.TargetType == TreeEntryTargetType.Tree)
                {
                    stack.Push(((Tree)entry.Target, path));
                }
                else if (entry.TargetType == TreeEntryTargetType.Blob)
                {
                    result.Add(new GitTreeEntry(path, entry.Target.Sha, entry.Mode == Mode.ExecutableFile, entry.Mode == Mode.SymbolicLink));
                }
            }
        }

        result.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return result;
    }

    public bool IsTrackedByGit(string relPath) => _repo.Index[relPath] is not null;

    public IReadOnlyList<string> TrackedByGitUnder(string relPath, int max)
    {
        var prefix = relPath + "/";
        var result = new List<string>();
        foreach (var entry in _repo.Index)
        {
            if (entry.Path == relPath || entry.Path.StartsWith(prefix, StringComparison.Ordinal))
            {
                result.Add(entry.Path);
                if (result.Count >= max)
                {
                    break;
                }
            }
        }

        return result;
    }

    public GitCommitInfo GetCommit(string sha) => ToInfo(_repo.Lookup<Commit>(sha)
        ?? throw new GitMlException($"commit {sha} not found", null, ExitCode.NotFound));

    public IReadOnlyList<GitCommitInfo> FirstParentLog(string startSha, int max)
    {
        var result = new List<GitCommitInfo>();
        var c = _repo.Lookup<Commit>(startSha);
        while (c is not null && result.Count < max)
        {
            result.Add(ToInfo(c));
            c = c.Parents.FirstOrDefault();
        }

        return result;
    }

    public IReadOnlyDictionary<string, string> Branches() =>
        _repo.Branches.Where(b => !b.IsRemote && b.Tip is not null).ToDictionary(b => b.FriendlyName, b => b.Tip.Sha);

    public IReadOnlyList<GitTagInfo> Tags()
    {
        var result = new List<GitTagInfo>();
        foreach (var tag in _repo.Tags)
        {
            var target = tag.PeeledTarget as Commit;
            if (target is null)
            {
                continue;
            }

            var ann = tag.Annotation;
            result.Add(new GitTagInfo(
                tag.FriendlyName,
                target.Sha,
                ann?.Message,
                ann?.Tagger?.Name,
                ann?.Tagger?.Email,
                ann?.Tagger?.When,
                ann is not null));
        }

        return result;
    }

    public IReadOnlyList<string> AllCommits()
    {
        var filter = new CommitFilter { IncludeReachableFrom = _repo.Refs.ToList(), SortBy = CommitSortStrategies.Topological };
        return _repo.Commits.QueryBy(filter).Select(c => c.Sha).ToList();
    }

    public void CreateAnnotatedTag(string name, string commitSha, string message, string taggerName, string taggerEmail, DateTimeOffset when)
    {
        var commit = _repo.Lookup<Commit>(commitSha) ?? throw new GitMlException($"commit {commitSha} not found", null, ExitCode.NotFound);
        _repo.Tags.Add(name, commit, new Signature(taggerName, taggerEmail, when), message);
    }

    public void DeleteTag(string name) => _repo.Tags.Remove(name);

    public (string Name, string Email) Identity()
    {
        var name = _repo.Config.Get<string>("user.name")?.Value ?? Environment.GetEnvironmentVariable("GIT_AUTHOR_NAME") ?? "git-ml";
        var email = _repo.Config.Get<string>("user.email")?.Value ?? Environment.GetEnvironmentVariable("GIT_AUTHOR_EMAIL") ?? "git-ml@localhost";
        return (name, email);
    }

    public void Dispose() => _repo.Dispose();

    private static GitCommitInfo ToInfo(Commit c) => new(
        c.Sha, c.MessageShort, c.Author.Name, c.Author.Email, c.Author.When, c.Parents.Select(p => p.Sha).ToList());

    private Blob? LookupBlob(string commitSha, string path)
    {
        var commit = _repo.Lookup<Commit>(commitSha);
        return commit?[path]?.Target as Blob;
    }

    private static byte[] ReadAll(Blob blob)
    {
        using var s = blob.GetContentStream();
        using var ms = new MemoryStream((int)Math.Min(blob.Size, int.MaxValue));
        s.CopyTo(ms);
        return ms.ToArray();
    }

    private static void Walk(Tree tree, string prefix, Func<string, bool> predicate, List<GitTreeFile> result)
    {
        foreach (var entry in tree)
        {
            var path = prefix.Length == 0 ? entry.Name : prefix + "/" + entry.Name;
            if (entry.TargetType == TreeEntryTargetType.Tree)
            {
                Walk((Tree)entry.Target, path, predicate, result);
            }
            else if (entry.TargetType == TreeEntryTargetType.Blob && predicate(path))
            {
                result.Add(new GitTreeFile(path, entry.Target.Sha));
            }
        }
    }
}
