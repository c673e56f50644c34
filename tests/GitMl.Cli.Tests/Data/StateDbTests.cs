using GitMl.Core.Hashing;
using GitMl.Testing;

namespace GitMl.Cli.Tests.Data;

[CollectionDefinition("hash counters", DisableParallelization = true)]
public sealed class HashCounterCollection
{
}

/// <summary>Uses the process-wide hash counters, so runs alone.</summary>
[Collection("hash counters")]
public class StateDbTests
{
    [Fact]
    public void AddAndStatus_SecondRunOnUnchangedData_ReadNoFileBytes()
    {
        // Given a file and a folder of 50 files, written a while ago (not "racy"), added once
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.WriteBytes("big.bin", new byte[300_000]);
        for (var i = 0; i < 50; i++)
        {
            repo.Write($"d/f{i}.txt", new string('x', 1000 + i));
        }

        var past = DateTime.UtcNow.AddMinutes(-5);
        foreach (var f in Directory.EnumerateFiles(repo.Root, "*", SearchOption.AllDirectories).Where(f => !f.Contains("/.git")))
        {
            File.SetLastWriteTimeUtc(f, past);
        }

        CliRunner.Ok(repo.Root, "add", "big.bin", "d");

        // When status, add and status --verbose run again on the unchanged data
        Blake3Hasher.ResetCounters();
        CliRunner.Ok(repo.Root, "status");
        CliRunner.Ok(repo.Root, "add", "big.bin", "d");
        var verbose = CliRunner.Run(repo.Root, "status", "--verbose");

        // Then not one byte of data was hashed, and --verbose says so
        Assert.Equal(0, Blake3Hasher.BytesHashed);
        Assert.Contains("debug: hashed 0 bytes", verbose.StdErr);

        // And after one file changes, only that file is read
        repo.Write("d/f7.txt", "changed");
        var after = CliRunner.Ok(repo.Root, "status");
        Assert.Equal("changed".Length, Blake3Hasher.BytesHashed);
        Assert.Contains("modified: d/f7.txt", after);
    }

    [Fact]
    public void Status_FreshlyWrittenFile_IsRehashedUntilItsMtimeIsSafelyPast()
    {
        // Given a file whose mtime is not safely before the state save (set ahead so a slow machine cannot age it)
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.Write("f.txt", "fresh");
        File.SetLastWriteTimeUtc(repo.PathOf("f.txt"), DateTime.UtcNow.AddSeconds(30));
        CliRunner.Ok(repo.Root, "add", "f.txt");

        // When status runs
        Blake3Hasher.ResetCounters();
        CliRunner.Ok(repo.Root, "status");

        // Then the file was read again rather than trusted (a same-tick rewrite could have kept its mtime)
        Assert.Equal("fresh".Length, Blake3Hasher.BytesHashed);
    }
}
