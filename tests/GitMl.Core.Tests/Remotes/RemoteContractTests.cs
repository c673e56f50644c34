using GitMl.Core;
using GitMl.Core.Pipelines;
using GitMl.Core.Pointers;
using GitMl.Core.Remotes;
using GitMl.Testing;

namespace GitMl.Core.Tests.Remotes;

/// <summary>
/// The behaviour every remote backend must have: transfer, skip-present, verification, resume, gc and fsck.
/// Run once per backend by the derived classes.
/// </summary>
public abstract class RemoteContractTests : IDisposable
{
    private readonly TempGitRepo _git;

    protected RemoteContractTests()
    {
        _git = TempGitRepo.Create();
        Repo = GitMlRepository.Init(_git.Root);
    }

    protected GitMlRepository Repo { get; }

    protected RemoteConfigService Remotes => new(Repo, _ => null);

    /// <summary>Adds remote "storage" as the default.</summary>
    protected abstract void ConfigureRemote();

    /// <summary>Replaces the bytes of an object on the remote, keeping its name.</summary>
    protected abstract void CorruptRemoteObject(string oid);

    /// <summary>Deletes an object from the remote behind GitMl's back.</summary>
    protected abstract void DeleteRemoteObject(string oid);

    /// <summary>Replaces an object's bytes on the remote with <paramref name="bytes"/>, keeping its name.</summary>
    protected abstract void WriteRemoteObject(string oid, byte[] bytes);

    /// <summary>
    /// Size of the test's "large" objects: above the remote's part size where the backend moves objects in parts (S3 is
    /// configured with the smallest part size S3 allows), so the parted paths run against the real server.
    /// </summary>
    protected const int LargeSize = (11 << 20) + 12_345;

