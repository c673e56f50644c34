using GitMl.Core.Data;
using GitMl.Core.Pointers;

namespace GitMl.Core.Pipelines;

/// <summary>What <c>repro</c> did (or, in a dry run, would do) with one stage.</summary>
public enum StageAction
{
    /// <summary>Cmd, deps, params and outs equal the lock: nothing to do.</summary>
    UpToDate,

    /// <summary>The command ran and its outs were cached.</summary>
    Ran,

    /// <summary>The outs came from the run cache; the command did not run.</summary>
    Restored,

    /// <summary>Dry run: the command would run.</summary>
    WouldRun,

    /// <summary>Dry run: the outs would come from the run cache.</summary>
    WouldRestore,
}

/// <summary>The outcome for one stage.</summary>
/// <param name="Stage">Stage name.</param>
/// <param name="Action">What happened.</param>
/// <param name="Reasons">Why it ran (e.g. <c>param train.lr 0.1 → 0.05</c>); empty when up to date.</param>
/// <param name="Outs">The outs recorded in the lock after this stage (empty in a dry run).</param>
public sealed record StageOutcome(string Stage, StageAction Action, IReadOnlyList<string> Reasons, IReadOnlyList<LockedOut> Outs);

/// <summary>Options of <c>repro</c>.</summary>
/// <param name="Targets">Stages to reproduce (with their upstream), or empty for all.</param>
/// <param name="Force">Run even when nothing changed, and do not use the run cache.</param>
/// <param name="DryRun">Only say what would run and why.</param>
/// <param name="Downstream">Run the targets and every stage after them instead of their upstream.</param>
/// <param name="UseRunCache">False to always run commands (<c>--no-run-cache</c>).</param>
public sealed record ReproOptions(IReadOnlyList<string>? Targets = null, bool Force = false, bool DryRun = false, bool Downstream = false, bool UseRunCache = true);

/// <summary>
/// <c>git ml repro</c>: runs the pipeline's stages in DAG order, skips stages whose cmd, dep oids, param values and
/// outs equal their <c>gitml.lock</c> entry, restores outs from the run cache when the same inputs ran before, caches
/// outs through <see cref="DataService.Track"/>, and rewrites <c>gitml.lock</c> atomically after each successful stage.
/// The caller takes the repository lock.
/// </summary>
public sealed class ReproService
{
    private readonly GitMlRepository _repo;
    private readonly DataService _data;
    private readonly TextWriter _log;
    private readonly TextWriter _cmdOut;
    private readonly TextWriter _cmdErr;
    private readonly RunCache _runCache;

    /// <summary>Creates the service. <paramref name="log"/> receives one line per stage; commands write to <paramref name="cmdOut"/>/<paramref name="cmdErr"/>.</summary>
    public ReproService(GitMlRepository repo, DataService data, TextWriter log, TextWriter cmdOut, TextWriter cmdErr)
    {
        _repo = repo;
        _data = data;
        _log = log;
        _cmdOut = cmdOut;
        _cmdErr = cmdErr;
        _runCache = new RunCache(repo.Cache);
    }

