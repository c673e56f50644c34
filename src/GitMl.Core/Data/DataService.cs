using GitMl.Core.Hashing;
using GitMl.Core.Pointers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GitMl.Core.Data;

/// <summary>
/// The local data path: hashing workspace files and folders into the cache, pointer files, status, checkout and
/// removal. One instance serves one command; dispose it to save the state database.
/// </summary>
/// <remarks>
/// <para>Building blocks for other features (pipelines, remotes) are <see cref="Track"/> (cache a path, get its
/// <see cref="PointerOut"/> without writing a pointer file), <see cref="ComputeOid"/> and <see cref="GetStatus"/>
/// (compare a path with a recorded out, reading only files whose stat changed), and <see cref="Materialize"/>
/// (put a recorded out into the workspace, verified and safely).</para>
/// <para>The work is done by <see cref="WorkspaceScanner"/> (what is on disk), <see cref="WorkspaceHasher"/> (oids and
/// cache writes), <see cref="CheckoutPlanner"/> and <see cref="CheckoutExecutor"/> (decide, then change the workspace),
/// which share one <see cref="DataRun"/>; this class validates input, writes pointer files and composes them.</para>
/// <para>The service does not take the repository lock: writing commands take it first (<c>ctx.Lock</c>).
/// All paths are repository-relative with '/' separators.</para>
/// </remarks>
public sealed class DataService : IDisposable
{
    private readonly GitMlRepository _repo;
    private readonly DataRun _run;
    private readonly WorkspaceScanner _scanner;
    private readonly WorkspaceHasher _hasher;
    private readonly CheckoutPlanner _planner;
    private readonly CheckoutExecutor _executor;

    /// <summary>Creates the service for <paramref name="repo"/>; <paramref name="progress"/> receives hashing and checkout progress.</summary>
    public DataService(GitMlRepository repo, IProgress<WorkProgress>? progress = null, ILogger<DataService>? logger = null)
    {
        _repo = repo;
        _run = new DataRun(repo, progress, logger ?? (ILogger)NullLogger.Instance);
        _scanner = new WorkspaceScanner(repo);
        _hasher = new WorkspaceHasher(_run);
        _planner = new CheckoutPlanner(_run, _scanner, _hasher);
        _executor = new CheckoutExecutor(_run);
    }

    /// <summary>The state database (loaded on first use).</summary>
    public StateDb State => _run.State;

    /// <summary>The linker for this run, configured from <c>cache.type</c>.</summary>
    public WorkspaceLinker Linker => _run.Linker;

    // ---------------------------------------------------------------- building blocks

    /// <summary>
    /// Hashes <paramref name="repoPath"/> (a file or a folder), stores its bytes in the cache (unchanged files, known
    /// from the state database, are neither read nor copied) and returns its out. The returned
    /// <see cref="PointerOut.Path"/> is <paramref name="repoPath"/> itself (repository-relative); no pointer file or
    /// <c>.gitignore</c> is written. Objects are on disk (synced) when this returns.
    /// </summary>
    public PointerOut Track(string repoPath)
    {
        var scan = _scanner.ScanPath(repoPath, forbidPointers: true);
        if (scan.Stat is null)
        {
            throw PathMissing(repoPath);
        }

        var result = TrackScanned(scan);
        _hasher.SyncCache();
        return result;
    }

    /// <summary>
    /// The current oid of <paramref name="repoPath"/> (a directory's is its manifest oid with <c>.dir</c>), or null when it
    /// does not exist. Files whose stat matches the state database are not read; nothing is written to the cache.
    /// </summary>
    public string? ComputeOid(string repoPath)
    {
        var scan = _scanner.ScanPath(repoPath, forbidPointers: false);
        if (scan.Stat is null)
        {
            return null;
        }

        return scan.Files is null ? _hasher.ComputeOid(scan.AsFile(), store: false, "hashing") : CurrentManifest(scan.Files).ComputeOid();
    }

