using GitMl.Core.Cache;
using GitMl.Core.Hashing;
using GitMl.Core.Pointers;

namespace GitMl.Core.Remotes;

/// <summary>What a push or fetch did.</summary>
public sealed class TransferResult
{
    /// <summary>"push" or "fetch".</summary>
    public required string Direction { get; init; }

    /// <summary>The remote's description.</summary>
    public required string Remote { get; init; }

    /// <summary>Objects the transfer needed in all.</summary>
    public int Needed { get; set; }

    /// <summary>Objects sent or received.</summary>
    public int Transferred { get; set; }

    /// <summary>Bytes sent or received.</summary>
    public long BytesTransferred { get; set; }

    /// <summary>Objects already present at the destination (skipped).</summary>
    public int AlreadyPresent { get; set; }

    /// <summary>Objects missing at the source (push: not in the cache; fetch: not on the remote).</summary>
    public List<string> Missing { get; } = [];

    /// <summary>Errors for objects whose bytes did not match their oid (discarded).</summary>
    public List<GitMlException> Corrupt { get; } = [];

    /// <summary>
    /// Fetch: the objects this run wrote into the cache, each hashed on its way in (a checkout right after may copy them
    /// without hashing them again).
    /// </summary>
    public IReadOnlyCollection<string> Received { get; internal set; } = [];

    /// <summary>Push: temp files of killed transfers removed from a directory remote.</summary>
    public int StaleSwept { get; set; }

    /// <summary>How presence on the remote was checked: "none", "stat" or "list".</summary>
    public string PresenceCheck { get; set; } = "none";

    /// <summary>Throws the first problem (corrupt objects, then missing ones) after everything else was transferred.</summary>
    public void ThrowIfIncomplete()
    {
        if (Corrupt.Count > 0)
        {
            var first = Corrupt[0];
            throw new GitMlException(
                Corrupt.Count == 1 ? first.Message : $"{first.Message} (and {Corrupt.Count - 1} more corrupted objects)",
                first.Hint, ExitCode.Corrupted);
        }

        if (Missing.Count > 0)
        {
            var where = Direction == "push" ? "the local cache" : "remote " + Remote;
            throw new GitMlException(
                $"{Missing.Count} object(s) needed by the {Direction} are not in {where} (first: {Missing[0]}); everything else was transferred",
                Direction == "push"
                    ? "the data was never added on this machine or was garbage-collected; push from a clone that has it"
                    : "push them from a clone that has them, or check -r names the right remote",
                ExitCode.NotFound);
        }
    }
}

/// <summary>
/// Moves objects between the cache and a remote. Push skips what the remote has (asking per object or listing its
/// prefixes, whichever costs fewer requests), uploads in parallel, and sends a directory's manifest only after all
/// its files, so a remote never holds a manifest whose files are missing. Fetch downloads in parallel and hashes
/// every object before it enters the cache. Both can be interrupted and re-run: only what is missing moves.
/// </summary>
public sealed class TransferService
{
    /// <summary>At or below this many objects, presence is checked object by object rather than by listing.</summary>
    public const int StatThreshold = 16;

    /// <summary>Keys an S3 list page returns.</summary>
    public const int ListPageSize = 1000;

    /// <summary>Temp files and unfinished multipart uploads untouched for this long belong to a killed transfer.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);

    private readonly ObjectStore _cache;

    /// <summary>Creates the service over a cache.</summary>
    public TransferService(ObjectStore cache) => _cache = cache;

    /// <summary>Default parallelism: transfers wait on the network, so several per core.</summary>
    public static int DefaultJobs => Math.Clamp(Environment.ProcessorCount * 8, 16, 64);

