using GitMl.Core.Metrics;
using GitMl.Core.Pointers;
using GitMl.Core.Remotes;

namespace GitMl.Core.Data;

/// <summary>How a tracked path differs between two revisions.</summary>
public enum DataChangeKind
{
    /// <summary>Only the new revision has it.</summary>
    Added,

    /// <summary>Only the old revision has it.</summary>
    Deleted,

    /// <summary>Both have it, with different bytes.</summary>
    Modified,

    /// <summary>The old revision's bytes are at a new path (one deleted and one added path with the same oid).</summary>
    Renamed,
}

/// <summary>
/// One changed path. A tracked folder itself appears with a trailing <c>/</c> (its oid is its manifest's); the files in
/// it appear one by one. <see cref="OldPath"/> is set for <see cref="DataChangeKind.Renamed"/> only.
/// </summary>
public sealed record DataChange(DataChangeKind Kind, string Path, string? OldPath, string? OldOid, string? NewOid)
{
    /// <summary>True for the entry of a tracked folder as a whole (its path ends with <c>/</c>).</summary>
    public bool IsFolder => Path.EndsWith('/');
}

/// <summary>What <see cref="DataDiffService.Diff"/> found: changes sorted by kind then path, and the folders it could not look into.</summary>
public sealed record DataDiffResult(RevisionRef? Old, RevisionRef New, IReadOnlyList<DataChange> Changes, IReadOnlyList<string> NotInCache)
{
    /// <summary>Changed files (not folder entries) of one kind.</summary>
    public int FileCount(DataChangeKind kind) => Changes.Count(c => c.Kind == kind && !c.IsFolder);
}

/// <summary>
/// <c>git ml diff</c>: the tracked files added, deleted, modified or renamed between two revisions, like <c>dvc diff</c>.
/// A commit's side comes from its pointer files and <c>gitml.lock</c> (read through Git, no checkout) and, for tracked
/// folders, their manifests in the cache; the workspace's side is the data as it is on disk now, hashed through the
/// state database (unchanged files are not read). Nothing is written and no remote is contacted: a commit's folder
/// whose manifest is not cached is compared as a whole and listed in <see cref="DataDiffResult.NotInCache"/>.
/// </summary>
public sealed class DataDiffService
{
    private readonly GitMlRepository _repo;
    private readonly DataService _data;
    private readonly Dictionary<string, IReadOnlyList<TrackedOut>> _commitOuts = new(StringComparer.Ordinal);

    /// <summary>Creates the service; <paramref name="data"/> hashes the workspace side.</summary>
    public DataDiffService(GitMlRepository repo, DataService data)
    {
        _repo = repo;
        _data = data;
    }

    /// <summary>
    /// Compares <paramref name="old"/> (null: nothing, as before a repository's first commit) with <paramref name="new"/>,
    /// limited to <paramref name="targets"/> (repository-relative paths of tracked data or of files inside tracked
    /// folders) when given. A target that names no tracked path on either side is an <see cref="ExitCode.NotFound"/> error.
    /// </summary>
    public DataDiffResult Diff(RevisionRef? old, RevisionRef @new, IReadOnlyList<string>? targets = null)
    {
        var notInCache = new SortedSet<string>(StringComparer.Ordinal);
        var a = old is null ? new Dictionary<string, string>(StringComparer.Ordinal) : Listing(old, notInCache);
        var b = Listing(@new, notInCache);
        if (targets is { Count: > 0 })
        {
            foreach (var t in targets)
            {
                if (!a.Keys.Concat(b.Keys).Any(k => Matches(k, t)))
                {
                    throw new GitMlException(
                        $"'{t}' is not tracked by GitMl in {old?.Label ?? "(no commits)"} or {@new.Label}",
                        "name tracked data, or a file inside a tracked folder; 'git ml status' lists what is tracked",
                        ExitCode.NotFound);
                }
            }
        }

        // A folder whose manifest one side cannot read is compared as a whole: its files, known on one side only,
        // would otherwise all look added or deleted.
        bool Compared(string key) =>
            !notInCache.Any(folder => key != folder && key.StartsWith(folder, StringComparison.Ordinal))
            && (targets is not { Count: > 0 } || targets.Any(t => Matches(key, t)));
        a = a.Where(e => Compared(e.Key)).ToDictionary(StringComparer.Ordinal);
        b = b.Where(e => Compared(e.Key)).ToDictionary(StringComparer.Ordinal);

        var added = new List<DataChange>();
        var deleted = new List<DataChange>();
        var changes = new List<DataChange>();
        foreach (var (path, oid) in b)
        {
            if (!a.TryGetValue(path, out var was))
            {
                added.Add(new DataChange(DataChangeKind.Added, path, null, null, oid));
            }
            else if (was != oid)
            {
                changes.Add(new DataChange(DataChangeKind.Modified, path, null, was, oid));
            }
        }

        foreach (var (path, oid) in a)
        {
            if (!b.ContainsKey(path))
            {
                deleted.Add(new DataChange(DataChangeKind.Deleted, path, null, oid, null));
            }
        }

        // A rename is a deleted file whose exact bytes were added elsewhere; pair them in path order so the result is
        // stable. Folder entries are not paired: their files are.
        var goneByOid = deleted.Where(d => !d.IsFolder).OrderBy(d => d.Path, StringComparer.Ordinal)
            .GroupBy(d => d.OldOid!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new Queue<DataChange>(g), StringComparer.Ordinal);
        var paired = new HashSet<DataChange>(ReferenceEqualityComparer.Instance);
        foreach (var add in added.Where(x => !x.IsFolder).OrderBy(x => x.Path, StringComparer.Ordinal))
        {
            if (goneByOid.TryGetValue(add.NewOid!, out var queue) && queue.Count > 0)
            {
                var gone = queue.Dequeue();
                paired.Add(add);
                paired.Add(gone);
                changes.Add(new DataChange(DataChangeKind.Renamed, add.Path, gone.Path, gone.OldOid, add.NewOid));
            }
        }

        // Set lookups, not List.Remove: moving 20,000 files into a subfolder pairs 20,000 renames.
        changes.AddRange(added.Where(x => !paired.Contains(x)));
        changes.AddRange(deleted.Where(x => !paired.Contains(x)));
        changes.Sort((x, y) => x.Kind != y.Kind ? x.Kind.CompareTo(y.Kind) : string.CompareOrdinal(x.Path, y.Path));
        return new DataDiffResult(old, @new, changes, notInCache.ToList());
    }