    /// <summary>
    /// The manifest the folder at <paramref name="repoPath"/> has now, or null when it does not exist or is not a
    /// folder. Files whose stat matches the state database are not read; nothing is written to the cache.
    /// </summary>
    public DirectoryManifest? ComputeManifest(string repoPath)
    {
        var scan = _scanner.ScanPath(repoPath, forbidPointers: false);
        return scan.Files is null ? null : CurrentManifest(scan.Files);
    }

    private DirectoryManifest CurrentManifest(List<FileItem> files) =>
        WorkspaceHasher.BuildManifest(files, _hasher.ComputeOids(files, store: false, "hashing"));

    /// <summary>Compares the workspace at <paramref name="tracked"/>'s path with what it records.</summary>
    public OutStatus GetStatus(TrackedOut tracked)
    {
        var o = tracked.Out;
        var scan = _scanner.ScanPath(tracked.RepoPath, forbidPointers: false);
        var inCache = _repo.Cache.Contains(o.Oid);
        if (scan.Stat is null)
        {
            return new OutStatus(tracked, OutState.Deleted, inCache, null, []);
        }

        if (!o.IsDirectory)
        {
            if (scan.Files is not null)
            {
                return new OutStatus(tracked, OutState.Modified, inCache, null, []);
            }

            var oid = _hasher.ComputeOid(scan.AsFile(), store: false, "hashing");
            var same = oid == o.Oid && scan.Stat.Value.IsExecutable == o.IsExec;
            return new OutStatus(tracked, same ? OutState.Unchanged : OutState.Modified, inCache, oid, []);
        }

        if (scan.Files is null)
        {
            return new OutStatus(tracked, OutState.Modified, inCache, null, []);
        }

        var (fingerprint, newest) = WorkspaceHasher.Fingerprint(scan.Files);
        if (State.LookupTree(tracked.RepoPath, fingerprint) == o.Oid)
        {
            // Not one file's path or stat changed since this listing matched the recorded manifest.
            return new OutStatus(tracked, OutState.Unchanged, inCache, o.Oid, []);
        }

        var oids = _hasher.ComputeOids(scan.Files, store: false, "hashing");
        if (!inCache)
        {
            // Without the manifest only the whole directory can be compared.
            var current = WorkspaceHasher.BuildManifest(scan.Files, oids).ComputeOid();
            return new OutStatus(tracked, current == o.Oid ? OutState.Unchanged : OutState.Modified, false, current, []);
        }

        var manifest = _repo.Cache.ReadManifest(o.Oid);
        var changes = WorkspaceHasher.DiffManifest(manifest, scan.Files, oids);
        if (changes.Count == 0)
        {
            State.RecordTree(tracked.RepoPath, fingerprint, o.Oid, newest);
        }

        return new OutStatus(tracked, changes.Count == 0 ? OutState.Unchanged : OutState.Modified, true, null, changes);
    }

    /// <summary>
    /// Makes the workspace at <paramref name="repoPath"/> hold <paramref name="recorded"/>'s bytes from the cache. Refuses
    /// (<see cref="ExitCode.Conflict"/>, naming the files) to overwrite or delete workspace files whose content is not
    /// in the cache unless <paramref name="force"/>. Every object is verified before its bytes reach the workspace.
    /// </summary>
    public CheckoutResult Materialize(PointerOut recorded, string repoPath, bool force)
    {
        var plan = new CheckoutPlan();
        _planner.PlanOut(repoPath, recorded, force, relink: false, plan);
        CheckoutPlanner.ThrowOnConflicts(plan);
        return _executor.Execute(plan, 1);
    }

    // ---------------------------------------------------------------- commands

