namespace GitMl.Core.Data;

/// <summary>
/// Carries out a <see cref="CheckoutPlan"/>: every object must be cached; each file is made (verified copy or link)
/// under a temp name first, and only when all are ready are deletions done and the files renamed into place.
/// </summary>
internal sealed class CheckoutExecutor
{
    private readonly DataRun _run;

    public CheckoutExecutor(DataRun run) => _run = run;

    /// <summary>Runs <paramref name="plan"/>; <paramref name="outCount"/> is reported back as the number of outs checked.</summary>
    public CheckoutResult Execute(CheckoutPlan plan, int outCount)
    {
        foreach (var w in plan.Writes)
        {
            if (!_run.Repo.Cache.Contains(w.Oid))
            {
                throw ObjectMissing(w);
            }
        }

        var linkCounts = new Dictionary<LinkType, int>();
        var written = 0;
        if (plan.Writes.Count > 0)
        {
            var tmpDir = Path.Combine(_run.Repo.TmpDir, "checkout-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(tmpDir);
            try
            {
                var types = PrepareWrites(plan.Writes, tmpDir);
                foreach (var (full, key) in plan.Deletes)
                {
                    DeletePath(full);
                    _run.State.ForgetUnder(key);
                }

                for (var i = 0; i < plan.Writes.Count; i++)
                {
                    var w = plan.Writes[i];
                    if (types[i] is not { } type)
                    {
                        // A relink with no link type available: the workspace file already has the right bytes.
                        continue;
                    }

                    written++;
                    Directory.CreateDirectory(Path.GetDirectoryName(w.Full)!);
                    if (Directory.Exists(w.Full) && new DirectoryInfo(w.Full).LinkTarget is null)
                    {
                        Directory.Delete(w.Full, recursive: true);
                    }

                    File.Move(Path.Combine(tmpDir, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), w.Full, overwrite: true);
                    if (FileStat.TryGet(w.Full) is { } st)
                    {
                        _run.State.Record(w.Key, st, w.Oid);
                    }

                    linkCounts[type] = linkCounts.GetValueOrDefault(type) + 1;
                }
            }
            finally
            {
                DeleteTree(tmpDir);
            }
        }
        else
        {
            foreach (var (full, key) in plan.Deletes)
            {
                DeletePath(full);
                _run.State.ForgetUnder(key);
            }
        }

        foreach (var folder in plan.Folders)
        {
            SafePath.EnsureInside(_run.Repo.WorkDir, folder, "checkout target");
            Directory.CreateDirectory(folder);
        }

        var changed = plan.ChangedOuts.Order(StringComparer.Ordinal).ToList();
        return new CheckoutResult(outCount, written, plan.Deletes.Count, plan.Unchanged, changed, linkCounts);
    }

    private static GitMlException ObjectMissing(WriteOp w) => new(
        $"object {w.Oid} for '{w.Key}' is not in the cache",
        "run 'git ml pull' (or 'git ml fetch') to download it from the remote; nothing was changed",
        ExitCode.NotFound);

    private LinkType?[] PrepareWrites(List<WriteOp> writes, string tmpDir)
    {
        var types = new LinkType?[writes.Count];
        long bytesTotal = writes.Sum(w => w.Size);
        long bytesDone = 0;
        long filesDone = 0;
        var progress = _run.Progress;
        Action<long>? onBytes = progress is null ? null : n =>
        {
            var done = Interlocked.Add(ref bytesDone, n);
            progress.Report(new WorkProgress("checkout", Interlocked.Read(ref filesDone), writes.Count, done, bytesTotal));
        };
        DataRun.InParallel(writes.Count, i =>
        {
            var w = writes[i];
            types[i] = _run.Linker.Create(w.Oid, Path.Combine(tmpDir, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), w.IsExec, onBytes, allowCopy: !w.Relink);
            var files = Interlocked.Increment(ref filesDone);
            if (progress is not null)
            {
                var bytes = types[i] is LinkType.Copy ? Interlocked.Read(ref bytesDone) : Interlocked.Add(ref bytesDone, w.Size);
                progress.Report(new WorkProgress("checkout", files, writes.Count, bytes, bytesTotal));
            }
        });
        return types;
    }

    public static void DeletePath(string full)
    {
        var st = FileStat.TryGet(full, followLinks: false);
        if (st is null)
        {
            return;
        }

        if (st.Value.IsDirectory)
        {
            DeleteTree(full);
        }
        else
        {
            File.Delete(full);
        }
    }

    private static void DeleteTree(string dir)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
