using GitMl.Core;
using GitMl.Core.Hashing;
using GitMl.Testing;

namespace GitMl.Cli.Tests.Reliability;

/// <summary>
/// Flipped bytes in cache objects, remote objects, manifests and the state database: every reading command detects
/// them, never writes bad bytes into the workspace, fsck lists them, and pulling a good copy repairs them.
/// </summary>
public sealed class CorruptionTests : IDisposable
{
    private readonly TempGitRepo _repo = TempGitRepo.Create();
    private readonly string _remote = TempDir.Create("corrupt-remote");
    private readonly byte[] _bytes = TrackedData.Bytes(300_000, 42);

    public CorruptionTests()
    {
        CliRunner.Ok(_repo.Root, "init");
        CliRunner.Ok(_repo.Root, "remote", "add", "-d", "storage", _remote);
    }

    [Fact]
    public void Checkout_FlippedByteInCachedObject_FailsWithoutWritingBadBytesAndFsckListsIt()
    {
        // Given a tracked, pushed file whose workspace copy is gone and whose cached object has one flipped byte
        var oid = TrackAndPush("data/train.csv");
        File.Delete(_repo.PathOf("data/train.csv"));
        FlipByte(CachePath(oid), 1234);

        // When checking it out
        var checkout = CliRunner.Run(_repo.Root, "checkout");

        // Then the command fails as corrupted and the workspace never receives the bad bytes
        Assert.Equal((int)ExitCode.Corrupted, checkout.ExitCode);
        Assert.StartsWith("error: ", checkout.StdErr);
        Assert.False(File.Exists(_repo.PathOf("data/train.csv")) && !File.ReadAllBytes(_repo.PathOf("data/train.csv")).SequenceEqual(_bytes));

        // And fsck names the object
        var fsck = CliRunner.Run(_repo.Root, "fsck");
        Assert.NotEqual(0, fsck.ExitCode);
        Assert.Contains(oid, fsck.StdOut + fsck.StdErr);
    }

    [Fact]
    public void Pull_AfterCacheObjectCorrupted_RepairsFromRemoteAndChecksOutGoodBytes()
    {
        // Given a pushed file whose cached object is corrupted and whose workspace copy is gone
        var oid = TrackAndPush("data/train.csv");
        File.Delete(_repo.PathOf("data/train.csv"));
        FlipByte(CachePath(oid), 99);

        // When pulling a good copy from the remote
        var pull = CliRunner.Run(_repo.Root, "pull");

        // Then the cache is repaired, the workspace has the right bytes, and fsck is clean
        Assert.True(pull.ExitCode == 0, pull.StdErr);
        Assert.Equal(_bytes, File.ReadAllBytes(_repo.PathOf("data/train.csv")));
        Assert.Equal(oid, Blake3Hasher.HashFile(CachePath(oid)));
        CliRunner.Ok(_repo.Root, "fsck");
    }

    [Fact]
    public void Pull_FlippedByteInRemoteObject_FailsAndNeitherCacheNorWorkspaceGetsBadBytes()
    {
        // Given a pushed file, corrupted on the remote, and a clone state with nothing cached and no workspace copy
        var oid = TrackAndPush("data/train.csv");
        FlipByte(Path.Combine(_remote, Oid.StoragePath(oid)), 5);
        TempDir.Delete(_repo.PathOf(".gitml/cache"));
        File.Delete(_repo.PathOf("data/train.csv"));

        // When pulling
        var pull = CliRunner.Run(_repo.Root, "pull");

        // Then the transfer is refused as corrupted, nothing bad lands in the cache or the workspace
        Assert.NotEqual(0, pull.ExitCode);
        Assert.Contains("error: ", pull.StdErr);
        Assert.False(File.Exists(CachePath(oid)) && Blake3Hasher.HashFile(CachePath(oid)) != oid);
        Assert.False(File.Exists(_repo.PathOf("data/train.csv")));

        // And fsck --cloud lists the remote object
        var fsck = CliRunner.Run(_repo.Root, "fsck", "--cloud");
        Assert.NotEqual(0, fsck.ExitCode);
        Assert.Contains(oid, fsck.StdOut + fsck.StdErr);
    }