    /// <summary>
    /// <c>git ml add</c>: validates every path first (inside the repository, exists, not tracked by Git, not inside a
    /// tracked folder), caches them, then writes <c>&lt;path&gt;.gitml</c> pointer files and <c>.gitignore</c> entries.
    /// </summary>
    public IReadOnlyList<AddedOut> Add(IReadOnlyList<string> repoPaths)
    {
        var paths = repoPaths.Distinct(StringComparer.Ordinal).ToList();
        var scans = new List<PathScan>();
        foreach (var p in paths)
        {
            ValidateAddPath(p, paths);
            var scan = _scanner.ScanPath(p, forbidPointers: true);
            if (scan.Stat is null)
            {
                throw PathMissing(p);
            }

            scans.Add(scan);
        }

        var tracked = scans.Select(TrackScanned).ToList();
        _hasher.SyncCache();

        var results = new List<AddedOut>();
        for (var i = 0; i < paths.Count; i++)
        {
            results.Add(WritePointer(paths[i], tracked[i]));
        }

        if (Linker.WantsLinks)
        {
            // With links configured, replace the just-added workspace files by links so the bytes exist once; where no
            // link type works the file is simply kept (never copied over itself).
            var plan = new CheckoutPlan();
            for (var i = 0; i < paths.Count; i++)
            {
                _planner.PlanOut(paths[i], tracked[i], force: true, relink: true, plan);
            }

            _executor.Execute(plan, paths.Count);
        }

        return results;
    }

    /// <summary><c>git ml status</c>: every pointer-file and <c>gitml.lock</c> out (or those under <paramref name="targets"/>).</summary>
    public IReadOnlyList<OutStatus> Status(IReadOnlyList<string>? targets = null)
    {
        var outs = Filter(PointerDiscovery.WorkspaceOuts(_repo.WorkDir), targets);
        return outs.Select(GetStatus).ToList();
    }

    /// <summary>
    /// <c>git ml commit</c>: re-caches pointer-file outs whose workspace data changed and rewrites their pointers.
    /// Stage outs in <c>gitml.lock</c> are left to the pipeline commands.
    /// </summary>
    public IReadOnlyList<AddedOut> Commit(IReadOnlyList<string>? targets = null)
    {
        var outs = Filter(PointerDiscovery.WorkspaceOuts(_repo.WorkDir).Where(o => o.Source != PointerDiscovery.LockFileName).ToList(), targets);
        var changed = new List<string>();
        foreach (var o in outs)
        {
            var s = GetStatus(o);
            if (s.State == OutState.Deleted)
            {
                throw new GitMlException(
                    $"cannot commit '{o.RepoPath}': it is missing from the workspace",
                    $"restore it with 'git ml checkout {o.RepoPath}', or stop tracking it with 'git ml remove {o.RepoPath}'",
                    ExitCode.NotFound);
            }

            if (s.State == OutState.Modified)
            {
                changed.Add(o.RepoPath);
            }
        }

        return changed.Count == 0 ? [] : Add(changed);
    }

    /// <summary>
    /// <c>git ml checkout</c>: makes the workspace data match the pointer files and <c>gitml.lock</c> of
    /// <paramref name="commitSha"/> (or of the workspace when null). Plans everything, refuses conflicts and missing
    /// objects before changing anything, then writes verified files via temp names and renames.
    /// </summary>
    public CheckoutResult Checkout(string? commitSha, IReadOnlyList<string>? targets, bool force)
    {
        var all = commitSha is null ? PointerDiscovery.WorkspaceOuts(_repo.WorkDir) : PointerDiscovery.CommitOuts(_repo.Git, commitSha);
        var outs = Filter(all, targets);
        var plan = new CheckoutPlan();
        foreach (var o in outs)
        {
            _planner.PlanOut(o.RepoPath, o.Out, force, relink: false, plan);
        }

        CheckoutPlanner.ThrowOnConflicts(plan);
        return _executor.Execute(plan, outs.Count);
    }