    /// <summary>
    /// Downloads, verified by oid, the manifests of tracked folders that <paramref name="revs"/> name and the cache lacks
    /// (manifests only, not the files they list), so <see cref="Diff"/> can compare those folders file by file. Returns
    /// how many were fetched; a manifest the remote lacks too is left out (the diff then notes it).
    /// </summary>
    public async Task<int> FetchMissingManifestsAsync(IEnumerable<RevisionRef?> revs, IRemoteStorage remote, CancellationToken ct)
    {
        var missing = revs.OfType<RevisionRef>().Where(r => !r.IsWorkspace)
            .SelectMany(OutsAt)
            .Where(o => o.Out.IsDirectory && !_repo.Cache.Contains(o.Out.Oid))
            .Select(o => o.Out.Oid).Distinct(StringComparer.Ordinal).ToList();
        var fetched = 0;
        foreach (var oid in missing)
        {
            try
            {
                await remote.DownloadAsync(oid, (stream, token) => _repo.Cache.PutStreamAsync(stream, oid, "remote " + remote.Description, ct: token), ct);
                fetched++;
            }
            catch (GitMlException ex) when (ex.ExitCode == ExitCode.NotFound)
            {
                // Not pushed: the folder is compared as a whole, and the diff says so.
            }
        }

        return fetched;
    }

    /// <summary>
    /// The tracked outs at <paramref name="rev"/>. A commit's are read from Git once per service: a diff with
    /// <c>--fetch</c> needs them to find missing manifests and again to list the files.
    /// </summary>
    private IReadOnlyList<TrackedOut> OutsAt(RevisionRef rev)
    {
        if (rev.IsWorkspace)
        {
            return PointerDiscovery.WorkspaceOuts(_repo.WorkDir);
        }

        if (!_commitOuts.TryGetValue(rev.Sha!, out var outs))
        {
            _commitOuts[rev.Sha!] = outs = PointerDiscovery.CommitOuts(_repo.Git, rev.Sha!);
        }

        return outs;
    }

    private static bool Matches(string key, string target)
    {
        var path = key.TrimEnd('/');
        return path == target || path.StartsWith(target + "/", StringComparison.Ordinal);
    }

    /// <summary>Every tracked path at <paramref name="rev"/> with its oid: file outs, folder entries (<c>dir/</c>) and their files.</summary>
    private Dictionary<string, string> Listing(RevisionRef rev, ISet<string> notInCache)
    {
        var outs = OutsAt(rev);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var o in outs)
        {
            if (!o.Out.IsDirectory)
            {
                var oid = rev.IsWorkspace ? _data.ComputeOid(o.RepoPath) : o.Out.Oid;
                if (oid is not null)
                {
                    files[o.RepoPath] = oid;
                }

                continue;
            }

            DirectoryManifest? manifest;
            string? folderOid;
            if (rev.IsWorkspace)
            {
                manifest = _data.ComputeManifest(o.RepoPath);
                folderOid = manifest?.ComputeOid();
            }
            else
            {
                folderOid = o.Out.Oid;
                manifest = _repo.Cache.Contains(folderOid) ? _repo.Cache.ReadManifest(folderOid) : null;
                if (manifest is null)
                {
                    notInCache.Add(o.RepoPath + "/");
                }
            }

            if (folderOid is null)
            {
                continue;
            }

            files[o.RepoPath + "/"] = folderOid;
            foreach (var e in manifest?.Entries ?? [])
            {
                files[o.RepoPath + "/" + e.RelPath] = e.Oid;
            }
        }

        return files;
    }
}