    /// <summary>Runs (or explains) the selected stages; throws <see cref="ExitCode.StageFailed"/> when a command fails.</summary>
    public IReadOnlyList<StageOutcome> Run(ReproOptions options)
    {
        var pipeline = PipelineFile.Load(_repo.WorkDir);
        var graph = PipelineGraph.Build(pipeline, _repo.WorkDir);
        var order = graph.Order(options.Targets, options.Downstream);
        var stageNames = pipeline.Stages.Select(s => s.Name).ToList();
        var lockFile = LockFile.Load(_repo.WorkDir);
        var paramValues = new ParamValues(_repo.WorkDir);
        var results = new List<StageOutcome>();
        var willRun = new HashSet<string>(StringComparer.Ordinal);

        foreach (var stage in order)
        {
            lockFile.Stages.TryGetValue(stage.Name, out var locked);
            if (options.DryRun)
            {
                results.Add(Explain(stage, graph, locked, paramValues, options, willRun));
                continue;
            }

            var deps = CurrentDeps(stage, graph, missingOk: false)!;
            var prms = paramValues.For(stage);
            var reasons = options.Force ? ["forced"] : Compare(stage, locked, deps, prms);
            if (reasons.Count == 0)
            {
                _log.WriteLine($"Stage '{stage.Name}' is up to date.");
                results.Add(new StageOutcome(stage.Name, StageAction.UpToDate, [], locked!.Outs));
                continue;
            }

            var key = RunCache.Key(stage.Definition.Cmd, deps, prms, stage.Outs);
            var cached = !options.Force && options.UseRunCache ? UsableRun(key, stage) : null;
            IReadOnlyList<LockedOut> outs;
            StageAction action;
            if (cached is not null)
            {
                KeepCurrentOuts(stage, delete: false);
                RestoreOuts(cached);
                outs = cached;
                action = StageAction.Restored;
                _log.WriteLine($"Restored stage '{stage.Name}' from the run cache ({string.Join(", ", reasons)}); its command did not run.");
            }
            else
            {
                _log.WriteLine($"Running stage '{stage.Name}' ({string.Join(", ", reasons)}):");
                _log.WriteLine("> " + stage.Definition.Cmd);
                _log.Flush();
                outs = Execute(stage);
                if (options.UseRunCache)
                {
                    _runCache.Put(key, stage.Definition.Cmd, outs);
                }

                action = StageAction.Ran;
            }

            foreach (var o in outs.Where(o => o.Cache))
            {
                var full = _repo.FullPath(o.Out.Path);
                GitIgnoreFile.Add(Path.GetDirectoryName(full)!, Path.GetFileName(full));
            }

            var entry = new LockEntry { Cmd = stage.Definition.Cmd, Deps = deps, Params = prms, Outs = outs };
            lockFile = lockFile.With(stage.Name, entry, stageNames);
            lockFile.Save(_repo.WorkDir);
            results.Add(new StageOutcome(stage.Name, action, reasons, outs));
        }

        return results;
    }

    /// <summary>Why a stage must run compared with its lock entry; empty when it is up to date.</summary>
    private List<string> Compare(ResolvedStage stage, LockEntry? locked, IReadOnlyList<PointerOut> deps, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> prms)
    {
        var reasons = new List<string>();
        if (locked is null)
        {
            reasons.Add("new stage, not in gitml.lock");
            return reasons;
        }

        if (locked.Cmd != stage.Definition.Cmd)
        {
            reasons.Add("cmd changed");
        }

        reasons.AddRange(CompareDeps(deps, locked));
        reasons.AddRange(CompareParams(prms, locked));
        reasons.AddRange(CompareOuts(stage, locked));
        return reasons;
    }

    private static IEnumerable<string> CompareDeps(IReadOnlyList<PointerOut> deps, LockEntry locked)
    {
        var old = locked.Deps.ToDictionary(d => d.Path, d => d.Oid, StringComparer.Ordinal);
        foreach (var d in deps)
        {
            if (!old.Remove(d.Path, out var oid))
            {
                yield return $"dep {d.Path} added";
            }
            else if (oid != d.Oid)
            {
                yield return $"dep {d.Path} changed";
            }
        }

        foreach (var path in old.Keys)
        {
            yield return $"dep {path} removed";
        }
    }

    private static IEnumerable<string> CompareParams(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> prms, LockEntry locked)
    {
        var old = locked.Params.SelectMany(f => f.Value.Select(kv => (Key: Label(f.Key, kv.Key), kv.Value)))
            .ToDictionary(x => x.Key, x => x.Value, StringComparer.Ordinal);
        foreach (var (file, values) in prms)
        {
            foreach (var (k, v) in values)
            {
                var label = Label(file, k);
                if (!old.Remove(label, out var before))
                {
                    yield return $"param {label} added ({v})";
                }
                else if (before != v)
                {
                    yield return $"param {label} {before} → {v}";
                }
            }
        }

        foreach (var label in old.Keys)
        {
            yield return $"param {label} removed";
        }
    }

    private static string Label(string file, string key) => file == PipelineFile.DefaultParamsFile ? key : $"{file}:{key}";

