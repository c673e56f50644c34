using GitMl.Core.Cache;
using GitMl.Core.Hashing;
using GitMl.Core.Pointers;

namespace GitMl.Core.Remotes;

/// <summary>What <see cref="FetchedCheckout.WriteMissingFiles"/> did.</summary>
/// <param name="Written">Files written from the cache.</param>
/// <param name="Unchanged">Files already holding the pointer's bytes.</param>
/// <param name="KeptModified">Workspace files that differ from the pointer and were left alone (user changes).</param>
/// <param name="NotInCache">Objects that could not be written because they are not in the cache.</param>
public sealed record FetchedCheckoutResult(int Written, int Unchanged, IReadOnlyList<string> KeptModified, int NotInCache);

/// <summary>
/// The checkout half of <c>pull</c> until the data path's checkout is wired in: copies verified cache objects to the
/// paths the pointers name, only where the workspace file is missing or already equals the pointer's oid, so user
/// changes are never overwritten.
/// </summary>
internal static class FetchedCheckout
{
    /// <summary>Writes every out's file(s) that are missing from the workspace.</summary>
    public static FetchedCheckoutResult WriteMissingFiles(GitMlRepository repo, IReadOnlyList<TrackedOut> outs, Action<long>? onBytes = null)
    {
        var written = 0;
        var unchanged = 0;
        var notInCache = 0;
        var kept = new List<string>();
        foreach (var o in outs)
        {
            var full = repo.FullPath(o.RepoPath);
            if (!o.Out.IsDirectory)
            {
                Place(repo.Cache, o.Out.Oid, full, o.RepoPath, false, ref written, ref unchanged, ref notInCache, kept, onBytes);
                continue;
            }

            if (!repo.Cache.Contains(o.Out.Oid))
            {
                notInCache++;
                continue;
            }

            foreach (var e in repo.Cache.ReadManifest(o.Out.Oid).Entries)
            {
                var path = SafePath.ResolveUnder(full, e.RelPath, $"manifest {o.Out.Oid}");
                SafePath.EnsureInside(repo.WorkDir, path, $"manifest {o.Out.Oid}");
                Place(repo.Cache, e.Oid, path, o.RepoPath + "/" + e.RelPath, e.IsExec, ref written, ref unchanged, ref notInCache, kept, onBytes);
            }
        }

        return new FetchedCheckoutResult(written, unchanged, kept, notInCache);
    }

    private static void Place(ObjectStore cache, string oid, string path, string display, bool isExec,
        ref int written, ref int unchanged, ref int notInCache, List<string> kept, Action<long>? onBytes)
    {
        if (File.Exists(path))
        {
            if (Blake3Hasher.HashFile(path) == Oid.Digest(oid))
            {
                unchanged++;
            }
            else
            {
                kept.Add(display);
            }

            return;
        }

        if (Directory.Exists(path))
        {
            kept.Add(display);
            return;
        }

        if (!cache.Contains(oid))
        {
            notInCache++;
            return;
        }

        cache.CopyVerifiedTo(oid, path, onBytes);
        if (!OperatingSystem.IsWindows())
        {
            var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            File.SetUnixFileMode(path, isExec ? mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : mode);
        }

        written++;
    }
}
