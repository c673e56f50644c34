using System.Text.Json;
using GitMl.Core;
using GitMl.Core.Hashing;
using GitMl.Testing;

namespace GitMl.Cli.Tests.Remotes;

/// <summary>Data travels through a directory remote from one clone to another, with the real CLI and real git.</summary>
public sealed class TwoCloneTests : IDisposable
{
    private readonly TempGitRepo _a = TempGitRepo.Create();
    private readonly string _remote = TempDir.Create("shared-remote");
    private readonly string _b = Path.Combine(TempDir.Create("clone-b"), "b");

    [Fact]
    public void PushFromA_PullInFreshCloneB_GivesIdenticalBytes()
    {
        // Given clone A tracking a file and a directory, committed, with a directory remote, pushed
        CliRunner.Ok(_a.Root, "init");
        CliRunner.Ok(_a.Root, "remote", "add", "-d", "storage", _remote);
        using (var repo = GitMlRepository.Open(_a.Root))
        {
            TrackedData.TrackFile(repo, "data/train.csv", TrackedData.Bytes(250_000, 1));
            TrackedData.TrackDirectory(repo, "data/images", Enumerable.Range(0, 20).ToDictionary(i => $"img{i:D2}.png", i => TrackedData.Bytes(5_000 + i, 100 + i)));
        }

        _a.CommitAll("track data");
        var push = JsonDocument.Parse(CliRunner.Ok(_a.Root, "push", "--json")).RootElement;
        Assert.Equal(22, push.GetProperty("transferred").GetInt32());

        // When a fresh git clone B pulls
        ProcessRunner.Run("git", ["clone", "-q", _a.Root, _b], Path.GetDirectoryName(_b)!);
        var pull = CliRunner.Ok(_b, "pull");

        // Then B's workspace holds byte-identical files
        Assert.Contains("wrote 21 file(s)", pull);
        Assert.Equal(File.ReadAllBytes(_a.PathOf("data/train.csv")), File.ReadAllBytes(Path.Combine(_b, "data/train.csv")));
        foreach (var f in Directory.GetFiles(_a.PathOf("data/images")))
        {
            Assert.Equal(File.ReadAllBytes(f), File.ReadAllBytes(Path.Combine(_b, "data/images", Path.GetFileName(f))));
        }

        // And B's cache is clean and complete
        CliRunner.Ok(_b, "fsck");
    }

    [Fact]
    public void Pull_DoesNotOverwriteALocallyModifiedFile()
    {
        // Given a pushed file and a clone where the user already changed that file
        CliRunner.Ok(_a.Root, "init");
        CliRunner.Ok(_a.Root, "remote", "add", "-d", "storage", _remote);
        using (var repo = GitMlRepository.Open(_a.Root))
        {
            TrackedData.TrackFile(repo, "model.bin", TrackedData.Bytes(10_000, 2));
        }

        _a.CommitAll("track");
        CliRunner.Ok(_a.Root, "push");
        ProcessRunner.Run("git", ["clone", "-q", _a.Root, _b], Path.GetDirectoryName(_b)!);
        File.WriteAllText(Path.Combine(_b, "model.bin"), "my local edit");

        // When pulling
        var r = CliRunner.Run(_b, "pull");

        // Then the edit survives and a warning says so
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("my local edit", File.ReadAllText(Path.Combine(_b, "model.bin")));
        Assert.Contains("kept your changes to 'model.bin'", r.StdErr);
    }

    [Fact]
    public void PushAllCommits_SendsDataOnlyAnOldCommitReferences()
    {
        // Given v1 of a file committed, then replaced by v2 in the workspace and committed again
        CliRunner.Ok(_a.Root, "init");
        CliRunner.Ok(_a.Root, "remote", "add", "-d", "storage", _remote);
        string v1;
        using (var repo = GitMlRepository.Open(_a.Root))
        {
            v1 = TrackedData.TrackFile(repo, "m.bin", TrackedData.Bytes(1000, 3));
            _a.CommitAll("v1");
            File.SetAttributes(_a.PathOf("m.bin"), FileAttributes.Normal);
            File.Delete(_a.PathOf(".gitignore"));
            TrackedData.TrackFile(repo, "m.bin", TrackedData.Bytes(1000, 4));
            _a.CommitAll("v2");
        }

        // When pushing the workspace, then all commits
        var ws = JsonDocument.Parse(CliRunner.Ok(_a.Root, "push", "--json")).RootElement;
        var all = JsonDocument.Parse(CliRunner.Ok(_a.Root, "push", "--all-commits", "--json")).RootElement;

        // Then only --all-commits sends v1
        Assert.Equal(1, ws.GetProperty("transferred").GetInt32());
        Assert.Equal(1, all.GetProperty("transferred").GetInt32());
        Assert.True(File.Exists(Path.Combine(_remote, "b3", v1[..2], v1[2..])));
    }