    /// <summary>Uploads the objects of <paramref name="outs"/> that the remote lacks.</summary>
    public async Task<TransferResult> PushAsync(IReadOnlyList<TrackedOut> outs, IRemoteStorage remote, int jobs, IProgress<WorkProgress>? progress, CancellationToken ct)
    {
        var result = new TransferResult { Direction = "push", Remote = remote.Description };
        var plan = ObjectPlan.Build(outs, oid => ObjectPlan.FromCache(_cache, oid));
        await remote.EnsureReadyAsync(ct);

        var localFiles = new List<string>();
        foreach (var oid in plan.Files.Keys)
        {
            if (_cache.Contains(oid))
            {
                localFiles.Add(oid);
            }
            else
            {
                result.Missing.Add(oid);
            }
        }

        var localManifests = new List<string>();
        foreach (var (oid, files) in plan.Manifests)
        {
            if (files is null)
            {
                result.Missing.Add(oid);
            }
            else
            {
                localManifests.Add(oid);
            }
        }

        result.Needed = plan.Files.Count + plan.Manifests.Count;
        var candidates = localFiles.Concat(localManifests).ToList();
        var (present, method) = await FindPresentAsync(remote, candidates, jobs, ct);
        result.PresenceCheck = method;
        result.AlreadyPresent = candidates.Count(present.Contains);

        // Roots the remote already holds whole are vouched for at once, not after a long upload of the rest: a gc
        // elsewhere during this push then keeps them too.
        var vouched = await WriteReceiptAsync(outs, plan, present, present.Contains, [], remote, ct);

        var toSend = localFiles.Where(o => !present.Contains(o)).ToList();
        var manifestsToSend = localManifests.Where(o => !present.Contains(o)).ToList();
        var sizes = toSend.Concat(manifestsToSend).ToDictionary(o => o, o => new FileInfo(_cache.PathOf(o)).Length);
        if (remote is DirectoryRemoteStorage directory)
        {
            // A killed push left its temp files beside the objects it was writing: sweep the folders this push writes
            // to (a re-run of that push touches the same ones). On S3 the push resumes its own unfinished uploads, and
            // 'gc --cloud' sweeps everything else.
            result.StaleSwept = directory.SweepStale(sizes.Keys.Select(o => o[..2]).Distinct(StringComparer.Ordinal), StaleAfter, ct);
        }

        var counter = new ProgressCounter("push", toSend.Count + manifestsToSend.Count, sizes.Values.Sum(), progress);
        var sent = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);

        async ValueTask UploadParted(string oid, CancellationToken token)
        {
            try
            {
                await remote.UploadPartsAsync(oid, _cache.PathOf(oid), jobs, counter.AddBytes, token);
                sent[oid] = true;
                counter.ObjectDone();
            }
            catch (GitMlException ex) when (ex.ExitCode == ExitCode.Corrupted)
            {
                lock (result)
                {
                    result.Corrupt.Add(ex);
                }
            }
        }

        async ValueTask Upload(string oid, CancellationToken token)
        {
            try
            {
                await remote.UploadAsync(oid, _cache.PathOf(oid), counter.AddBytes, token);
                sent[oid] = true;
                counter.ObjectDone();
            }
            catch (GitMlException ex) when (ex.ExitCode == ExitCode.Corrupted)
            {
                lock (result)
                {
                    result.Corrupt.Add(ex);
                }
            }
        }

        // Objects above the remote's multipart threshold go first, one at a time with every lane on its parts; then the rest,
        // biggest first, so the lanes stay busy to the end instead of waiting on one straggler at the tail.
        var parted = toSend.Where(o => sizes[o] > remote.MultipartThreshold).OrderByDescending(o => sizes[o]).ToList();
        foreach (var oid in parted)
        {
            await UploadParted(oid, ct);
        }

        await RunParallel(toSend.Except(parted).OrderByDescending(o => sizes[o]).ToList(), jobs, Upload, ct);

        // A manifest goes up only when every file it lists is on the remote, so readers never see a partial directory.
        var ready = manifestsToSend.Where(m => plan.Manifests[m]!.All(f => present.Contains(f) || sent.ContainsKey(f))).ToList();
        foreach (var m in manifestsToSend.Except(ready))
        {
            result.Missing.Add(m + " (held back: some of its files could not be pushed)");
        }

