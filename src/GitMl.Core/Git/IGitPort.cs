namespace GitMl.Core.Git;

/// <summary>A file in a commit's tree.</summary>
/// <param name="Path">'/'-separated path from the repository root.</param>
/// <param name="BlobId">Git blob id (hex), usable as a memoization key.</param>
public sealed record GitTreeFile(string Path, string BlobId);

/// <summary>A file of a commit's tree with its mode.</summary>
/// <param name="Path">'/'-separated path from the repository root.</param>
/// <param name="BlobId">Git blob id (hex).</param>
/// <param name="IsExecutable">True for mode 100755.</param>
/// <param name="IsSymlink">True for mode 120000 (the blob holds the link target).</param>
public sealed record GitTreeEntry(string Path, string BlobId, bool IsExecutable, bool IsSymlink);

/// <summary>A commit as GitMl needs it.</summary>
public sealed record GitCommitInfo(string Sha, string Subject, string AuthorName, string AuthorEmail, DateTimeOffset When, IReadOnlyList<string> Parents);

/// <summary>A tag (annotated or lightweight).</summary>
public sealed record GitTagInfo(string Name, string TargetSha, string? Message, string? TaggerName, string? TaggerEmail, DateTimeOffset? When, bool IsAnnotated);

/// <summary>
/// The small port through which GitMl talks to Git. The only implementation is an internal LibGit2Sharp adapter;
/// keeping the surface this narrow keeps Git details out of the domain code.
/// </summary>
public interface IGitPort : IDisposable
{
    /// <summary>The work tree root (full path, no trailing separator).</summary>
    string WorkDir { get; }

    /// <summary>Resolves a rev (sha, branch, tag, <c>HEAD~2</c>) to a commit sha; throws <see cref="ExitCode.NotFound"/> if unknown.</summary>
    string ResolveCommit(string rev);

    /// <summary>Like <see cref="ResolveCommit"/> but returns null for an unknown rev.</summary>
    string? TryResolveCommit(string rev);

    /// <summary>The commit HEAD points to, or null in a repository with no commits.</summary>
    string? HeadSha { get; }

    /// <summary>The current branch's short name, or null when detached/unborn.</summary>
    string? CurrentBranch { get; }

    /// <summary>Reads a file's bytes at a commit, or null when the path is absent there.</summary>
    byte[]? ReadFile(string commitSha, string path);

    /// <summary>Blob id of a path at a commit, or null.</summary>
    string? BlobId(string commitSha, string path);

    /// <summary>Reads a blob by id.</summary>
    byte[] ReadBlob(string blobId);

    /// <summary>Lists files of a commit's tree whose path matches <paramref name="predicate"/> (walks without checkout).</summary>
    IReadOnlyList<GitTreeFile> ListFiles(string commitSha, Func<string, bool> predicate);

    /// <summary>Every file (blob) of a commit's tree with its mode; submodules are left out.</summary>
    IReadOnlyList<GitTreeEntry> ListTree(string commitSha);

    /// <summary>True when the path (relative, '/') is in Git's index (tracked by Git itself).</summary>
    bool IsTrackedByGit(string relPath);

    /// <summary>Paths in Git's index equal to <paramref name="relPath"/> or below it as a folder (at most <paramref name="max"/>).</summary>
    IReadOnlyList<string> TrackedByGitUnder(string relPath, int max);

    /// <summary>Commit metadata.</summary>
    GitCommitInfo GetCommit(string sha);

    /// <summary>First-parent history from <paramref name="startSha"/>, newest first, at most <paramref name="max"/>.</summary>
    IReadOnlyList<GitCommitInfo> FirstParentLog(string startSha, int max);

    /// <summary>Tips of all local branches (name → sha).</summary>
    IReadOnlyDictionary<string, string> Branches();

    /// <summary>All tags, peeled to commits.</summary>
    IReadOnlyList<GitTagInfo> Tags();

    /// <summary>Every commit reachable from any ref.</summary>
    IReadOnlyList<string> AllCommits();

    /// <summary>Creates an annotated tag on a commit.</summary>
    void CreateAnnotatedTag(string name, string commitSha, string message, string taggerName, string taggerEmail, DateTimeOffset when);

    /// <summary>Deletes a tag.</summary>
    void DeleteTag(string name);

    /// <summary>The configured author identity (user.name/user.email), or a fallback.</summary>
    (string Name, string Email) Identity();
}