    [Fact]
    public async Task Push_LargeObject_GoesUpInPartsAndFetchesBackInRanges()
    {
        // Given a large file (three parts on S3) and a small one, tracked
        ConfigureRemote();
        var large = TrackedData.TrackFile(Repo, "data/large.bin", TrackedData.Bytes(LargeSize, 21));
        var small = TrackedData.TrackFile(Repo, "data/small.bin", TrackedData.Bytes(4_000, 22));
        using var remote = Remotes.Open(null);

        // When both are pushed, the cache is emptied and they are fetched back
        var pushed = await Transfer().PushAsync(Outs(), remote, 4, null, Ct);
        ClearCache();
        var fetched = await Transfer().FetchAsync(Outs(), remote, 4, null, Ct);

        // Then both round-trip verified, with no temp file and no unfinished upload left anywhere
        Assert.Equal(2, pushed.Transferred);
        fetched.ThrowIfIncomplete();
        Assert.Equal(2, fetched.Transferred);
        Assert.Equal(LargeSize + 4_000L, fetched.BytesTransferred);
        Assert.True(Repo.Cache.Verify(large));
        Assert.True(Repo.Cache.Verify(small));
        Assert.Contains(large, fetched.Received);
        Assert.Empty(Directory.EnumerateFiles(Repo.TmpDir, "obj-*"));
        Assert.Equal(0, await remote.SweepStaleAsync(TimeSpan.Zero, Ct));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Fetch_CorruptedLargeRemoteObject_IsRejectedOnTheRangedPath(bool sameSize)
    {
        // Given a pushed large object whose remote copy is replaced by other bytes (of the same size, or shorter)
        ConfigureRemote();
        var large = TrackedData.TrackFile(Repo, "data/large.bin", TrackedData.Bytes(LargeSize, 23));
        using var remote = Remotes.Open(null);
        await Transfer().PushAsync(Outs(), remote, 4, null, Ct);
        WriteRemoteObject(large, TrackedData.Bytes(sameSize ? LargeSize : LargeSize / 2, 24));
        ClearCache();

        // When it is fetched
        var result = await Transfer().FetchAsync(Outs(), remote, 4, null, Ct);

        // Then it is refused, named with the remote, and no bytes of it stay in the cache or its temp folder
        var ex = Assert.Throws<GitMlException>(result.ThrowIfIncomplete);
        Assert.Equal(ExitCode.Corrupted, ex.ExitCode);
        Assert.Contains(large, ex.Message);
        Assert.Contains("'storage'", ex.Message);
        Assert.False(Repo.Cache.Contains(large));
        Assert.Empty(Directory.EnumerateFiles(Repo.TmpDir, "obj-*"));
    }

    [Fact]
    public async Task Push_LargeObjectCorruptInCache_IsRefusedAndLeavesNothingOnTheRemote()
    {
        // Given a large cached object whose bytes were damaged after it was added
        ConfigureRemote();
        var large = TrackedData.TrackFile(Repo, "data/large.bin", TrackedData.Bytes(LargeSize, 25));
        var path = Repo.Cache.PathOf(large);
        File.SetAttributes(path, FileAttributes.Normal);
        using (var f = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            f.Position = LargeSize - 10;
            f.WriteByte(0x42);
        }

        using var remote = Remotes.Open(null);

        // When it is pushed
        var result = await Transfer().PushAsync(Outs(), remote, 4, null, Ct);

        // Then it is reported corrupt, and the remote holds neither the object nor an unfinished upload of it
        var ex = Assert.Throws<GitMlException>(result.ThrowIfIncomplete);
        Assert.Equal(ExitCode.Corrupted, ex.ExitCode);
        Assert.False(await remote.ExistsAsync(large, Ct));
        Assert.Equal(0, await remote.SweepStaleAsync(TimeSpan.Zero, Ct));
    }

    [Fact]
    public async Task RunCache_PushThenPullIntoEmptyCache_RestoresEntriesAndTheirObjects()
    {
        // Given a remembered run whose out is a cached directory, pushed with its objects
        ConfigureRemote();
        var dirOid = TrackedData.TrackDirectory(Repo, "data/prepared", new Dictionary<string, byte[]>
        {
            ["a.csv"] = TrackedData.Bytes(2_000, 7),
            ["b.csv"] = TrackedData.Bytes(3_000, 8),
        });
        var runCache = new RunCache(Repo.Cache);
        var key = Hashing.Blake3Hasher.HashMetadata("a run"u8);
        var outs = new[] { new LockedOut(new PointerOut { Path = "data/prepared", Oid = dirOid, Size = 5_000, NFiles = 2 }, true) };
        runCache.Put(key, "prepare.sh", outs);
        using var remote = Remotes.Open(null);
        var pushed = await RunCacheTransfer.PushAsync(Repo, remote, 4, null, CancellationToken.None);
        Assert.Equal(1, pushed.EntriesTransferred);
        Assert.Equal(0, (await RunCacheTransfer.PushAsync(Repo, remote, 4, null, CancellationToken.None)).EntriesTransferred);

        // When the local cache (objects and runs) is emptied and the run cache is pulled
        Directory.Delete(Repo.Cache.Root, recursive: true);
        var pulled = await RunCacheTransfer.PullAsync(Repo, remote, 4, null, CancellationToken.None);

        // Then the entry is back and every object it needs is in the cache again, verified
        Assert.Equal(1, pulled.EntriesTransferred);
        var back = Assert.Single(runCache.TryGet(key)!);
        Assert.Equal(dirOid, back.Out.Oid);
        Assert.True(runCache.ObjectsPresent([back]));
    }

    [Fact]
    public async Task Push_ThenFetchIntoEmptyCache_RoundTripsFileAndDirectory()
    {
        // Given a tracked file and a tracked directory, pushed to the remote
        ConfigureRemote();
        var fileOid = TrackedData.TrackFile(Repo, "data/model.bin", TrackedData.Bytes(300_000, 1));
        var dirOid = TrackedData.TrackDirectory(Repo, "data/images", Files(5, 2));
        using var remote = Remotes.Open(null);
        var pushed = await Transfer().PushAsync(Outs(), remote, 4, null, Ct);

        // When the cache is emptied and everything is fetched back
        ClearCache();
        var fetched = await Transfer().FetchAsync(Outs(), remote, 4, null, Ct);

        // Then every object came back, verified, with the same bytes
        Assert.Equal(7, pushed.Transferred);
        Assert.Equal(7, fetched.Transferred);
        fetched.ThrowIfIncomplete();
        Assert.True(Repo.Cache.Verify(fileOid));
        Assert.True(Repo.Cache.Verify(dirOid));
        foreach (var e in Repo.Cache.ReadManifest(dirOid).Entries)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(Repo.WorkDir, "data/images", e.RelPath)), File.ReadAllBytes(Repo.Cache.PathOf(e.Oid)));
        }
    }

    [Fact]
    public async Task Push_WhenEverythingIsPresent_TransfersNothingAndListsForLargeSets()
    {
        // Given a directory of 40 files already pushed
        ConfigureRemote();
        TrackedData.TrackDirectory(Repo, "data/many", Files(40, 3));
        using var remote = Remotes.Open(null);
        await Transfer().PushAsync(Outs(), remote, 4, null, Ct);

        // When it is pushed again
        var again = await Transfer().PushAsync(Outs(), remote, 4, null, Ct);

        // Then nothing is sent, all 41 objects are known present, found by listing rather than 41 stats
        Assert.Equal(0, again.Transferred);
        Assert.Equal(41, again.AlreadyPresent);
        Assert.Equal("list", again.PresenceCheck);
    }

    [Fact]
    public async Task Push_SmallSet_ChecksPresenceObjectByObject()
    {
        // Given one pushed file
        ConfigureRemote();
        TrackedData.TrackFile(Repo, "a.bin", TrackedData.Bytes(1000, 4));
        using var remote = Remotes.Open(null);
        await Transfer().PushAsync(Outs(), remote, 2, null, Ct);

        // When pushed again
        var again = await Transfer().PushAsync(Outs(), remote, 2, null, Ct);

        // Then one stat answered it and nothing moved
        Assert.Equal("stat", again.PresenceCheck);
        Assert.Equal(0, again.Transferred);
        Assert.Equal(1, again.AlreadyPresent);
    }

    [Fact]
    public async Task Fetch_CorruptedRemoteObject_IsRejectedNamedAndNotCached()
    {
        // Given a pushed file whose remote copy is then damaged, and an empty cache
        ConfigureRemote();
        var good = TrackedData.TrackFile(Repo, "good.bin", TrackedData.Bytes(5000, 5));
        var bad = TrackedData.TrackFile(Repo, "bad.bin", TrackedData.Bytes(5000, 6));
        using var remote = Remotes.Open(null);
        await Transfer().PushAsync(Outs(), remote, 2, null, Ct);
        CorruptRemoteObject(bad);
        ClearCache();

        // When fetching
        var result = await Transfer().FetchAsync(Outs(), remote, 2, null, Ct);

        // Then the good object arrives, the bad one is discarded, and the error names the object and the remote
        Assert.True(Repo.Cache.Contains(good));
        Assert.False(Repo.Cache.Contains(bad));
        var ex = Assert.Throws<GitMlException>(result.ThrowIfIncomplete);
        Assert.Equal(ExitCode.Corrupted, ex.ExitCode);
        Assert.Contains(bad, ex.Message);
        Assert.Contains("'storage'", ex.Message);
        Assert.Empty(Directory.EnumerateFiles(Repo.TmpDir, "obj-*"));
    }

    [Fact]
    public async Task Push_RerunAfterInterruption_SendsOnlyWhatIsMissing()
    {
        // Given a pushed directory from which an interruption "lost" three files and the manifest
        ConfigureRemote();
        var dirOid = TrackedData.TrackDirectory(Repo, "data/set", Files(10, 7));
        using var remote = Remotes.Open(null);
        await Transfer().PushAsync(Outs(), remote, 4, null, Ct);
        var lost = Repo.Cache.ReadManifest(dirOid).Entries.Take(3).Select(e => e.Oid).ToList();
        foreach (var oid in lost.Append(dirOid))
        {
            DeleteRemoteObject(oid);
        }

        // When push runs again
        var again = await Transfer().PushAsync(Outs(), remote, 4, null, Ct);

        // Then exactly the four missing objects are sent and a fresh fetch is complete
        Assert.Equal(4, again.Transferred);
        ClearCache();
        var fetched = await Transfer().FetchAsync(Outs(), remote, 4, null, Ct);
        fetched.ThrowIfIncomplete();
        Assert.Equal(11, fetched.Transferred);
    }

    [Fact]
    public async Task Push_DirectoryWithAFileMissingFromCache_HoldsBackItsManifest()
    {
        // Given a tracked directory one of whose file objects is gone from the cache
        ConfigureRemote();
        var dirOid = TrackedData.TrackDirectory(Repo, "data/partial", Files(4, 8));
        var gone = Repo.Cache.ReadManifest(dirOid).Entries[0].Oid;
        Repo.Cache.Delete(gone);
        using var remote = Remotes.Open(null);

        // When it is pushed
        var result = await Transfer().PushAsync(Outs(), remote, 2, null, Ct);

        // Then the other files are sent but not the manifest: the remote never names files it lacks
        Assert.Equal(3, result.Transferred);
        Assert.False(await remote.ExistsAsync(dirOid, Ct));
        var ex = Assert.Throws<GitMlException>(result.ThrowIfIncomplete);
        Assert.Equal(ExitCode.NotFound, ex.ExitCode);
    }

    [Fact]
    public async Task GcCloud_WorkspaceScope_RemovesOnlyUnreferencedObjects()
    {
        // Given two pushed files, one of which is no longer tracked
        ConfigureRemote();
        var kept = TrackedData.TrackFile(Repo, "keep.bin", TrackedData.Bytes(2000, 9));
        var dropped = TrackedData.TrackFile(Repo, "drop.bin", TrackedData.Bytes(3000, 10));
        var dirOid = TrackedData.TrackDirectory(Repo, "dir", Files(3, 11));
        using var remote = Remotes.Open(null);
        await Transfer().PushAsync(Outs(), remote, 2, null, Ct);
        File.Delete(Path.Combine(Repo.WorkDir, "drop.bin.gitml"));
        ClearCache();
        var gc = new GcService(Repo.Cache);

        // When gc --cloud runs, first as a dry run
        var dry = await gc.CollectRemoteAsync(Outs(), remote, 2, dryRun: true, Ct);
        var real = await gc.CollectRemoteAsync(Outs(), remote, 2, dryRun: false, Ct);

        // Then the dry run lists the dropped object and its bytes and deletes nothing; the real run deletes only it
        Assert.Equal([dropped], dry.Removed.Select(r => r.Oid));
        Assert.Equal(3000, dry.BytesRemoved);
        Assert.Equal([dropped], real.Removed.Select(r => r.Oid));
        Assert.False(await remote.ExistsAsync(dropped, Ct));
        Assert.True(await remote.ExistsAsync(kept, Ct));
        Assert.True(await remote.ExistsAsync(dirOid, Ct));
        Assert.Equal(5, real.Kept);
    }

    [Fact]
    public async Task GcCloud_UnreferencedObjectPushedJustNow_IsKeptWithinTheGracePeriod()
    {
        // Given an object another clone pushed a moment ago for a commit this clone cannot see (here: untracked after push)
        ConfigureRemote();
        var kept = TrackedData.TrackFile(Repo, "keep.bin", TrackedData.Bytes(2000, 31));
        var young = TrackedData.TrackFile(Repo, "young.bin", TrackedData.Bytes(3000, 32));
        using var remote = Remotes.Open(null);
        await Transfer().PushAsync(Outs(), remote, 2, null, Ct);
        File.Delete(Path.Combine(Repo.WorkDir, "young.bin.gitml"));
        var gc = new GcService(Repo.Cache);

        // When gc --cloud runs with a one-hour grace period, then with none
        var graced = await gc.CollectRemoteAsync(Outs(), remote, 2, dryRun: false, Ct, keepRecent: TimeSpan.FromHours(1));
        var youngSurvived = await remote.ExistsAsync(young, Ct);
        var listed = (await remote.ListAllAsync(Ct)).Single(o => o.Oid == young);
        var ungraced = await gc.CollectRemoteAsync(Outs(), remote, 2, dryRun: false, Ct, keepRecent: TimeSpan.Zero);

        // Then the listing dates the object, the graced run keeps and counts it, and only the run without grace removes it
        Assert.NotNull(listed.Modified);
        Assert.InRange(listed.Modified!.Value, DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddMinutes(10));
        Assert.Empty(graced.Removed);
        Assert.Equal(1, graced.KeptRecent);
        Assert.Equal(2, graced.Kept);
        Assert.True(youngSurvived);
        Assert.Equal([young], ungraced.Removed.Select(r => r.Oid));
        Assert.False(await remote.ExistsAsync(young, Ct));
        Assert.True(await remote.ExistsAsync(kept, Ct));
    }

    [Fact]
    public async Task GcCloud_OldObjectsARecentPushFoundPresent_AreKeptByItsReceiptUntilItAges()
    {
        // Given a file and a folder pushed long enough ago to be older than the grace period (3 s here), pushed
        // again by "another clone" (it finds them present, skips them and leaves a receipt), and then no longer
        // referenced by anything this clone can see
        ConfigureRemote();
        var grace = TimeSpan.FromSeconds(3);
        var file = TrackedData.TrackFile(Repo, "old.bin", TrackedData.Bytes(2000, 41));
        var dir = TrackedData.TrackDirectory(Repo, "set", Files(2, 42));
        using var remote = Remotes.Open(null);
        await Transfer().PushAsync(Outs(), remote, 2, null, Ct);
        var receiptsAfterFreshPush = await remote.ListPushReceiptsAsync(Ct);
        await Task.Delay(grace + TimeSpan.FromMilliseconds(700), Ct);
        var again = await Transfer().PushAsync(Outs(), remote, 2, null, Ct);
        var receipts = await remote.ListPushReceiptsAsync(Ct);
        var receiptBytes = receipts.Count == 1 ? await remote.GetPushReceiptAsync(receipts[0].Oid, Ct) : null;
        File.Delete(Path.Combine(Repo.WorkDir, "old.bin.gitml"));
        File.Delete(Path.Combine(Repo.WorkDir, "set.gitml"));
        var gc = new GcService(Repo.Cache);

        // When gc --cloud runs with that grace period, then with none
        var listed = await remote.ListAllAsync(Ct);
        var graced = await gc.CollectRemoteAsync(Outs(), remote, 2, dryRun: false, Ct, keepRecent: grace);
        var receiptsAfterGraced = await remote.ListPushReceiptsAsync(Ct);
        var ungraced = await gc.CollectRemoteAsync(Outs(), remote, 2, dryRun: false, Ct, keepRecent: TimeSpan.Zero);

        // Then the first push, which skipped nothing, left no receipt; the second left one covering both roots;
        // the objects' own times are past the grace period, yet the graced run keeps all four (file, manifest, two
        // files) and the receipt; the run without grace removes them and the receipt
        Assert.Empty(receiptsAfterFreshPush);
        Assert.Equal(0, again.Transferred);
        Assert.Single(receipts);
        Assert.NotNull(receiptBytes);
        Assert.Equal(new[] { dir, file }.Order(StringComparer.Ordinal), PushReceipt.TryParse(receiptBytes)!.Roots);
        Assert.All(listed, o => Assert.True(o.Modified < DateTimeOffset.UtcNow - grace, $"{o.Oid} is younger than the grace period"));
        Assert.Empty(graced.Removed);
        Assert.Equal(4, graced.KeptRecent);
        Assert.Equal(0, graced.ReceiptsRemoved);
        Assert.Single(receiptsAfterGraced);
        Assert.Equal(4, ungraced.Removed.Count);
        Assert.Equal(1, ungraced.ReceiptsRemoved);
        Assert.Empty(await remote.ListPushReceiptsAsync(Ct));
        Assert.False(await remote.ExistsAsync(file, Ct));
    }

    [Fact]
    public async Task Push_NewFolderVersionReusingPresentFiles_LeavesAReceiptForThatFolderOnly()
    {
        // Given a folder pushed with two files, then a new version of it with a third file added, and a new file
        ConfigureRemote();
        var v1Files = Files(2, 71);
        TrackedData.TrackDirectory(Repo, "set", v1Files);
        using var remote = Remotes.Open(null);
        await Transfer().PushAsync(Outs(), remote, 2, null, Ct);
        var v2 = TrackedData.TrackDirectory(Repo, "set", new Dictionary<string, byte[]>(v1Files) { ["extra.bin"] = TrackedData.Bytes(700, 72) });
        TrackedData.TrackFile(Repo, "fresh.bin", TrackedData.Bytes(800, 73));

        // When the new version is pushed (two files skipped as present; the third file, the manifest and fresh.bin sent)
        var pushed = await Transfer().PushAsync(Outs(), remote, 2, null, Ct);
        var receipts = await remote.ListPushReceiptsAsync(Ct);

        // Then one receipt vouches for the new folder version, whose old files kept their old times, and not for
        // the file that was all sent now
        Assert.Equal(3, pushed.Transferred);
        var receipt = Assert.Single(receipts);
        Assert.Equal([v2], PushReceipt.TryParse((await remote.GetPushReceiptAsync(receipt.Oid, Ct))!)!.Roots);
    }

    [Fact]
    public async Task FsckCloud_ReportsCorruptAndMissingObjects()
    {
        // Given three pushed files, one damaged on the remote and one deleted from it
        ConfigureRemote();
        var ok = TrackedData.TrackFile(Repo, "ok.bin", TrackedData.Bytes(1000, 12));
        var bad = TrackedData.TrackFile(Repo, "bad.bin", TrackedData.Bytes(1000, 13));
        var gone = TrackedData.TrackFile(Repo, "gone.bin", TrackedData.Bytes(1000, 14));
        using var remote = Remotes.Open(null);
        await Transfer().PushAsync(Outs(), remote, 2, null, Ct);
        CorruptRemoteObject(bad);
        DeleteRemoteObject(gone);

        // When fsck --cloud runs
        var result = await new FsckService(Repo.Cache).CheckRemoteAsync(Outs(), remote, 2, null, Ct);

        // Then it re-hashed both remaining objects and names the corrupt and the missing one
        Assert.Equal(2, result.Checked);
        Assert.Equal([bad], result.Corrupt);
        Assert.Equal([gone], result.Missing);
        Assert.Equal(ExitCode.Corrupted, Assert.Throws<GitMlException>(result.ThrowIfProblems).ExitCode);
        Assert.DoesNotContain(ok, result.Corrupt);
    }

    [Fact]
    public async Task StatusCloud_ReportsPerPathState()
    {
        // Given one pushed file, one file only in the cache, and one only on the remote
        ConfigureRemote();
        TrackedData.TrackFile(Repo, "synced.bin", TrackedData.Bytes(100, 15));
        var remoteOnly = TrackedData.TrackFile(Repo, "remote-only.bin", TrackedData.Bytes(100, 16));
        using var remote = Remotes.Open(null);
        await Transfer().PushAsync(Outs(), remote, 2, null, Ct);
        Repo.Cache.Delete(remoteOnly);
        TrackedData.TrackFile(Repo, "local-only.bin", TrackedData.Bytes(100, 17));

        // When status --cloud compares them
        var rows = await new CloudStatusService(Repo.Cache).CompareAsync(Outs(), remote, 2, Ct);

        // Then each path has its own state
        var states = rows.ToDictionary(r => r.Path, r => r.State);
        Assert.Equal("in sync", states["synced.bin"]);
        Assert.Equal("missing locally", states["remote-only.bin"]);
        Assert.Equal("missing on remote", states["local-only.bin"]);
    }

    public void Dispose()
    {
        Repo.Dispose();
        _git.Dispose();
        GC.SuppressFinalize(this);
    }

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected TransferService Transfer() => new(Repo.Cache);

    protected IReadOnlyList<TrackedOut> Outs() => new RevisionScope().Collect(Repo);

    protected void ClearCache() => TempDir.Delete(Repo.Cache.Root);

    protected static Dictionary<string, byte[]> Files(int count, int seed) =>
        Enumerable.Range(0, count).ToDictionary(i => $"f{i:D3}.bin", i => TrackedData.Bytes(1000 + i, seed * 1000 + i));
}
