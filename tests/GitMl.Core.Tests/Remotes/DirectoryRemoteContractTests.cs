using GitMl.Core.Remotes;
using GitMl.Testing;

namespace GitMl.Core.Tests.Remotes;

/// <summary>The contract suite against a directory remote.</summary>
public sealed class DirectoryRemoteContractTests : RemoteContractTests
{
    private readonly string _remoteDir = TempDir.Create("dir-remote");

    protected override void ConfigureRemote() => Remotes.Add("storage", _remoteDir, makeDefault: true, local: false);

    protected override void CorruptRemoteObject(string oid)
    {
        var path = ObjectPath(oid);
        File.SetAttributes(path, FileAttributes.Normal);
        var bytes = File.ReadAllBytes(path);
        bytes[0] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
    }

    protected override void DeleteRemoteObject(string oid) => File.Delete(ObjectPath(oid));

    protected override void WriteRemoteObject(string oid, byte[] bytes)
    {
        var path = ObjectPath(oid);
        File.SetAttributes(path, FileAttributes.Normal);
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public async Task Push_TempFilesOfAKilledPush_AreSweptWhenStaleAndKeptWhenFresh()
    {
        // Given a directory remote holding, where the next push writes, the temp files of an upload killed two hours
        // ago and of one still running
        ConfigureRemote();
        var oid = TrackedData.TrackFile(Repo, "a.bin", TrackedData.Bytes(1000, 31));
        var prefixDir = Path.Combine(_remoteDir, "b3", oid[..2]);
        Directory.CreateDirectory(prefixDir);
        var stale = Path.Combine(prefixDir, ".cdef.0123456789ab.tmp");
        var fresh = Path.Combine(prefixDir, ".cdef.ba9876543210.tmp");
        File.WriteAllBytes(stale, new byte[100]);
        File.WriteAllBytes(fresh, new byte[100]);
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-2));
        using var remote = Remotes.Open(null);

        // When the next push runs
        var result = await Transfer().PushAsync(Outs(), remote, 2, null, Ct);

        // Then the stale temp file is gone, the running upload's is kept, and the push itself went through
        Assert.Equal(1, result.StaleSwept);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh));
        Assert.Equal(1, result.Transferred);
    }

    [Fact]
    public async Task GcCloud_TempFilesOfAKilledPush_AreSwept()
    {
        // Given a directory remote with a stale temp file beside a kept object
        ConfigureRemote();
        var kept = TrackedData.TrackFile(Repo, "a.bin", TrackedData.Bytes(1000, 32));
        using var remote = Remotes.Open(null);
        await Transfer().PushAsync(Outs(), remote, 2, null, Ct);
        var stale = Path.Combine(_remoteDir, "b3", kept[..2], "." + kept[2..] + ".0123456789ab.tmp");
        File.WriteAllBytes(stale, new byte[100]);
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-2));

        // When gc --cloud runs
        var result = await new GcService(Repo.Cache).CollectRemoteAsync(Outs(), remote, 2, dryRun: false, Ct);

        // Then the temp file is removed and the object is kept
        Assert.Equal(1, result.StaleSwept);
        Assert.False(File.Exists(stale));
        Assert.True(await remote.ExistsAsync(kept, Ct));
    }

    private string ObjectPath(string oid) => Path.Combine(_remoteDir, "b3", oid[..2], oid[2..]);
}