    private IEnumerable<string> CompareOuts(ResolvedStage stage, LockEntry locked)
    {
        var old = locked.Outs.ToDictionary(o => o.Out.Path, StringComparer.Ordinal);
        foreach (var o in stage.Outs)
        {
            if (!old.Remove(o.Path, out var lo))
            {
                yield return $"out {o.Path} added";
                continue;
            }

            var current = _data.ComputeOid(o.Path);
            if (current is null)
            {
                yield return $"out {o.Path} missing";
            }
            else if (current != lo.Out.Oid)
            {
                yield return $"out {o.Path} changed";
            }
        }

        foreach (var path in old.Keys)
        {
            yield return $"out {path} removed";
        }
    }

    private StageOutcome Explain(ResolvedStage stage, PipelineGraph graph, LockEntry? locked, ParamValues paramValues, ReproOptions options, HashSet<string> willRun)
    {
        var upstreamRunning = graph.Upstream(stage.Name).Where(willRun.Contains).ToList();
        var deps = CurrentDeps(stage, graph, missingOk: upstreamRunning.Count > 0);
        var prms = paramValues.For(stage);
        var reasons = new List<string>();
        if (options.Force)
        {
            reasons.Add("forced");
        }

        reasons.AddRange(upstreamRunning.Select(u => $"upstream stage '{u}' will run"));
        if (deps is not null && !options.Force)
        {
            reasons.AddRange(Compare(stage, locked, deps, prms));
        }
        else if (locked is null && !options.Force)
        {
            reasons.Add("new stage, not in gitml.lock");
        }

        if (reasons.Count == 0)
        {
            _log.WriteLine($"Stage '{stage.Name}' is up to date.");
            return new StageOutcome(stage.Name, StageAction.UpToDate, [], []);
        }

        willRun.Add(stage.Name);
        var restorable = deps is not null && upstreamRunning.Count == 0 && !options.Force && options.UseRunCache
            && UsableRun(RunCache.Key(stage.Definition.Cmd, deps, prms, stage.Outs), stage) is not null;
        var action = restorable ? StageAction.WouldRestore : StageAction.WouldRun;
        _log.WriteLine(restorable
            ? $"Would restore stage '{stage.Name}' from the run cache: {string.Join(", ", reasons)}"
            : $"Would run stage '{stage.Name}': {string.Join(", ", reasons)}");
        return new StageOutcome(stage.Name, action, reasons, []);
    }

    /// <summary>Deps with their current oids; a missing dep is an error (or null with <paramref name="missingOk"/>).</summary>
    private List<PointerOut>? CurrentDeps(ResolvedStage stage, PipelineGraph graph, bool missingOk)
    {
        var result = new List<PointerOut>();
        foreach (var dep in stage.Deps)
        {
            var oid = _data.ComputeOid(dep);
            if (oid is null)
            {
                if (missingOk)
                {
                    return null;
                }

                var producer = graph.Stages.FirstOrDefault(s => s.Outs.Any(o => PipelineGraph.Overlaps(o.Path, dep)));
                throw new GitMlException(
                    $"dep '{dep}' of stage '{stage.Name}' does not exist",
                    producer is not null
                        ? $"it is produced by stage '{producer.Name}': run 'git ml repro {stage.Name}' without --downstream, or 'git ml checkout' to restore it"
                        : $"create it, restore it with 'git ml checkout' / 'git ml pull', or fix the deps of '{stage.Name}' in gitml.yaml",
                    ExitCode.NotFound);
            }

            var (size, nfiles) = SizeOf(_repo.FullPath(dep));
            result.Add(new PointerOut { Path = dep, Oid = oid, Size = size, NFiles = Hashing.Oid.IsDir(oid) ? nfiles : null });
        }

        return result;
    }

    /// <summary>A run-cache entry for <paramref name="key"/> whose outs match the stage and whose objects are all cached.</summary>
    private IReadOnlyList<LockedOut>? UsableRun(string key, ResolvedStage stage)
    {
        var cached = _runCache.TryGet(key);
        if (cached is null || !_runCache.ObjectsPresent(cached))
        {
            return null;
        }

        var want = stage.Outs.Select(o => o.Path).Order(StringComparer.Ordinal);
        var have = cached.Select(o => o.Out.Path).Order(StringComparer.Ordinal);
        return want.SequenceEqual(have) ? cached : null;
    }

