using GitMl.Core.Data;
using GitMl.Core.Pointers;
using GitMl.Core.Remotes;

namespace GitMl.Core.Pipelines;

/// <summary>What <c>restore --rev</c> wrote.</summary>
/// <param name="Commit">The commit restored.</param>
/// <param name="Directory">The destination (full path).</param>
/// <param name="GitFiles">Files written from the commit's Git tree.</param>
/// <param name="DataFiles">Files written from the cache (pointer-file data and stage outs).</param>
/// <param name="DataBytes">Bytes of those files.</param>
/// <param name="Fetched">Objects downloaded from the remote because the cache lacked them.</param>
/// <param name="Outs">The tracked outs written (repository-relative).</param>
public sealed record RestoreResult(string Commit, string Directory, int GitFiles, int DataFiles, long DataBytes, int Fetched, IReadOnlyList<string> Outs);

/// <summary>
/// <c>git ml restore --rev REV --to DIR</c>: writes a commit's whole Git tree plus every tracked data path and stage
/// out (from the cache, verified; missing objects fetched from the remote) into DIR. The workspace, index and HEAD
/// are not touched. Everything is written into a sibling temp folder first and moved into DIR at the end, so an
/// interrupted restore leaves DIR as it was.
/// </summary>
public sealed class RestoreService
{
    private readonly GitMlRepository _repo;
    private readonly IProgress<WorkProgress>? _progress;

    /// <summary>Creates the service.</summary>
    public RestoreService(GitMlRepository repo, IProgress<WorkProgress>? progress = null)
    {
        _repo = repo;
        _progress = progress;
    }

