using GitMl.Core.Pointers;

namespace GitMl.Core.Data;

/// <summary>How a tracked out compares with the workspace.</summary>
public enum OutState
{
    /// <summary>The workspace holds exactly the recorded bytes.</summary>
    Unchanged,

    /// <summary>The workspace differs from the recorded oid.</summary>
    Modified,

    /// <summary>The recorded path is missing from the workspace.</summary>
    Deleted,
}

/// <summary>How one file inside a tracked directory changed.</summary>
public enum FileChangeKind
{
    /// <summary>In the workspace, not in the manifest.</summary>
    Added,

    /// <summary>Content or executable bit differs.</summary>
    Modified,

    /// <summary>In the manifest, not in the workspace.</summary>
    Deleted,
}

/// <summary>One changed file inside a tracked directory.</summary>
/// <param name="RelPath">'/' path relative to the tracked directory.</param>
/// <param name="Kind">What changed.</param>
public sealed record FileChange(string RelPath, FileChangeKind Kind);

/// <summary>The status of one tracked out.</summary>
/// <param name="Out">Where it is recorded and what it records.</param>
/// <param name="State">How the workspace compares.</param>
/// <param name="InCache">True when the recorded object (and for directories every file in it) is in the cache.</param>
/// <param name="CurrentOid">The workspace's oid now (null when deleted, or when a directory's files were compared one by one).</param>
/// <param name="Changes">For a directory whose manifest is cached: the changed files, sorted.</param>
public sealed record OutStatus(TrackedOut Out, OutState State, bool InCache, string? CurrentOid, IReadOnlyList<FileChange> Changes);

/// <summary>What <see cref="DataService.Add"/> did for one path.</summary>
/// <param name="RepoPath">Repository-relative path of the data.</param>
/// <param name="PointerPath">Repository-relative path of its pointer file.</param>
/// <param name="Out">The out written to the pointer file (path relative to the pointer's folder).</param>
/// <param name="Changed">False when the pointer already recorded the same oid.</param>
public sealed record AddedOut(string RepoPath, string PointerPath, PointerOut Out, bool Changed);

/// <summary>What a checkout did.</summary>
/// <param name="Outs">Outs considered.</param>
/// <param name="FilesWritten">Workspace files created or replaced from the cache.</param>
/// <param name="FilesDeleted">Workspace files removed because the target does not have them.</param>
/// <param name="FilesUnchanged">Files already right.</param>
/// <param name="ChangedPaths">Repository-relative paths of outs that changed.</param>
/// <param name="LinkTypes">Count of files per link type used.</param>
public sealed record CheckoutResult(int Outs, int FilesWritten, int FilesDeleted, int FilesUnchanged, IReadOnlyList<string> ChangedPaths, IReadOnlyDictionary<LinkType, int> LinkTypes);

/// <summary>What <see cref="DataService.Remove"/> did for one target.</summary>
/// <param name="RepoPath">The data path that is no longer tracked.</param>
/// <param name="PointerPath">The pointer file that was deleted.</param>
/// <param name="DataDeleted">True when the workspace data was deleted too (<c>--outs</c>).</param>
public sealed record RemovedOut(string RepoPath, string PointerPath, bool DataDeleted);