    [Fact]
    public void GcDryRun_ListsUnusedObjectsAndBytes_ThenGcRemovesThem()
    {
        // Given a cache with one tracked object and one no pointer uses any more
        CliRunner.Ok(_a.Root, "init");
        string dropped;
        using (var repo = GitMlRepository.Open(_a.Root))
        {
            TrackedData.TrackFile(repo, "keep.bin", TrackedData.Bytes(100, 5));
            dropped = TrackedData.TrackFile(repo, "drop.bin", TrackedData.Bytes(2048, 6));
        }

        File.Delete(_a.PathOf("drop.bin.gitml"));

        // When gc runs as a dry run, then for real
        var dry = CliRunner.Ok(_a.Root, "gc", "--dry-run");
        Assert.True(File.Exists(Path.Combine(_a.Root, ".gitml/cache/b3", dropped[..2], dropped[2..])));
        var real = JsonDocument.Parse(CliRunner.Ok(_a.Root, "gc", "--json")).RootElement;

        // Then the dry run named the object and its size, and gc removed exactly it
        Assert.Contains($"would remove {dropped} (2.0 KiB)", dry);
        Assert.Equal(dropped, real.GetProperty("removed")[0].GetProperty("oid").GetString());
        Assert.Equal(2048, real.GetProperty("bytes_removed").GetInt64());
        Assert.Equal(1, real.GetProperty("kept").GetInt32());
        Assert.False(File.Exists(Path.Combine(_a.Root, ".gitml/cache/b3", dropped[..2], dropped[2..])));
    }

    [Fact]
    public void GcCloud_ObjectPushedJustNow_IsKeptUntilKeepRecentZero()
    {
        // Given a pushed object that no pointer uses any more (as if another clone pushed it for an unseen commit)
        CliRunner.Ok(_a.Root, "init");
        CliRunner.Ok(_a.Root, "remote", "add", "-d", "storage", _remote);
        string young;
        using (var repo = GitMlRepository.Open(_a.Root))
        {
            TrackedData.TrackFile(repo, "keep.bin", TrackedData.Bytes(100, 21));
            young = TrackedData.TrackFile(repo, "young.bin", TrackedData.Bytes(4096, 22));
        }

        CliRunner.Ok(_a.Root, "push");
        File.Delete(_a.PathOf("young.bin.gitml"));
        var onRemote = Path.Combine(_remote, "b3", young[..2], young[2..]);

        // When gc --cloud runs with the default grace period, then with --keep-recent 0, then with a bad duration
        var graced = CliRunner.Ok(_a.Root, "gc", "--cloud", "-w");
        var survived = File.Exists(onRemote);
        var json = JsonDocument.Parse(CliRunner.Ok(_a.Root, "gc", "--cloud", "-w", "--keep-recent", "0", "--json")).RootElement;
        var bad = CliRunner.Run(_a.Root, "gc", "--cloud", "-w", "--keep-recent", "soon");

        // Then the first run keeps the young object and says why; the second removes it; the bad value is a usage error
        Assert.True(survived);
        Assert.Contains("removed 0 object(s)", graced);
        Assert.Contains("kept 1 unused object(s) written or pushed within the last 1h (--keep-recent)", graced);
        Assert.Equal(young, json.GetProperty("removed")[0].GetProperty("oid").GetString());
        Assert.Equal(0, json.GetProperty("kept_recent").GetInt32());
        Assert.False(File.Exists(onRemote));
        Assert.Equal(2, bad.ExitCode);
        Assert.StartsWith("error: --keep-recent: 'soon' is not a duration", bad.StdErr);
    }

