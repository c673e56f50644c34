using System.IO.Enumeration;
using GitMl.Core.Pointers;

namespace GitMl.Core.Data;

/// <summary>A workspace path as found on disk: its stat (null when absent) and, for a folder, every file under it.</summary>
internal sealed record PathScan(string RepoPath, string FullPath, FileStat? Stat, List<FileItem>? Files)
{
    /// <summary>This path as a single file item (it must exist and be a file).</summary>
    public FileItem AsFile() => new(string.Empty, FullPath, RepoPath, Stat!.Value);
}

/// <summary>One file of a scan: its path inside the tracked folder, on disk, its state-database key, and its stat.</summary>
internal readonly record struct FileItem(string RelInDir, string FullPath, string StateKey, FileStat Stat);

/// <summary>
/// Lists tracked paths with one stat per entry, following symlinks only to files inside the work tree, and refusing
/// what cannot be tracked (sockets, nested pointer files, links out of the repository).
/// </summary>
internal sealed class WorkspaceScanner
{
    private readonly GitMlRepository _repo;

    public WorkspaceScanner(GitMlRepository repo) => _repo = repo;

    public PathScan ScanPath(string repoPath, bool forbidPointers)
    {
        var full = _repo.FullPath(repoPath);
        var lst = FileStat.TryGet(full, followLinks: false);
        if (lst is null)
        {
            return new PathScan(repoPath, full, null, null);
        }

        var st = lst.Value;
        if (st.IsSymlink)
        {
            RequireLinkInside(full, repoPath);
            var target = FileStat.TryGet(full, followLinks: true);
            if (target is null)
            {
                return new PathScan(repoPath, full, null, null);
            }

            st = target.Value;
        }

        if (st.IsDirectory)
        {
            return new PathScan(repoPath, full, st, ScanDirectory(repoPath, full, forbidPointers));
        }

        if (!st.IsFile)
        {
            throw new GitMlException($"'{repoPath}' is neither a regular file nor a folder", "GitMl tracks files and folders only", ExitCode.InvalidInput);
        }

        return new PathScan(repoPath, full, st, null);
    }

    private List<FileItem> ScanDirectory(string repoPath, string full, bool forbidPointers)
    {
        // Level by level, the folders of one level in parallel: one statx per entry is the whole cost of a no-op
        // status, and two cores halve it whether the tree is wide or deep.
        var items = new List<FileItem>();
        var level = new List<(string Rel, string Dir)> { (string.Empty, full) };
        while (level.Count > 0)
        {
            var results = new (List<FileItem> Files, List<(string Rel, string Dir)> Subdirs)[level.Count];
            if (level.Count == 1)
            {
                results[0] = ScanOneFolder(repoPath, level[0].Rel, level[0].Dir, forbidPointers);
            }
            else
            {
                var current = level;
                DataRun.InParallel(current.Count, i => results[i] = ScanOneFolder(repoPath, current[i].Rel, current[i].Dir, forbidPointers));
            }

            level = [];
            foreach (var (files, subdirs) in results)
            {
                items.AddRange(files);
                level.AddRange(subdirs);
            }
        }

        return items;
    }

    private (List<FileItem> Files, List<(string Rel, string Dir)> Subdirs) ScanOneFolder(string repoPath, string relDir, string dir, bool forbidPointers)
    {
        var files = new List<FileItem>();
        var subdirs = new List<(string Rel, string Dir)>();
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = 0 };
        var names = new FileSystemEnumerable<string>(dir, (ref FileSystemEntry e) => e.FileName.ToString(), options);
        foreach (var name in names)
        {
            var rel = relDir.Length == 0 ? name : relDir + "/" + name;
            var path = Path.Combine(dir, name);
            var st = FileStat.TryGet(path, followLinks: false);
            if (st is null)
            {
                continue;
            }

            var s = st.Value;
            if (s.IsSymlink)
            {
                RequireLinkInside(path, repoPath + "/" + rel);
                var t = FileStat.TryGet(path, followLinks: true);
                if (t is null || t.Value.IsDirectory)
                {
                    throw new GitMlException(
                        $"'{repoPath}/{rel}' is a {(t is null ? "dangling symlink" : "symlink to a folder")}",
                        "GitMl follows symlinks to files inside the repository only; replace it by the real file or folder",
                        ExitCode.InvalidInput);
                }

                s = t.Value;
            }

            if (s.IsDirectory)
            {
                subdirs.Add((rel, path));
            }
            else if (s.IsFile)
            {
                if (forbidPointers && name.EndsWith(PointerFile.Extension, StringComparison.Ordinal))
                {
                    throw new GitMlException(
                        $"'{repoPath}' contains the pointer file '{repoPath}/{rel}': tracked data cannot nest",
                        $"run 'git ml remove {repoPath}/{rel[..^PointerFile.Extension.Length]}' first, then add the folder",
                        ExitCode.InvalidInput);
                }

                files.Add(new FileItem(rel, path, repoPath + "/" + rel, s));
            }
        }

        return (files, subdirs);
    }

    private void RequireLinkInside(string fullPath, string display)
    {
        var target = new FileInfo(fullPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
        if (target is null || !SafePath.IsUnder(_repo.WorkDir, target))
        {
            throw new GitMlException(
                $"'{display}' is a symlink that leads outside the repository",
                "only data inside the Git work tree can be tracked; copy it in instead",
                ExitCode.InvalidInput);
        }
    }
}