    [Fact]
    public void Checkout_FlippedByteInManifest_FailsAndFsckListsTheManifest()
    {
        // Given a tracked directory whose manifest object in the cache has a flipped byte, and the folder removed
        string dirOid;
        using (var repo = GitMlRepository.Open(_repo.Root))
        {
            dirOid = TrackedData.TrackDirectory(repo, "data/images", Enumerable.Range(0, 5).ToDictionary(i => $"img{i}.png", i => TrackedData.Bytes(1000 + i, i)));
        }

        _repo.CommitAll("track images");
        TempDir.Delete(_repo.PathOf("data/images"));
        FlipByte(CachePath(dirOid), 20);

        // When checking out
        var checkout = CliRunner.Run(_repo.Root, "checkout");

        // Then it fails as corrupted (no folder of wrong files appears) and fsck lists the manifest
        Assert.Equal((int)ExitCode.Corrupted, checkout.ExitCode);
        Assert.True(!Directory.Exists(_repo.PathOf("data/images")) || Directory.GetFiles(_repo.PathOf("data/images")).Length == 0);
        var fsck = CliRunner.Run(_repo.Root, "fsck");
        Assert.Contains(dirOid, fsck.StdOut + fsck.StdErr);
    }

    [Fact]
    public void StatusAndAdd_StateDbWithFlippedBytes_NeverRecordAWrongOid()
    {
        // Given a tracked file, a state database that remembers it, and a flipped byte inside that entry's digest
        TrackWithAdd("data/train.csv");
        var pointerBefore = File.ReadAllText(_repo.PathOf("data/train.csv.gitml"));
        var state = _repo.PathOf(".gitml/tmp/state");
        Assert.True(File.Exists(state));
        FlipByte(state, new FileInfo(state).Length - 5);

        // When asking for status and adding the unchanged file again
        var status = CliRunner.Run(_repo.Root, "status");
        var add = CliRunner.Run(_repo.Root, "add", "data/train.csv");

        // Then the file is reported unchanged and its pointer still names the true oid
        Assert.True(status.ExitCode == 0, status.StdErr);
        Assert.DoesNotContain("modified", status.StdOut);
        Assert.True(add.ExitCode == 0, add.StdErr);
        Assert.Equal(pointerBefore, File.ReadAllText(_repo.PathOf("data/train.csv.gitml")));
        CliRunner.Ok(_repo.Root, "fsck");
    }

    [Fact]
    public void Status_StateDbReplacedWithGarbage_StillWorks()
    {
        // Given a tracked file and a state database overwritten with random bytes
        TrackWithAdd("data/train.csv");
        File.WriteAllBytes(_repo.PathOf(".gitml/tmp/state"), TrackedData.Bytes(5000, 7));

        // When asking for status
        var status = CliRunner.Run(_repo.Root, "status");

        // Then it succeeds (rehashing) and reports nothing modified
        Assert.True(status.ExitCode == 0, status.StdErr);
        Assert.DoesNotContain("modified", status.StdOut);
    }

    public void Dispose()
    {
        _repo.Dispose();
        TempDir.Delete(_remote);
    }

    private string TrackAndPush(string rel)
    {
        var oid = TrackWithAdd(rel);
        CliRunner.Ok(_repo.Root, "push");
        return oid;
    }

    private string TrackWithAdd(string rel)
    {
        _repo.WriteBytes(rel, _bytes);

        // An mtime in the past makes the state database keep the entry (recent ones are "racy" and left out).
        File.SetLastWriteTimeUtc(_repo.PathOf(rel), DateTime.UtcNow.AddHours(-1));
        CliRunner.Ok(_repo.Root, "add", rel);
        _repo.CommitAll("track " + rel);
        return Blake3Hasher.Hash(_bytes);
    }

    private string CachePath(string oid) => _repo.PathOf(".gitml/cache/" + Oid.StoragePath(oid));

    private static void FlipByte(string path, long offset)
    {
        // Cached objects are read-only by design; corruption does not care.
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        fs.Position = offset;
        var b = fs.ReadByte();
        fs.Position = offset;
        fs.WriteByte((byte)(b ^ 0x40));
    }
}