    /// <summary>Restores <paramref name="rev"/> into <paramref name="destination"/> (a full path).</summary>
    /// <param name="rev">Any rev Git resolves.</param>
    /// <param name="destination">Target folder; must be missing or empty unless <paramref name="force"/>.</param>
    /// <param name="targets">Repository-relative paths to limit the restore to (files, folders, tracked outs); empty for all.</param>
    /// <param name="force">Write into a non-empty folder, replacing what the restore brings.</param>
    /// <param name="remote">Remote to fetch missing objects from (null: the default remote, if any).</param>
    public RestoreResult Restore(string rev, string destination, IReadOnlyList<string> targets, bool force, string? remote = null)
    {
        var sha = _repo.Git.ResolveCommit(rev);
        destination = Path.TrimEndingDirectorySeparator(Path.GetFullPath(destination));
        CheckDestination(destination, force);

        var tree = _repo.Git.ListTree(sha).Where(e => Matches(e.Path, targets)).ToList();
        var outs = PointerDiscovery.CommitOuts(_repo.Git, sha)
            .Where(o => Matches(o.RepoPath, targets) || targets.Any(t => t.StartsWith(o.RepoPath + "/", StringComparison.Ordinal)))
            .ToList();
        if (targets.Count > 0)
        {
            foreach (var t in targets.Where(t => !tree.Any(e => Matches(e.Path, [t])) && !outs.Any(o => PipelineGraph.Overlaps(o.RepoPath, t))))
            {
                throw new GitMlException($"'{t}' is neither in Git nor tracked by GitMl at {rev}", "list the commit's files with 'git ls-tree -r --name-only " + rev + "'", ExitCode.NotFound);
            }
        }

        var fetched = EnsureObjects(outs, remote);

        var parent = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, "." + Path.GetFileName(destination) + ".gitml-restore-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(staging);
        try
        {
            foreach (var e in tree)
            {
                var full = SafePath.ResolveUnder(staging, SafePath.RequireSafeRelative(e.Path, $"the tree of {sha[..12]}"), "restore");
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                var bytes = _repo.Git.ReadBlob(e.BlobId);
                if (e.IsSymlink)
                {
                    File.CreateSymbolicLink(full, System.Text.Encoding.UTF8.GetString(bytes));
                    continue;
                }

                File.WriteAllBytes(full, bytes);
                if (e.IsExecutable && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(full, File.GetUnixFileMode(full) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
                }
            }

            var (files, bytesWritten) = WriteOuts(outs, staging);
            MoveInto(staging, destination);
            return new RestoreResult(sha, destination, tree.Count, files, bytesWritten, fetched, outs.Select(o => o.RepoPath).Distinct().ToList());
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>Writes tracked outs from the cache under <paramref name="root"/>, each object verified. Returns files and bytes.</summary>
    internal (int Files, long Bytes) WriteOuts(IReadOnlyList<TrackedOut> outs, string root)
    {
        var files = 0;
        long bytes = 0;
        long total = outs.Sum(o => o.Out.Size);
        foreach (var o in outs)
        {
            var full = SafePath.ResolveUnder(root, o.RepoPath, o.Source);
            if (!o.Out.IsDirectory)
            {
                Copy(o.Out.Oid, full, o.Out.IsExec);
                files++;
                bytes += o.Out.Size;
                _progress?.Report(new WorkProgress("restore", files, 0, bytes, total));
                continue;
            }

            if (Directory.Exists(full))
            {
                Directory.Delete(full, recursive: true);
            }

            Directory.CreateDirectory(full);
            foreach (var e in _repo.Cache.ReadManifest(o.Out.Oid).Entries)
            {
                Copy(e.Oid, SafePath.ResolveUnder(full, e.RelPath, $"manifest of {o.RepoPath}"), e.IsExec);
                files++;
                bytes += e.Size;
                _progress?.Report(new WorkProgress("restore", files, 0, bytes, total));
            }
        }

        return (files, bytes);
    }

    private void Copy(string oid, string full, bool isExec)
    {
        _repo.Cache.CopyVerifiedTo(oid, full);
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        if (isExec)
        {
            mode |= UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        }

        File.SetUnixFileMode(full, mode);
    }

    /// <summary>Makes sure every object the outs need is cached, fetching from a remote; returns how many were fetched.</summary>
    internal int EnsureObjects(IReadOnlyList<TrackedOut> outs, string? remote)
    {
        var missing = outs.Where(o => !AllCached(o.Out)).ToList();
        if (missing.Count == 0)
        {
            return 0;
        }

        if (remote is null && _repo.Config.DefaultRemote is null)
        {
            throw new GitMlException(
                $"{missing.Count} tracked path(s) of that commit are not in the cache (first: {missing[0].RepoPath}) and no remote is configured",
                "add the remote that has them ('git ml remote add -d NAME URL'), or run the restore in a clone whose cache has them",
                ExitCode.NotFound);
        }

        var settings = new RemoteConfigService(_repo).Resolve(remote);
        using var storage = RemoteStorageFactory.Create(settings);
        var jobs = settings.Jobs ?? TransferService.DefaultJobs;
        var result = new TransferService(_repo.Cache).FetchAsync(missing, storage, jobs, _progress, CancellationToken.None).GetAwaiter().GetResult();
        result.ThrowIfIncomplete();
        return result.Transferred;
    }

    private bool AllCached(PointerOut o)
    {
        if (!_repo.Cache.Contains(o.Oid))
        {
            return false;
        }

        return !o.IsDirectory || _repo.Cache.ReadManifest(o.Oid).Entries.All(e => _repo.Cache.Contains(e.Oid));
    }

    private void CheckDestination(string destination, bool force)
    {
        var work = _repo.WorkDir;
        if (SafePath.IsUnder(destination, work))
        {
            throw new GitMlException(
                $"cannot restore into '{destination}': it holds the workspace",
                "restore into a new folder outside the work tree, e.g. --to ../run-" + "old",
                ExitCode.InvalidInput);
        }

        foreach (var special in new[] { ".git", GitMlRepository.DirName })
        {
            if (SafePath.IsUnder(Path.Combine(work, special), destination))
            {
                throw new GitMlException($"cannot restore into '{destination}': it is inside {special}/", "pick a folder outside .git and .gitml", ExitCode.InvalidInput);
            }
        }

        if (File.Exists(destination))
        {
            throw new GitMlException($"'{destination}' is a file", "give a folder path to --to", ExitCode.InvalidInput);
        }

        if (Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any() && !force)
        {
            throw new GitMlException(
                $"'{destination}' is not empty",
                "restore into a new or empty folder, or pass --force to overwrite the files the restore brings",
                ExitCode.Conflict);
        }
    }

    private static bool Matches(string path, IReadOnlyList<string> targets) =>
        targets.Count == 0 || targets.Any(t => path == t || path.StartsWith(t + "/", StringComparison.Ordinal));

    private static void MoveInto(string staging, string destination)
    {
        if (!Directory.Exists(destination))
        {
            Directory.Move(staging, destination);
            return;
        }

        foreach (var entry in new DirectoryInfo(staging).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(destination, entry.Name);
            var st = FileStat.TryGet(target, followLinks: false);
            if (st is { IsDirectory: true } && entry is DirectoryInfo)
            {
                MoveInto(entry.FullName, target);
                continue;
            }

            if (st is { IsDirectory: true })
            {
                Directory.Delete(target, recursive: true);
            }
            else if (st is not null)
            {
                File.Delete(target);
            }

            if (entry is DirectoryInfo d && d.LinkTarget is null)
            {
                Directory.Move(entry.FullName, target);
            }
            else
            {
                File.Move(entry.FullName, target);
            }
        }
    }
}