    /// <summary>Caches the outs now in the workspace (so a re-run or restore loses nothing), and deletes them when asked.</summary>
    private void KeepCurrentOuts(ResolvedStage stage, bool delete)
    {
        foreach (var o in stage.Outs)
        {
            var full = _repo.FullPath(o.Path);
            if (Data.FileStat.TryGet(full, followLinks: false) is null)
            {
                continue;
            }

            _data.Track(o.Path);
            if (delete)
            {
                DeletePath(full);
                _data.State.ForgetUnder(o.Path);
            }
        }
    }

    private void RestoreOuts(IReadOnlyList<LockedOut> outs)
    {
        foreach (var o in outs)
        {
            if (o.Cache)
            {
                _data.Materialize(o.Out, o.Out.Path, force: true);
                continue;
            }

            // Outs kept in Git are written as plain files (never links into the cache, which Git would commit as such).
            var full = _repo.FullPath(o.Out.Path);
            DeletePath(full);
            if (o.Out.IsDirectory)
            {
                foreach (var e in _repo.Cache.ReadManifest(o.Out.Oid).Entries)
                {
                    _repo.Cache.CopyVerifiedTo(e.Oid, SafePath.ResolveUnder(full, e.RelPath, "run cache manifest"));
                }
            }
            else
            {
                _repo.Cache.CopyVerifiedTo(o.Out.Oid, full);
            }

            _data.State.ForgetUnder(o.Out.Path);
        }
    }

    private List<LockedOut> Execute(ResolvedStage stage)
    {
        KeepCurrentOuts(stage, delete: true);
        foreach (var o in stage.Outs)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_repo.FullPath(o.Path))!);
        }

        var wdir = stage.Wdir.Length == 0 ? _repo.WorkDir : _repo.FullPath(stage.Wdir);
        if (!Directory.Exists(wdir))
        {
            throw new GitMlException($"wdir '{stage.Wdir}' of stage '{stage.Name}' does not exist", "create it or fix the stage's wdir", ExitCode.NotFound);
        }

        var result = StageRunner.Run(stage.Definition.Cmd, wdir, _cmdOut, _cmdErr);
        if (result.ExitCode != 0)
        {
            var tail = result.StderrTail.Count == 0 ? string.Empty : "; last stderr lines: " + string.Join(" | ", result.StderrTail);
            throw new GitMlException(
                $"stage '{stage.Name}' failed with exit code {result.ExitCode}{tail}",
                "fix the command and run 'git ml repro' again; gitml.lock was not changed and the previous outs are in the cache ('git ml checkout' restores them)",
                ExitCode.StageFailed);
        }

        var outs = new List<LockedOut>();
        foreach (var o in stage.Outs)
        {
            if (Data.FileStat.TryGet(_repo.FullPath(o.Path), followLinks: false) is null)
            {
                throw new GitMlException(
                    $"stage '{stage.Name}' succeeded but did not create its out '{o.Path}'",
                    "make the command write it (paths are relative to the repository root or the stage's wdir), or remove it from the stage's outs; gitml.lock was not changed",
                    ExitCode.StageFailed);
            }

            outs.Add(new LockedOut(_data.Track(o.Path), o.Cache));
        }

        return outs;
    }

    internal static (long Size, int Files) SizeOf(string full)
    {
        if (File.Exists(full))
        {
            return (new FileInfo(full).Length, 1);
        }

        long size = 0;
        var files = 0;
        foreach (var f in new DirectoryInfo(full).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            size += f.Length;
            files++;
        }

        return (size, files);
    }

    private static void DeletePath(string full)
    {
        var st = Data.FileStat.TryGet(full, followLinks: false);
        if (st is null)
        {
            return;
        }

        if (st.Value.IsDirectory)
        {
            Directory.Delete(full, recursive: true);
        }
        else
        {
            File.Delete(full);
        }
    }
}
