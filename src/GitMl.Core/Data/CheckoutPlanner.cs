using GitMl.Core.Pointers;

namespace GitMl.Core.Data;

/// <summary>
/// Decides what a checkout of recorded outs must change in the workspace, comparing by oid (files whose stat the state
/// database knows are not read) and noting every overwrite of content the cache does not hold.
/// </summary>
internal sealed class CheckoutPlanner
{
    private readonly DataRun _run;
    private readonly WorkspaceScanner _scanner;
    private readonly WorkspaceHasher _hasher;

    public CheckoutPlanner(DataRun run, WorkspaceScanner scanner, WorkspaceHasher hasher)
    {
        _run = run;
        _scanner = scanner;
        _hasher = hasher;
    }

    /// <summary>Adds what making <paramref name="repoPath"/> hold <paramref name="o"/> takes; <paramref name="relink"/> rewrites equal files as links.</summary>
    public void PlanOut(string repoPath, PointerOut o, bool force, bool relink, CheckoutPlan plan)
    {
        var scan = _scanner.ScanPath(repoPath, forbidPointers: false);
        if (!o.IsDirectory)
        {
            if (scan.Stat is not null && scan.Files is not null)
            {
                PlanDeleteFolder(scan, force, plan);
            }
            else if (scan.Stat is not null)
            {
                var cur = _hasher.ComputeOid(scan.AsFile(), store: false, "checking");
                var same = cur == o.Oid && scan.Stat.Value.IsExecutable == o.IsExec;
                if (same && !relink)
                {
                    plan.Unchanged++;
                    return;
                }

                CheckOverwrite(repoPath, cur, o.Oid, force, plan);
                AddWrite(plan, new WriteOp(repoPath, repoPath, scan.FullPath, o.Oid, o.Size, o.IsExec, same));
                return;
            }

            AddWrite(plan, new WriteOp(repoPath, repoPath, scan.FullPath, o.Oid, o.Size, o.IsExec));
            return;
        }

        var manifest = _run.Repo.Cache.ReadManifest(o.Oid);
        if (scan.Files is null)
        {
            // An empty tracked folder has no file to write; it must still exist afterwards.
            plan.Folders.Add(scan.FullPath);
        }

        var current = new Dictionary<string, (FileItem Item, string Oid)>(StringComparer.Ordinal);
        if (scan.Stat is not null && scan.Files is null)
        {
            var cur = _hasher.ComputeOid(scan.AsFile(), store: false, "checking");
            CheckOverwrite(repoPath, cur, null, force, plan);
            plan.Deletes.Add((scan.FullPath, repoPath));
        }
        else if (scan.Files is not null)
        {
            var oids = _hasher.ComputeOids(scan.Files, store: false, "checking");
            for (var i = 0; i < scan.Files.Count; i++)
            {
                current[scan.Files[i].RelInDir] = (scan.Files[i], oids[i]);
            }
        }

        foreach (var e in manifest.Entries)
        {
            var key = repoPath + "/" + e.RelPath;
            var full = Path.Combine(scan.FullPath, e.RelPath.Replace('/', Path.DirectorySeparatorChar));
            if (current.Remove(e.RelPath, out var cur))
            {
                var same = cur.Oid == e.Oid && cur.Item.Stat.IsExecutable == e.IsExec;
                if (same && !relink)
                {
                    plan.Unchanged++;
                    continue;
                }

                CheckOverwrite(key, cur.Oid, e.Oid, force, plan);
                if (same)
                {
                    AddWrite(plan, new WriteOp(repoPath, key, full, e.Oid, e.Size, e.IsExec, Relink: true));
                    continue;
                }
            }

            AddWrite(plan, new WriteOp(repoPath, key, full, e.Oid, e.Size, e.IsExec));
        }

        foreach (var (_, (item, oid)) in current)
        {
            CheckOverwrite(item.StateKey, oid, null, force, plan);
            plan.Deletes.Add((item.FullPath, item.StateKey));
            plan.ChangedOuts.Add(repoPath);
        }
    }

    private void PlanDeleteFolder(PathScan scan, bool force, CheckoutPlan plan)
    {
        var oids = _hasher.ComputeOids(scan.Files!, store: false, "checking");
        for (var i = 0; i < oids.Length; i++)
        {
            CheckOverwrite(scan.Files![i].StateKey, oids[i], null, force, plan);
        }

        plan.Deletes.Add((scan.FullPath, scan.RepoPath));
    }

    private void CheckOverwrite(string key, string currentOid, string? targetOid, bool force, CheckoutPlan plan)
    {
        if (!force && currentOid != targetOid && !_run.Repo.Cache.Contains(currentOid))
        {
            plan.Conflicts.Add(key);
        }
    }

    private void AddWrite(CheckoutPlan plan, WriteOp op)
    {
        // A symlinked folder inside the work tree could lead a write outside it: check each parent folder once.
        var parent = Path.GetDirectoryName(op.Full)!;
        if (plan.CheckedParents.Add(parent))
        {
            SafePath.EnsureInside(_run.Repo.WorkDir, op.Full, "checkout target");
        }

        plan.Writes.Add(op);
        plan.ChangedOuts.Add(op.OutPath);
    }

    public static void ThrowOnConflicts(CheckoutPlan plan)
    {
        if (plan.Conflicts.Count > 0)
        {
            throw new GitMlException(
                $"checkout would overwrite workspace changes that are not in the cache: {DataRun.Names(plan.Conflicts)}",
                "keep them with 'git ml add <path>' (or 'git ml commit') first, or discard them with --force",
                ExitCode.Conflict);
        }
    }
}
