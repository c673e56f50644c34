using System.Text.RegularExpressions;
using GitMl.Core.Pointers;

namespace GitMl.Core;

/// <summary>
/// Removes the temp files a killed <c>git ml</c> process leaves behind, so an interrupted command's next run ends in a
/// clean tree. Runs while the repository lock is held: every writer of pointer files, <c>gitml.lock</c>,
/// <c>.gitignore</c> and config holds that lock, so their temp files cannot belong to a live process. Cache temp files
/// may also be written by lock-free readers (<c>get</c>, <c>serve</c> fetching an object), so those are removed only
/// once nothing has written to them for <see cref="CacheTempMaxAge"/>. The work tree is walked only when the lock shows
/// that its previous holder was killed, so a normal command pays for one listing of <c>.gitml/tmp</c>, not a tree walk.
/// </summary>
public static partial class TempSweeper
{
    /// <summary>Age after which a cache temp file or checkout staging folder is certainly abandoned.</summary>
    public static readonly TimeSpan CacheTempMaxAge = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Sweeps the repository; returns how many temp files or folders were removed. Never throws.
    /// <paramref name="includeWorkspace"/>: also remove lock holders' temp files in the work tree (after a killed run).
    /// </summary>
    public static int Sweep(GitMlRepository repo, bool includeWorkspace)
    {
        var removed = 0;
        try
        {
            var folders = new HashSet<string>(StringComparer.Ordinal);
            if (includeWorkspace)
            {
                folders.Add(repo.WorkDir);
                folders.Add(repo.GitMlDir);
                if (Directory.Exists(repo.TmpDir))
                {
                    folders.Add(repo.TmpDir);
                }

                foreach (var pointer in PointerDiscovery.FindWorkspacePointers(repo.WorkDir))
                {
                    folders.Add(Path.GetDirectoryName(Path.Combine(repo.WorkDir, pointer))!);
                }
            }

            foreach (var folder in folders)
            {
                foreach (var file in Directory.EnumerateFiles(folder, ".*tmp"))
                {
                    if (AtomicTempName().IsMatch(Path.GetFileName(file)) && TryDelete(file))
                    {
                        removed++;
                    }
                }
            }

            if (Directory.Exists(repo.TmpDir))
            {
                var cutoff = DateTime.UtcNow - CacheTempMaxAge;
                foreach (var file in Directory.EnumerateFiles(repo.TmpDir, "obj-*.tmp"))
                {
                    if (File.GetLastWriteTimeUtc(file) < cutoff && TryDelete(file))
                    {
                        removed++;
                    }
                }

                foreach (var dir in Directory.EnumerateDirectories(repo.TmpDir, "checkout-*"))
                {
                    if (Directory.GetLastWriteTimeUtc(dir) < cutoff)
                    {
                        try
                        {
                            Directory.Delete(dir, recursive: true);
                            removed++;
                        }
                        catch (IOException)
                        {
                        }
                        catch (UnauthorizedAccessException)
                        {
                        }
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or GitMlException)
        {
            // Sweeping is housekeeping: a folder that cannot be read must not fail the command that asked for the lock.
        }

        return removed;
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    // AtomicFile and ObjectStore.CopyVerifiedTo name temp files ".<name>.<12 hex>.tmp" / ".gitml-tmp".
    [GeneratedRegex(@"^\..+\.[0-9a-f]{12}\.(tmp|gitml-tmp)$")]
    private static partial Regex AtomicTempName();
}