    /// <summary>
    /// <c>git ml remove</c>: stops tracking (deletes pointer files and their <c>.gitignore</c> entries). With
    /// <paramref name="deleteData"/> the workspace data goes too, but only when its current content is in the cache.
    /// Cache objects stay (<c>gc</c> removes them).
    /// </summary>
    public IReadOnlyList<RemovedOut> Remove(IReadOnlyList<string> targets, bool deleteData)
    {
        var found = new List<(string Pointer, List<TrackedOut> Outs)>();
        foreach (var t in targets.Distinct(StringComparer.Ordinal))
        {
            var pointerRel = t.EndsWith(PointerFile.Extension, StringComparison.Ordinal) ? t : t + PointerFile.Extension;
            var pointerFull = _repo.FullPath(pointerRel);
            if (!File.Exists(pointerFull))
            {
                throw new GitMlException(
                    $"'{t}' is not tracked by GitMl (no {pointerRel})",
                    "'git ml status' lists tracked data; stage outs are removed by editing gitml.yaml",
                    ExitCode.NotFound);
            }

            found.Add((pointerRel, PointerDiscovery.FromPointer(pointerRel, File.ReadAllText(pointerFull)).ToList()));
        }

        if (deleteData)
        {
            var unsafeFiles = new List<string>();
            foreach (var (_, outs) in found)
            {
                foreach (var o in outs)
                {
                    unsafeFiles.AddRange(UncachedFiles(o.RepoPath));
                }
            }

            if (unsafeFiles.Count > 0)
            {
                throw new GitMlException(
                    $"removing the data would lose changes that are not in the cache: {DataRun.Names(unsafeFiles)}",
                    "run 'git ml add <path>' first to keep them, or remove without --outs and delete the files yourself",
                    ExitCode.Conflict);
            }
        }

        var result = new List<RemovedOut>();
        foreach (var (pointer, outs) in found)
        {
            File.Delete(_repo.FullPath(pointer));
            foreach (var o in outs)
            {
                var full = _repo.FullPath(o.RepoPath);
                GitIgnoreFile.Remove(Path.GetDirectoryName(full)!, Path.GetFileName(full));
                if (deleteData)
                {
                    CheckoutExecutor.DeletePath(full);
                }

                State.ForgetUnder(o.RepoPath);
                result.Add(new RemovedOut(o.RepoPath, pointer, deleteData));
            }
        }

        return result;
    }

    /// <summary>Saves the state database.</summary>
    public void Dispose() => _run.SaveState();

    // ---------------------------------------------------------------- tracking and add helpers

    private PointerOut TrackScanned(PathScan scan)
    {
        var st = scan.Stat!.Value;
        if (scan.Files is null)
        {
            var oid = _hasher.ComputeOid(scan.AsFile(), store: true, "hashing");
            return new PointerOut { Path = scan.RepoPath, Oid = oid, Size = st.Size, IsExec = st.IsExecutable };
        }

        var oids = _hasher.ComputeOids(scan.Files, store: true, "hashing");
        var manifest = WorkspaceHasher.BuildManifest(scan.Files, oids);
        var bytes = manifest.ToBytes();
        var manifestOid = Blake3Hasher.HashMetadata(bytes) + Oid.DirSuffix;
        if (!_repo.Cache.Contains(manifestOid))
        {
            _repo.Cache.PutBytes(bytes, Oid.DirSuffix);
        }

        var (fingerprint, newest) = WorkspaceHasher.Fingerprint(scan.Files);
        State.RecordTree(scan.RepoPath, fingerprint, manifestOid, newest);

        return new PointerOut { Path = scan.RepoPath, Oid = manifestOid, Size = manifest.TotalSize, NFiles = manifest.Entries.Count };
    }

