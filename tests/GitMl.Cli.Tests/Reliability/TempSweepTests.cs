using GitMl.Testing;

namespace GitMl.Cli.Tests.Reliability;

public sealed class TempSweepTests
{
    [Fact]
    public void WritingCommand_AfterAKilledRun_RemovesItsTempFilesButKeepsYoungCacheTemps()
    {
        // Given a repository where a killed run left its lock-holder note and temp files beside gitml.lock, a pointer
        // file and in .gitml/tmp
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.Write("data/a.csv", "a,b\n1,2\n");
        CliRunner.Ok(repo.Root, "add", "data/a.csv");
        var lockTemp = repo.Write(".gitml.lock.0123456789ab.tmp", "half a lock");
        var pointerTemp = repo.Write("data/.a.csv.gitml.abcdef012345.tmp", "half a pointer");
        var oldObject = repo.Write(".gitml/tmp/obj-00000000000000000000000000000000.tmp", "abandoned download");
        File.SetLastWriteTimeUtc(oldObject, DateTime.UtcNow.AddHours(-1));
        var liveObject = repo.Write(".gitml/tmp/obj-11111111111111111111111111111111.tmp", "download in progress");
        var userFile = repo.Write("data/.notes.tmp", "the user's own file");
        repo.Write(".gitml/tmp/lock.holder", "pid 999999 ('git ml add') since 2026-01-01T00:00:00Z\n");

        // When the next writing command takes the repository lock
        var r = CliRunner.Run(repo.Root, "commit");

        // Then the abandoned temp files are gone, with a note, and everything else is kept
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("removed 3 temp file(s) left by an interrupted git ml run", r.StdErr);
        Assert.False(File.Exists(lockTemp));
        Assert.False(File.Exists(pointerTemp));
        Assert.False(File.Exists(oldObject));
        Assert.True(File.Exists(liveObject));
        Assert.True(File.Exists(userFile));
    }
}
