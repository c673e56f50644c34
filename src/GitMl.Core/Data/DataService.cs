using System.IO.Enumeration;
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
/// <para>The service does not take the repository lock: writing commands take it first (<c>ctx.Lock</c>).
/// All paths are repository-relative with '/' separators.</para>
/// </remarks>
public sealed class DataService : IDisposable
{
    private readonly GitMlRepository _repo;
    private readonly IProgress<WorkProgress>? _progress;
    private readonly ILogger _logger;
    private StateDb? _state;
    private WorkspaceLinker? _linker;
    private readonly System.Collections.Concurrent.ConcurrentBag<string> _unsynced = [];

    /// <summary>Creates the service for <paramref name="repo"/>; <paramref name="progress"/> receives hashing and checkout progress.</summary>
    public DataService(GitMlRepository repo, IProgress<WorkProgress>? progress = null, ILogger<DataService>? logger = null)
    {
        _repo = repo;
        _progress = progress;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The state database (loaded on first use).</summary>
    public StateDb State => _state ??= StateDb.Load(_repo.TmpDir);

    /// <summary>The linker for this run, configured from <c>cache.type</c>.</summary>
    public WorkspaceLinker Linker => _linker ??= new WorkspaceLinker(_repo.Cache, WorkspaceLinker.Parse(_repo.Config.CacheTypes));

    // ---------------------------------------------------------------- building blocks

    /// <summary>
    /// Hashes <paramref name="repoPath"/> (a file or a folder), stores its bytes in the cache (unchanged files, known
    /// from the state database, are neither read nor copied) and returns its out. The returned
    /// <see cref="PointerOut.Path"/> is <paramref name="repoPath"/> itself (repository-relative); no pointer file or
    /// <c>.gitignore</c> is written. Objects are on disk (synced) when this returns.
    /// </summary>
    public PointerOut Track(string repoPath)
    {
        var scan = ScanPath(repoPath, forbidPointers: true);
        if (scan.Stat is null)
        {
            throw PathMissing(repoPath);
        }

        var result = TrackScanned(scan);
        SyncCache();
        return result;
    }

    /// <summary>
    /// The current oid of <paramref name="repoPath"/> (a directory's is its manifest oid with <c>.dir</c>), or null when it
    /// does not exist. Files whose stat matches the state database are not read; nothing is written to the cache.
    /// </summary>
    public string? ComputeOid(string repoPath)
    {
        var scan = ScanPath(repoPath, forbidPointers: false);
        if (scan.Stat is null)
        {
            return null;
        }

        if (scan.Files is null)
        {
            return ComputeOids([FileItemOf(scan)], store: false, "hashing")[0];
        }

        var oids = ComputeOids(scan.Files, store: false, "hashing");
        return BuildManifest(scan.Files, oids).ComputeOid();
    }

    /// <summary>Compares the workspace at <paramref name="tracked"/>'s path with what it records.</summary>
    public OutStatus GetStatus(TrackedOut tracked)
    {
        var o = tracked.Out;
        var scan = ScanPath(tracked.RepoPath, forbidPointers: false);
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

            var oid = ComputeOids([FileItemOf(scan)], store: false, "hashing")[0];
            var same = oid == o.Oid && scan.Stat.Value.IsExecutable == o.IsExec;
            return new OutStatus(tracked, same ? OutState.Unchanged : OutState.Modified, inCache, oid, []);
        }

        if (scan.Files is null)
        {
            return new OutStatus(tracked, OutState.Modified, inCache, null, []);
        }

        var (fingerprint, newest) = Fingerprint(scan.Files);
        if (State.LookupTree(tracked.RepoPath, fingerprint) == o.Oid)
        {
            // Not one file's path or stat changed since this listing matched the recorded manifest.
            return new OutStatus(tracked, OutState.Unchanged, inCache, o.Oid, []);
        }

        var oids = ComputeOids(scan.Files, store: false, "hashing");
        if (!inCache)
        {
            // Without the manifest only the whole directory can be compared.
            var current = BuildManifest(scan.Files, oids).ComputeOid();
            return new OutStatus(tracked, current == o.Oid ? OutState.Unchanged : OutState.Modified, false, current, []);
        }

        var manifest = _repo.Cache.ReadManifest(o.Oid);
        var changes = DiffManifest(manifest, scan.Files, oids);
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
        var plan = new Plan();
        PlanOut(repoPath, recorded, force, relink: false, plan);
        ThrowOnConflicts(plan);
        return Execute(plan, 1);
    }