    private void ValidateAddPath(string repoPath, IReadOnlyList<string> all)
    {
        if (repoPath.EndsWith(PointerFile.Extension, StringComparison.Ordinal))
        {
            throw new GitMlException(
                $"'{repoPath}' is a GitMl pointer file",
                $"add the data it describes instead: 'git ml add {repoPath[..^PointerFile.Extension.Length]}'",
                ExitCode.InvalidInput);
        }

        foreach (var other in all)
        {
            if (other != repoPath && repoPath.StartsWith(other + "/", StringComparison.Ordinal))
            {
                throw new GitMlException($"'{repoPath}' is inside '{other}', which is added too", $"add '{other}' alone", ExitCode.InvalidInput);
            }
        }

        var segments = repoPath.Split('/');
        for (var n = 1; n < segments.Length; n++)
        {
            var ancestor = string.Join('/', segments[..n]);
            if (File.Exists(_repo.FullPath(ancestor + PointerFile.Extension)))
            {
                throw new GitMlException(
                    $"'{repoPath}' is inside the tracked folder '{ancestor}'",
                    $"change the file, then run 'git ml add {ancestor}' (or 'git ml commit') to update the whole folder",
                    ExitCode.InvalidInput);
            }
        }

        var inGit = _repo.Git.TrackedByGitUnder(repoPath, 3);
        if (inGit.Count > 0)
        {
            var which = inGit[0] == repoPath ? $"'{repoPath}' is" : $"'{repoPath}' holds files that are ({string.Join(", ", inGit)}…)";
            throw new GitMlException(
                $"{which} already tracked by Git",
                $"stop tracking it in Git first: git rm -r --cached '{repoPath}' && git commit -m \"stop tracking {repoPath}\"",
                ExitCode.InvalidInput);
        }
    }

    private AddedOut WritePointer(string repoPath, PointerOut tracked)
    {
        var pointerRel = repoPath + PointerFile.Extension;
        var pointerFull = _repo.FullPath(pointerRel);
        var name = repoPath.Contains('/') ? repoPath[(repoPath.LastIndexOf('/') + 1)..] : repoPath;
        PointerFile? old = null;
        if (File.Exists(pointerFull))
        {
            try
            {
                old = PointerFile.Parse(File.ReadAllText(pointerFull), pointerRel);
            }
            catch (GitMlException)
            {
                // A broken pointer is replaced by a good one; that is what re-adding is for.
                old = null;
            }
        }

        var oldOut = old?.Outs.FirstOrDefault(o => o.Path == name);
        var newOut = tracked with { Path = name, Extra = oldOut?.Extra ?? [] };

        // A hand-written pointer may list more outs; only this one is replaced.
        var outs = old?.Outs.Select(o => o.Path == name ? newOut : o).ToList() ?? [];
        if (oldOut is null)
        {
            outs.Add(newOut);
        }

        var text = new PointerFile(outs, old?.Extra).ToYaml();
        if (!File.Exists(pointerFull) || File.ReadAllText(pointerFull) != text)
        {
            AtomicFile.WriteAllText(pointerFull, text);
        }

        GitIgnoreFile.Add(Path.GetDirectoryName(pointerFull)!, name);
        return new AddedOut(repoPath, pointerRel, newOut, oldOut?.Oid != newOut.Oid);
    }

    private static GitMlException PathMissing(string repoPath) => new(
        $"path '{repoPath}' does not exist",
        "check the spelling; 'git ml add' takes existing files and folders (shell globs are expanded by your shell)",
        ExitCode.NotFound);

    private IEnumerable<string> UncachedFiles(string repoPath)
    {
        var scan = _scanner.ScanPath(repoPath, forbidPointers: false);
        if (scan.Stat is null)
        {
            return [];
        }

        var items = scan.Files ?? [scan.AsFile()];
        var oids = _hasher.ComputeOids(items, store: false, "checking");
        return items.Where((_, i) => !_repo.Cache.Contains(oids[i])).Select(f => f.StateKey).ToList();
    }

    private static List<TrackedOut> Filter(IReadOnlyList<TrackedOut> outs, IReadOnlyList<string>? targets)
    {
        if (targets is null || targets.Count == 0)
        {
            return outs.ToList();
        }

        var result = new List<TrackedOut>();
        foreach (var t in targets)
        {
            var matched = outs.Where(o => o.RepoPath == t || o.Source == t || o.RepoPath.StartsWith(t + "/", StringComparison.Ordinal)).ToList();
            if (matched.Count == 0)
            {
                throw new GitMlException(
                    $"'{t}' is not tracked by GitMl",
                    "name tracked data or its .gitml pointer file; 'git ml status' lists them",
                    ExitCode.NotFound);
            }

            result.AddRange(matched.Where(m => !result.Contains(m)));
        }

        return result;
    }
}
