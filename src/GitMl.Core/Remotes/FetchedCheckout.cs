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
    /// <summary>Writes every out's file(s) that are missing from the workspace, several files at a time.</summary>
    public static FetchedCheckoutResult WriteMissingFiles(GitMlRepository repo, IReadOnlyList<TrackedOut> outs, Action<long>? onBytes = null)
    {
        var notInCache = 0;
        var work = new List<(string Oid, string Path, string Display, bool IsExec)>();
        foreach (var o in outs)
        {
            var full = repo.FullPath(o.RepoPath);
            if (!o.Out.IsDirectory)
            {
                work.Add((o.Out.Oid, full, o.RepoPath, false));
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
                work.Add((e.Oid, path, o.RepoPath + "/" + e.RelPath, e.IsExec));
            }
        }

        var written = 0;
        var unchanged = 0;
        var kept = new List<string>();

        // Copying is latency-bound on small files: a few lanes keep the disk busy.
        Parallel.ForEach(work, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount * 2) }, w =>
        {
            switch (Place(repo.Cache, w.Oid, w.Path, w.IsExec, onBytes))
            {
                case Outcome.Written:
                    Interlocked.Increment(ref written);
                    break;
                case Outcome.Unchanged:
                    Interlocked.Increment(ref unchanged);
                    break;
                case Outcome.NotInCache:
                    Interlocked.Increment(ref notInCache);
                    break;
                default:
                    lock (kept)
                    {
                        kept.Add(w.Display);
                    }

                    break;
            }
        });

        kept.Sort(StringComparer.Ordinal);
        return new FetchedCheckoutResult(written, unchanged, kept, notInCache);
    }

    private static Outcome Place(ObjectStore cache, string oid, string path, bool isExec, Action<long>? onBytes)
    {
        if (File.Exists(path))
        {
            return Blake3Hasher.HashFile(path) == Oid.Digest(oid) ? Outcome.Unchanged : Outcome.Kept;
        }

        if (Directory.Exists(path))
        {
            return Outcome.Kept;
        }

        if (!cache.Contains(oid))
        {
            return Outcome.NotInCache;
        }

        cache.CopyVerifiedTo(oid, path, onBytes);
        if (!OperatingSystem.IsWindows())
        {
            var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            File.SetUnixFileMode(path, isExec ? mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : mode);
        }

        return Outcome.Written;
    }

    private enum Outcome
    {
        Written,
        Unchanged,
        Kept,
        NotInCache,
    }
}