        await RunParallel(ready, jobs, Upload, ct);
        await WriteReceiptAsync(outs, plan, present, o => present.Contains(o) || sent.ContainsKey(o), vouched, remote, ct);
        result.Transferred = sent.Count;
        result.BytesTransferred = sent.Keys.Sum(o => sizes[o]);
        return result;
    }

    /// <summary>
    /// Objects this push skipped because the remote had them keep their old write time, so a gc in a clone that
    /// cannot see this push's commit would take them for old and unused. A receipt naming the roots that are
    /// complete on the remote keeps them for another <c>--keep-recent</c> (see <see cref="PushReceipt"/>). It is
    /// written for roots some of whose objects were skipped and that <paramref name="alreadyVouched"/> does not hold;
    /// a push that skipped nothing writes none, as everything it sent is young already. Returns the roots vouched for.
    /// </summary>
    private static async Task<HashSet<string>> WriteReceiptAsync(IReadOnlyList<TrackedOut> outs, ObjectPlan plan, HashSet<string> present,
        Func<string, bool> onRemote, HashSet<string> alreadyVouched, IRemoteStorage remote, CancellationToken ct)
    {
        var roots = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in outs.Select(o => o.Out.Oid).Distinct(StringComparer.Ordinal).Where(r => !alreadyVouched.Contains(r)))
        {
            var objects = Oid.IsDir(root)
                ? plan.Manifests.GetValueOrDefault(root) is { } files ? files.Append(root).ToList() : null
                : [root];
            if (objects is not null && objects.All(onRemote) && objects.Any(present.Contains))
            {
                roots.Add(root);
            }
        }

        if (roots.Count > 0)
        {
            var (key, bytes) = PushReceipt.Create(roots, DateTimeOffset.UtcNow);
            await remote.PutPushReceiptAsync(key, bytes, ct);
        }

        return roots;
    }

    /// <summary>Downloads the objects of <paramref name="outs"/> that the cache lacks, verifying each.</summary>
    public async Task<TransferResult> FetchAsync(IReadOnlyList<TrackedOut> outs, IRemoteStorage remote, int jobs, IProgress<WorkProgress>? progress, CancellationToken ct)
    {
        var received = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        try
        {
            return await FetchUnsyncedAsync(outs, remote, jobs, progress, received, ct);
        }
        finally
        {
            // Objects are written without a per-object fsync (their writeback starts as each completes): one sync of
            // the file system makes every object this run stored durable before the command ends, also when it fails.
            if (!received.IsEmpty)
            {
                _cache.SyncToDisk(received.Keys.First());
            }
        }
    }

    private async Task<TransferResult> FetchUnsyncedAsync(IReadOnlyList<TrackedOut> outs, IRemoteStorage remote, int jobs, IProgress<WorkProgress>? progress,
        System.Collections.Concurrent.ConcurrentDictionary<string, long> received, CancellationToken ct)
    {
        var result = new TransferResult { Direction = "fetch", Remote = remote.Description };
        await remote.EnsureReadyAsync(ct);

        // Manifests first: a directory's file list is only known once its manifest is here.
        var manifestOids = outs.Select(o => Oid.Require(o.Out.Oid, o.Source)).Where(Oid.IsDir).Distinct().ToList();
        var missingManifests = manifestOids.Where(o => !_cache.Contains(o)).ToList();
        var manifestCounter = new ProgressCounter("fetch", missingManifests.Count, 0, progress);
        await RunParallel(missingManifests, jobs, (oid, token) => Download(oid, remote, manifestCounter, result, received, token), ct);

        var plan = ObjectPlan.Build(outs, oid => ObjectPlan.FromCache(_cache, oid));
        result.Needed = plan.Files.Count + plan.Manifests.Count;
        var toGet = plan.Files.Keys.Where(o => !_cache.Contains(o)).ToList();
        result.AlreadyPresent = result.Needed - toGet.Count - missingManifests.Count;
        var counter = new ProgressCounter("fetch", toGet.Count, toGet.Sum(o => plan.Files[o]), progress);

        // As on push: objects above the multipart threshold one at a time in parallel ranges, then the rest, biggest first.
        var parted = toGet.Where(o => plan.Files[o] > remote.MultipartThreshold).OrderByDescending(o => plan.Files[o]).ToList();
        foreach (var oid in parted)
        {
            await DownloadParted(oid, plan.Files[oid], remote, jobs, counter, result, received, ct);
        }

        await RunParallel(toGet.Except(parted).OrderByDescending(o => plan.Files[o]).ToList(), jobs, (oid, token) => Download(oid, remote, counter, result, received, token), ct);
        result.Transferred = received.Count;
        result.BytesTransferred = received.Values.Sum();
        result.Received = received.Keys.ToHashSet(StringComparer.Ordinal);
        return result;
    }

    /// <summary>
    /// Finds which of <paramref name="oids"/> the remote holds, with as few requests as the sizes allow: one stat per
    /// object for small sets; otherwise list one needed prefix, estimate the pages every needed prefix would take, and
    /// list them all when that is cheaper than one stat per remaining object.
    /// </summary>
    public static async Task<(HashSet<string> Present, string Method)> FindPresentAsync(IRemoteStorage remote, IReadOnlyList<string> oids, int jobs, CancellationToken ct)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        if (oids.Count == 0)
        {
            return (present, "none");
        }

        if (oids.Count <= StatThreshold)
        {
            await StatAll(remote, oids, jobs, present, ct);
            return (present, "stat");
        }

        var byPrefix = oids.GroupBy(o => o[..2]).ToDictionary(g => g.Key, g => g.ToList());
        var prefixes = byPrefix.Keys.Order(StringComparer.Ordinal).ToList();
        var first = await remote.ListPrefixAsync(prefixes[0], ct);
        AddListed(first, byPrefix[prefixes[0]], present);
        var rest = prefixes.Skip(1).ToList();
        var remaining = rest.SelectMany(p => byPrefix[p]).ToList();

        // Oids are uniform over the 256 prefixes, so one prefix's count estimates the whole remote's size.
        var pagesPerPrefix = Math.Max(1, (first.Count + ListPageSize - 1) / ListPageSize);
        var perPrefixRequests = (long)rest.Count * pagesPerPrefix;
        var fullListRequests = Math.Max(1, ((long)first.Count * 256 + ListPageSize - 1) / ListPageSize);
        var statRequests = (long)remaining.Count;
        if (statRequests < perPrefixRequests && statRequests < fullListRequests)
        {
            await StatAll(remote, remaining, jobs, present, ct);
            return (present, "stat");
        }

        if (fullListRequests < perPrefixRequests)
        {
            var wanted = remaining.ToHashSet(StringComparer.Ordinal);
            present.UnionWith((await remote.ListAllAsync(ct)).Select(o => o.Oid).Where(wanted.Contains));
            return (present, "list");
        }

        var gate = new object();
        await RunParallel(rest, jobs, async ValueTask (prefix, token) =>
        {
            var listed = await remote.ListPrefixAsync(prefix, token);
            lock (gate)
            {
                AddListed(listed, byPrefix[prefix], present);
            }
        }, ct);
        return (present, "list");
    }

    private static void AddListed(IReadOnlyList<RemoteObject> listed, List<string> wanted, HashSet<string> present)
    {
        var names = listed.Select(o => o.Oid).ToHashSet(StringComparer.Ordinal);
        present.UnionWith(wanted.Where(names.Contains));
    }

    private static async Task StatAll(IRemoteStorage remote, IReadOnlyList<string> oids, int jobs, HashSet<string> present, CancellationToken ct)
    {
        var gate = new object();
        await RunParallel(oids, jobs, async ValueTask (oid, token) =>
        {
            if (await remote.ExistsAsync(oid, token))
            {
                lock (gate)
                {
                    present.Add(oid);
                }
            }
        }, ct);
    }

    private async ValueTask Download(string oid, IRemoteStorage remote, ProgressCounter counter, TransferResult result,
        System.Collections.Concurrent.ConcurrentDictionary<string, long> received, CancellationToken ct)
    {
        long bytes = 0;
        try
        {
            await remote.DownloadAsync(oid, async (stream, token) =>
            {
                // The backend may retry an attempt that broke off: count only the bytes of the attempt that completed.
                long attempt = 0;
                try
                {
                    await _cache.PutStreamAsync(stream, oid, "remote " + remote.Description, flushToDisk: false, n =>
                    {
                        attempt += n;
                        counter.AddBytes(n);
                    }, token);
                }
                catch
                {
                    counter.AddBytes(-attempt);
                    throw;
                }

                bytes = attempt;
            }, ct);
            received[oid] = bytes;
            counter.ObjectDone();
        }
        catch (GitMlException ex) when (ex.ExitCode is ExitCode.Corrupted or ExitCode.NotFound)
        {
            RecordFailure(result, oid, ex);
        }
        catch (IOException io) when (IsDiskFull(io))
        {
            throw DiskFull(oid, io);
        }
    }

    /// <summary>
    /// Fetches one large object as parallel ranged reads into a temp file, then hashes the whole file before it is
    /// renamed into the cache: the remote's bytes are never trusted, whichever way they arrive.
    /// </summary>
    private async Task DownloadParted(string oid, long size, IRemoteStorage remote, int jobs, ProgressCounter counter, TransferResult result,
        System.Collections.Concurrent.ConcurrentDictionary<string, long> received, CancellationToken ct)
    {
        var tmp = _cache.NewPartialPath();
        try
        {
            // Reserving the space up front (fallocate) turns a full disk into one early error rather than a failure
            // after most of the object was downloaded.
            using (File.OpenHandle(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, preallocationSize: size))
            {
            }

            long attempt = 0;
            try
            {
                await remote.DownloadPartsAsync(oid, size, tmp, jobs, n =>
                {
                    Interlocked.Add(ref attempt, n);
                    counter.AddBytes(n);
                }, ct);
            }
            catch
            {
                counter.AddBytes(-Interlocked.Read(ref attempt));
                throw;
            }

            _cache.CommitPartialVerified(tmp, oid, "remote " + remote.Description, flushToDisk: false);
            received[oid] = size;
            counter.ObjectDone();
        }
        catch (GitMlException ex) when (ex.ExitCode is ExitCode.Corrupted or ExitCode.NotFound)
        {
            RecordFailure(result, oid, ex);
        }
        catch (IOException io) when (IsDiskFull(io))
        {
            throw DiskFull(oid, io);
        }
        finally
        {
            AtomicFile.TryDelete(tmp);
        }
    }

    /// <summary>A bad or missing object fails only itself: the rest of the fetch goes on, and the result names it.</summary>
    private static void RecordFailure(TransferResult result, string oid, GitMlException ex)
    {
        lock (result)
        {
            if (ex.ExitCode == ExitCode.Corrupted)
            {
                result.Corrupt.Add(ex);
            }
            else
            {
                result.Missing.Add(oid);
            }
        }
    }

    private static bool IsDiskFull(IOException io) =>
        io.HResult == 28 || io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)
        || io.Message.Contains("disk was full", StringComparison.OrdinalIgnoreCase);

    private static GitMlException DiskFull(string oid, IOException io) => new(
        $"no space left on the device holding the cache while fetching {oid}",
        "free disk space (e.g. 'git ml gc') and run the command again; the partial object was discarded and completed ones were kept",
        ExitCode.IoError, io);

    internal static Task RunParallel<T>(IReadOnlyList<T> items, int jobs, Func<T, CancellationToken, ValueTask> body, CancellationToken ct) =>
        items.Count == 0
            ? Task.CompletedTask
            : Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, jobs), CancellationToken = ct }, body);

    /// <summary>Thread-safe objects/bytes counters feeding an optional progress sink.</summary>
    private sealed class ProgressCounter(string phase, long filesTotal, long bytesTotal, IProgress<WorkProgress>? progress)
    {
        private long _files;
        private long _bytes;

        public void AddBytes(long n)
        {
            var b = Interlocked.Add(ref _bytes, n);
            progress?.Report(new WorkProgress(phase, Interlocked.Read(ref _files), filesTotal, b, bytesTotal));
        }

        public void ObjectDone()
        {
            var f = Interlocked.Increment(ref _files);
            progress?.Report(new WorkProgress(phase, f, filesTotal, Interlocked.Read(ref _bytes), bytesTotal));
        }
    }
}