    // ---------------------------------------------------------------- commands

    /// <summary>
    /// <c>git ml add</c>: validates every path first (inside the repository, exists, not tracked by Git, not inside a
    /// tracked folder), caches them, then writes <c>&lt;path&gt;.gitml</c> pointer files and <c>.gitignore</c> entries.
    /// </summary>
    public IReadOnlyList<AddedOut> Add(IReadOnlyList<string> repoPaths)
    {
        var paths = repoPaths.Distinct(StringComparer.Ordinal).ToList();
        var scans = new List<Scan>();
        foreach (var p in paths)
        {
            ValidateAddPath(p, paths);
            var scan = ScanPath(p, forbidPointers: true);
            if (scan.Stat is null)
            {
                throw PathMissing(p);
            }

            scans.Add(scan);
        }

        var tracked = scans.Select(TrackScanned).ToList();
        SyncCache();

        var results = new List<AddedOut>();
        for (var i = 0; i < paths.Count; i++)
        {
            results.Add(WritePointer(paths[i], tracked[i]));
        }

        if (Linker.WantsLinks)
        {
            // With links configured, replace the just-added workspace files by links so the bytes exist once; where no
            // link type works the file is simply kept (never copied over itself).
            var plan = new Plan();
            for (var i = 0; i < paths.Count; i++)
            {
                PlanOut(paths[i], tracked[i], force: true, relink: true, plan);
            }

            Execute(plan, paths.Count);
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
        var plan = new Plan();
        foreach (var o in outs)
        {
            PlanOut(o.RepoPath, o.Out, force, relink: false, plan);
        }

        ThrowOnConflicts(plan);
        return Execute(plan, outs.Count);
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
                    $"removing the data would lose changes that are not in the cache: {Names(unsafeFiles)}",
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
                    DeletePath(full);
                }

                State.ForgetUnder(o.RepoPath);
                result.Add(new RemovedOut(o.RepoPath, pointer, deleteData));
            }
        }

        return result;
    }

    /// <summary>Saves the state database.</summary>
    public void Dispose() => _state?.Save();

    // ---------------------------------------------------------------- scanning and hashing

    private sealed record Scan(string RepoPath, string FullPath, FileStat? Stat, List<FileItem>? Files);

    private readonly record struct FileItem(string RelInDir, string FullPath, string StateKey, FileStat Stat);

    private static FileItem FileItemOf(Scan scan) => new(string.Empty, scan.FullPath, scan.RepoPath, scan.Stat!.Value);

    private Scan ScanPath(string repoPath, bool forbidPointers)
    {
        var full = _repo.FullPath(repoPath);
        var lst = FileStat.TryGet(full, followLinks: false);
        if (lst is null)
        {
            return new Scan(repoPath, full, null, null);
        }

        var st = lst.Value;
        if (st.IsSymlink)
        {
            RequireLinkInside(full, repoPath);
            var target = FileStat.TryGet(full, followLinks: true);
            if (target is null)
            {
                return new Scan(repoPath, full, null, null);
            }

            st = target.Value;
        }

        if (st.IsDirectory)
        {
            return new Scan(repoPath, full, st, ScanDirectory(repoPath, full, forbidPointers));
        }

        if (!st.IsFile)
        {
            throw new GitMlException($"'{repoPath}' is neither a regular file nor a folder", "GitMl tracks files and folders only", ExitCode.InvalidInput);
        }

        return new Scan(repoPath, full, st, null);
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
                InParallel(current.Count, i => results[i] = ScanOneFolder(repoPath, current[i].Rel, current[i].Dir, forbidPointers));
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

    /// <summary>Oids of <paramref name="items"/>, reading only files unknown to the state database, in parallel.</summary>
    private string[] ComputeOids(IReadOnlyList<FileItem> items, bool store, string phase)
    {
        var oids = new string[items.Count];
        var todo = new List<int>();
        for (var i = 0; i < items.Count; i++)
        {
            var known = State.Lookup(items[i].StateKey, items[i].Stat);
            if (known is not null && (!store || _repo.Cache.Contains(known)))
            {
                oids[i] = known;
            }
            else
            {
                todo.Add(i);
            }
        }

        if (todo.Count == 0)
        {
            return oids;
        }

        long bytesTotal = 0;
        foreach (var i in todo)
        {
            bytesTotal += items[i].Stat.Size;
        }

        long bytesDone = 0;
        long filesDone = 0;
        var progress = _progress;
        Action<long>? onBytes = progress is null ? null : n =>
        {
            var done = Interlocked.Add(ref bytesDone, n);
            progress.Report(new WorkProgress(phase, Interlocked.Read(ref filesDone), todo.Count, done, bytesTotal));
        };
        _logger.LogDebug("{Phase} {Files} files ({Bytes} bytes)", phase, todo.Count, bytesTotal);
        InParallel(todo.Count, k =>
        {
            var i = todo[k];
            oids[i] = HashOne(items[i], store, onBytes);
            var files = Interlocked.Increment(ref filesDone);
            progress?.Report(new WorkProgress(phase, files, todo.Count, Interlocked.Read(ref bytesDone), bytesTotal));
        });
        return oids;
    }

    private string HashOne(in FileItem item, bool store, Action<long>? onBytes)
    {
        string oid;
        try
        {
            oid = store
                ? _repo.Cache.PutFile(item.FullPath, null, onBytes, flushToDisk: false)
                : Blake3Hasher.HashFile(item.FullPath, onBytes);
        }
        catch (FileNotFoundException)
        {
            throw ChangedWhileReading(item.StateKey);
        }

        var after = FileStat.TryGet(item.FullPath, followLinks: true);
        if (after != item.Stat)
        {
            throw ChangedWhileReading(item.StateKey);
        }

        State.Record(item.StateKey, item.Stat, oid);
        if (store)
        {
            Linker.MarkVerified(oid);
            _unsynced.Add(oid);
        }

        return oid;
    }

    /// <summary>
    /// A 128-bit digest of a folder listing: every file's relative path, inode, mtime, size and mode. Equal
    /// fingerprints mean no file was added, removed, renamed or touched. Also returns the newest mtime (racy rule).
    /// </summary>
    private static (UInt128 Fingerprint, long NewestMtimeNs) Fingerprint(IReadOnlyList<FileItem> files)
    {
        var sorted = files.OrderBy(f => f.RelInDir, StringComparer.Ordinal).ToList();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(Math.Max(256, files.Count * 64));
        long newest = 0;
        foreach (var f in sorted)
        {
            var name = System.Text.Encoding.UTF8.GetByteCount(f.RelInDir);
            var span = buffer.GetSpan(name + 1 + 28);
            System.Text.Encoding.UTF8.GetBytes(f.RelInDir, span);
            span[name] = 0;
            var rest = span[(name + 1)..];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(rest, f.Stat.Inode);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(rest[8..], f.Stat.MtimeNs);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(rest[16..], f.Stat.Size);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(rest[24..], f.Stat.Mode);
            buffer.Advance(name + 1 + 28);
            newest = Math.Max(newest, f.Stat.MtimeNs);
        }

        var digest = Convert.FromHexString(Blake3Hasher.HashMetadata(buffer.WrittenSpan));
        var hi = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(digest);
        var lo = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(digest.AsSpan(8));
        return (new UInt128(hi, lo), newest);
    }

    private static DirectoryManifest BuildManifest(IReadOnlyList<FileItem> files, string[] oids)
    {
        var entries = new ManifestEntry[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            entries[i] = new ManifestEntry(files[i].RelInDir, oids[i], files[i].Stat.Size, files[i].Stat.IsExecutable);
        }

        return new DirectoryManifest(entries);
    }

    private PointerOut TrackScanned(Scan scan)
    {
        var st = scan.Stat!.Value;
        if (scan.Files is null)
        {
            var oid = ComputeOids([FileItemOf(scan)], store: true, "hashing")[0];
            return new PointerOut { Path = scan.RepoPath, Oid = oid, Size = st.Size, IsExec = st.IsExecutable };
        }

        var oids = ComputeOids(scan.Files, store: true, "hashing");
        var manifest = BuildManifest(scan.Files, oids);
        var bytes = manifest.ToBytes();
        var manifestOid = Blake3Hasher.HashMetadata(bytes) + Oid.DirSuffix;
        if (!_repo.Cache.Contains(manifestOid))
        {
            _repo.Cache.PutBytes(bytes, Oid.DirSuffix);
        }

        var (fingerprint, newest) = Fingerprint(scan.Files);
        State.RecordTree(scan.RepoPath, fingerprint, manifestOid, newest);

        return new PointerOut { Path = scan.RepoPath, Oid = manifestOid, Size = manifest.TotalSize, NFiles = manifest.Entries.Count };
    }

    /// <summary>
    /// Makes the objects written so far durable before anything names them. A few objects are fsynced one by one
    /// (only our data is flushed); thousands take one <c>syncfs</c>, far cheaper than thousands of fsyncs.
    /// </summary>
    private void SyncCache()
    {
        var oids = _unsynced.Distinct(StringComparer.Ordinal).ToList();
        _unsynced.Clear();
        if (oids.Count == 0)
        {
            return;
        }

        if (oids.Count > 256)
        {
            _repo.Cache.SyncToDisk(oids[0]);
            return;
        }

        InParallel(oids.Count, i =>
        {
            using var handle = File.OpenHandle(_repo.Cache.PathOf(oids[i]), FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        });
    }

    private static List<FileChange> DiffManifest(DirectoryManifest manifest, IReadOnlyList<FileItem> files, string[] oids)
    {
        var current = new Dictionary<string, int>(files.Count, StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
        {
            current[files[i].RelInDir] = i;
        }

        var changes = new List<FileChange>();
        foreach (var e in manifest.Entries)
        {
            if (!current.Remove(e.RelPath, out var i))
            {
                changes.Add(new FileChange(e.RelPath, FileChangeKind.Deleted));
            }
            else if (oids[i] != e.Oid || files[i].Stat.IsExecutable != e.IsExec)
            {
                changes.Add(new FileChange(e.RelPath, FileChangeKind.Modified));
            }
        }

        foreach (var (rel, _) in current)
        {
            changes.Add(new FileChange(rel, FileChangeKind.Added));
        }

        changes.Sort((a, b) => DirectoryManifest.CompareUtf8(a.RelPath, b.RelPath));
        return changes;
    }

    // ---------------------------------------------------------------- add helpers

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

    private static GitMlException ChangedWhileReading(string repoPath) => new(
        $"'{repoPath}' changed while it was being read",
        "run the command again once the program writing it has finished",
        ExitCode.Conflict);

    // ---------------------------------------------------------------- checkout

    private sealed class Plan
    {
        public List<WriteOp> Writes { get; } = [];

        public List<(string Full, string Key)> Deletes { get; } = [];

        public List<string> Conflicts { get; } = [];

        public HashSet<string> ChangedOuts { get; } = new(StringComparer.Ordinal);

        public HashSet<string> CheckedParents { get; } = new(StringComparer.Ordinal);

        public List<string> Folders { get; } = [];

        public int Unchanged { get; set; }
    }

    private readonly record struct WriteOp(string OutPath, string Key, string Full, string Oid, long Size, bool IsExec, bool Relink = false);

    private void PlanOut(string repoPath, PointerOut o, bool force, bool relink, Plan plan)
    {
        var scan = ScanPath(repoPath, forbidPointers: false);
        if (!o.IsDirectory)
        {
            if (scan.Stat is not null && scan.Files is not null)
            {
                PlanDeleteFolder(scan, force, plan);
            }
            else if (scan.Stat is not null)
            {
                var cur = ComputeOids([FileItemOf(scan)], store: false, "checking")[0];
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

        var manifest = _repo.Cache.ReadManifest(o.Oid);
        if (scan.Files is null)
        {
            // An empty tracked folder has no file to write; it must still exist afterwards.
            plan.Folders.Add(scan.FullPath);
        }

        var current = new Dictionary<string, (FileItem Item, string Oid)>(StringComparer.Ordinal);
        if (scan.Stat is not null && scan.Files is null)
        {
            var cur = ComputeOids([FileItemOf(scan)], store: false, "checking")[0];
            CheckOverwrite(repoPath, cur, null, force, plan);
            plan.Deletes.Add((scan.FullPath, repoPath));
        }
        else if (scan.Files is not null)
        {
            var oids = ComputeOids(scan.Files, store: false, "checking");
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

    private void PlanDeleteFolder(Scan scan, bool force, Plan plan)
    {
        var oids = ComputeOids(scan.Files!, store: false, "checking");
        for (var i = 0; i < oids.Length; i++)
        {
            CheckOverwrite(scan.Files![i].StateKey, oids[i], null, force, plan);
        }

        plan.Deletes.Add((scan.FullPath, scan.RepoPath));
    }

    private void CheckOverwrite(string key, string currentOid, string? targetOid, bool force, Plan plan)
    {
        if (!force && currentOid != targetOid && !_repo.Cache.Contains(currentOid))
        {
            plan.Conflicts.Add(key);
        }
    }

    private void AddWrite(Plan plan, WriteOp op)
    {
        // A symlinked folder inside the work tree could lead a write outside it: check each parent folder once.
        var parent = Path.GetDirectoryName(op.Full)!;
        if (plan.CheckedParents.Add(parent))
        {
            SafePath.EnsureInside(_repo.WorkDir, op.Full, "checkout target");
        }

        plan.Writes.Add(op);
        plan.ChangedOuts.Add(op.OutPath);
    }

    private static void ThrowOnConflicts(Plan plan)
    {
        if (plan.Conflicts.Count > 0)
        {
            throw new GitMlException(
                $"checkout would overwrite workspace changes that are not in the cache: {Names(plan.Conflicts)}",
                "keep them with 'git ml add <path>' (or 'git ml commit') first, or discard them with --force",
                ExitCode.Conflict);
        }
    }

    private CheckoutResult Execute(Plan plan, int outCount)
    {
        foreach (var w in plan.Writes)
        {
            if (!_repo.Cache.Contains(w.Oid))
            {
                throw ObjectStore_Missing(w);
            }
        }

        var linkCounts = new Dictionary<LinkType, int>();
        var written = 0;
        if (plan.Writes.Count > 0)
        {
            var tmpDir = Path.Combine(_repo.TmpDir, "checkout-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(tmpDir);
            try
            {
                var types = PrepareWrites(plan.Writes, tmpDir);
                foreach (var (full, key) in plan.Deletes)
                {
                    DeletePath(full);
                    State.ForgetUnder(key);
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
                        State.Record(w.Key, st, w.Oid);
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
                State.ForgetUnder(key);
            }
        }

        foreach (var folder in plan.Folders)
        {
            SafePath.EnsureInside(_repo.WorkDir, folder, "checkout target");
            Directory.CreateDirectory(folder);
        }

        var changed = plan.ChangedOuts.Order(StringComparer.Ordinal).ToList();
        return new CheckoutResult(outCount, written, plan.Deletes.Count, plan.Unchanged, changed, linkCounts);
    }

    private static GitMlException ObjectStore_Missing(WriteOp w) => new(
        $"object {w.Oid} for '{w.Key}' is not in the cache",
        "run 'git ml pull' (or 'git ml fetch') to download it from the remote; nothing was changed",
        ExitCode.NotFound);

    private LinkType?[] PrepareWrites(List<WriteOp> writes, string tmpDir)
    {
        var types = new LinkType?[writes.Count];
        long bytesTotal = writes.Sum(w => w.Size);
        long bytesDone = 0;
        long filesDone = 0;
        var progress = _progress;
        Action<long>? onBytes = progress is null ? null : n =>
        {
            var done = Interlocked.Add(ref bytesDone, n);
            progress.Report(new WorkProgress("checkout", Interlocked.Read(ref filesDone), writes.Count, done, bytesTotal));
        };
        InParallel(writes.Count, i =>
        {
            var w = writes[i];
            types[i] = Linker.Create(w.Oid, Path.Combine(tmpDir, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), w.IsExec, onBytes, allowCopy: !w.Relink);
            var files = Interlocked.Increment(ref filesDone);
            if (progress is not null)
            {
                var bytes = types[i] is LinkType.Copy ? Interlocked.Read(ref bytesDone) : Interlocked.Add(ref bytesDone, w.Size);
                progress.Report(new WorkProgress("checkout", files, writes.Count, bytes, bytesTotal));
            }
        });
        return types;
    }

    // ---------------------------------------------------------------- shared helpers

    /// <summary>Runs <paramref name="body"/> for 0..count-1 on all cores; a failure surfaces as itself, not wrapped.</summary>
    private static void InParallel(int count, Action<int> body)
    {
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, body);
        }
        catch (AggregateException ex)
        {
            var first = ex.Flatten().InnerExceptions.OrderBy(e => e is GitMlException ? 0 : 1).First();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
    }

    private IEnumerable<string> UncachedFiles(string repoPath)
    {
        var scan = ScanPath(repoPath, forbidPointers: false);
        if (scan.Stat is null)
        {
            return [];
        }

        var items = scan.Files ?? [FileItemOf(scan)];
        var oids = ComputeOids(items, store: false, "checking");
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

    private static string Names(List<string> paths) =>
        paths.Count <= 10 ? string.Join(", ", paths) : string.Join(", ", paths.Take(10)) + $" and {paths.Count - 10} more";

    private static void DeletePath(string full)
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