    [Fact]
    public void GcCloud_OldObjectCloneBUsesAgain_IsKeptByBsPushReceiptUntilTheReceiptAges()
    {
        // Given clone A that pushed v1 of a file, then replaced it with v2 (so A's workspace no longer uses v1's
        // object), with every remote object two days old; and clone B that checked out the v1 commit on a branch A
        // never sees, pulled, and pushed: v1's object was already there, so B's push sent nothing and left a receipt
        CliRunner.Ok(_a.Root, "init");
        CliRunner.Ok(_a.Root, "remote", "add", "-d", "storage", _remote);
        _a.CommitAll("init");
        _a.WriteBytes("model.bin", TrackedData.Bytes(4096, 51));
        CliRunner.Ok(_a.Root, "add", "model.bin");
        _a.CommitAll("v1");
        CliRunner.Ok(_a.Root, "push");
        var v1 = Directory.GetFiles(Path.Combine(_remote, "b3"), "*", SearchOption.AllDirectories).Single();
        _a.WriteBytes("model.bin", TrackedData.Bytes(4096, 52));
        CliRunner.Ok(_a.Root, "add", "model.bin");
        _a.CommitAll("v2");
        CliRunner.Ok(_a.Root, "push");
        foreach (var f in Directory.GetFiles(Path.Combine(_remote, "b3"), "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(f, DateTime.UtcNow.AddDays(-2));
        }

        ProcessRunner.Run("git", ["clone", "-q", _a.Root, _b], Path.GetDirectoryName(_b)!);
        ProcessRunner.Run("git", ["checkout", "-q", "-b", "back-to-v1", "HEAD~1"], _b);
        CliRunner.Ok(_b, "pull");
        var bPush = JsonDocument.Parse(CliRunner.Ok(_b, "push", "--json")).RootElement;
        var receipts = Directory.GetFiles(Path.Combine(_remote, "pushes"), "*", SearchOption.AllDirectories);

        // When A runs gc --cloud with the default grace period; then again after B's receipt has aged
        var graced = CliRunner.Ok(_a.Root, "gc", "--cloud", "-w");
        var v1Survived = File.Exists(v1);
        File.SetLastWriteTimeUtc(receipts.Single(), DateTime.UtcNow.AddHours(-2));
        var aged = JsonDocument.Parse(CliRunner.Ok(_a.Root, "gc", "--cloud", "-w", "--json")).RootElement;

        // Then B's push sent nothing and wrote one receipt; the first gc keeps v1 although its own time is old, and
        // says why; once the receipt is older than the grace period, gc removes v1 and the receipt
        Assert.Equal(0, bPush.GetProperty("transferred").GetInt32());
        Assert.Single(receipts);
        Assert.True(v1Survived);
        Assert.Contains("removed 0 object(s)", graced);
        Assert.Contains("kept 1 unused object(s) written or pushed within the last 1h (--keep-recent)", graced);
        Assert.Equal(1, aged.GetProperty("removed").GetArrayLength());
        Assert.Equal(1, aged.GetProperty("receipts_removed").GetInt32());
        Assert.False(File.Exists(v1));
        Assert.Empty(Directory.GetFiles(Path.Combine(_remote, "pushes"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void DiffFetch_InACloneWithoutTheManifests_DownloadsOnlyThemAndListsFiles()
    {
        // Given clone A with two pushed versions of a folder, and a fresh clone B with an empty cache
        CliRunner.Ok(_a.Root, "init");
        CliRunner.Ok(_a.Root, "remote", "add", "-d", "storage", _remote);
        _a.Write("data/a.txt", "a\n");
        _a.Write("data/b.txt", "b\n");
        CliRunner.Ok(_a.Root, "add", "data");
        _a.CommitAll("v1");
        _a.Write("data/b.txt", "b, edited\n");
        _a.Write("data/c.txt", "c\n");
        CliRunner.Ok(_a.Root, "add", "data");
        _a.CommitAll("v2");
        CliRunner.Ok(_a.Root, "push", "--all-commits");
        ProcessRunner.Run("git", ["clone", "-q", _a.Root, _b], Path.GetDirectoryName(_b)!);

        // When B diffs the two commits, first offline, then with --fetch
        var offline = CliRunner.Run(_b, "diff", "HEAD~1", "HEAD");
        var fetched = CliRunner.Run(_b, "diff", "HEAD~1", "HEAD", "--fetch");

        // Then offline it can only compare the folder as a whole and says so; with --fetch it lists the files,
        // having downloaded the two manifests and nothing else
        Assert.Contains("Modified:\n    data/\n", offline.StdOut.Replace("\r\n", "\n"));
        Assert.Contains("note: the manifest of data/ is not in the cache", offline.StdErr);
        Assert.Equal(0, fetched.ExitCode);
        Assert.Equal("Added:\n    data/c.txt\n\nModified:\n    data/\n    data/b.txt\n\nfiles summary: 1 added, 0 deleted, 0 renamed, 1 modified\n", fetched.StdOut.Replace("\r\n", "\n"));
        Assert.Equal(string.Empty, fetched.StdErr);
        var cached = Directory.GetFiles(Path.Combine(_b, ".gitml", "cache", "b3"), "*", SearchOption.AllDirectories);
        Assert.Equal(2, cached.Length);
        Assert.All(cached, f => Assert.EndsWith(".dir", f));
    }

    [Fact]
    public void Fsck_CorruptedCacheObject_IsReportedWithCorruptedExitCode()
    {
        // Given a cached object whose bytes were damaged
        CliRunner.Ok(_a.Root, "init");
        string oid;
        using (var repo = GitMlRepository.Open(_a.Root))
        {
            oid = TrackedData.TrackFile(repo, "x.bin", TrackedData.Bytes(4096, 7));
            var path = repo.Cache.PathOf(oid);
            File.SetAttributes(path, FileAttributes.Normal);
            File.WriteAllText(path, "damaged");
        }

        // When fsck runs
        var r = CliRunner.Run(_a.Root, "fsck");

        // Then it names the object and exits 6
        Assert.Equal(6, r.ExitCode);
        Assert.Contains($"corrupt: {oid}", r.StdOut);
        Assert.StartsWith("error: 1 corrupted object(s) in cache", r.StdErr);
    }

    [Fact]
    public void StatusCloud_Json_ReportsMissingOnRemoteThenInSyncAfterPush()
    {
        // Given a tracked file not yet pushed
        CliRunner.Ok(_a.Root, "init");
        CliRunner.Ok(_a.Root, "remote", "add", "-d", "storage", _remote);
        using (var repo = GitMlRepository.Open(_a.Root))
        {
            TrackedData.TrackFile(repo, "data/a.bin", TrackedData.Bytes(100, 8));
        }

        // When status --cloud runs before and after a push
        var before = JsonDocument.Parse(CliRunner.Ok(_a.Root, "status", "--cloud", "--json")).RootElement;
        CliRunner.Ok(_a.Root, "push");
        var after = CliRunner.Ok(_a.Root, "status", "--cloud");

        // Then the path goes from missing on remote to in sync
        Assert.Equal("missing on remote", before.GetProperty("paths")[0].GetProperty("state").GetString());
        Assert.Equal("data/a.bin", before.GetProperty("paths")[0].GetProperty("path").GetString());
        Assert.Contains("in sync", after);
    }

    public void Dispose()
    {
        _a.Dispose();
        TempDir.Delete(_remote);
        TempDir.Delete(Path.GetDirectoryName(_b)!);
    }
}

/// <summary>Runs alone (the hash counters are process-wide): a clone's first status after a pull reads no data.</summary>
[Collection("hash counters")]
public sealed class TwoCloneStateTests : IDisposable
{
    private readonly TempGitRepo _a = TempGitRepo.Create();
    private readonly string _remote = TempDir.Create("shared-remote");
    private readonly string _b = Path.Combine(TempDir.Create("clone-b"), "b");

    [Theory]
    [InlineData("copy")]
    [InlineData("hardlink,copy")]
    public void PullInFreshClone_ThenStatus_RehashesNothingItJustPulled(string cacheType)
    {
        // Given clone A with a tracked file and directory, pushed to a directory remote, and a fresh git clone B
        CliRunner.Ok(_a.Root, "init");
        CliRunner.Ok(_a.Root, "remote", "add", "-d", "storage", _remote);
        using (var repo = GitMlRepository.Open(_a.Root))
        {
            TrackedData.TrackFile(repo, "data/train.csv", TrackedData.Bytes(300_000, 11));
            TrackedData.TrackDirectory(repo, "data/images", Enumerable.Range(0, 30).ToDictionary(i => $"img{i:D2}.png", i => TrackedData.Bytes(4_000 + i, 200 + i)));
        }

        _a.CommitAll("track data");
        CliRunner.Ok(_a.Root, "push");
        ProcessRunner.Run("git", ["clone", "-q", _a.Root, _b], Path.GetDirectoryName(_b)!);
        File.AppendAllText(Path.Combine(_b, ".gitml", "config.local"), $"[cache]\n\ttype = {cacheType}\n");

        // When B pulls, then asks for status right away
        CliRunner.Ok(_b, "pull");
        Blake3Hasher.ResetCounters();
        var status = CliRunner.Ok(_b, "status");

        // Then the status is clean and not one byte of the pulled data was read again
        Assert.Contains("Data is up to date", status);
        Assert.Equal(0, Blake3Hasher.BytesHashed);
    }

    public void Dispose()
    {
        _a.Dispose();
        TempDir.Delete(_remote);
        TempDir.Delete(Path.GetDirectoryName(_b)!);
    }
}
