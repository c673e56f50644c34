using GitMl.Testing;

namespace GitMl.Cli.Tests.Pipelines;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class RestoreCommandTests
{
    [Fact]
    public void Restore_CommitThreeBack_WritesItsGitFilesAndTrackedDataAndLeavesWorkspaceAlone()
    {
        // Given four commits, each changing code, tracked raw data, a param and so the stage outs
        using var repo = PipelineRepo.CreateTwoStage();
        repo.Write("src/train.sh", "#!/bin/sh\necho v0\n");
        File.SetUnixFileMode(repo.PathOf("src/train.sh"), (UnixFileMode)0b111_101_101);
        CliRunner.Ok(repo.Root, "repro");
        repo.CommitAll("run 0");
        var expected = Snapshot(repo);
        for (var i = 1; i <= 3; i++)
        {
            repo.Write("src/train.sh", $"#!/bin/sh\necho v{i}\n");
            repo.Write("data/raw.csv", $"x,y\n{i},{i * 2}\n");
            CliRunner.Ok(repo.Root, "add", "data/raw.csv");
            repo.Write("params.yaml", $"prepare:\n  scale: 2\ntrain:\n  lr: 0.{i}5\n  epochs: 3\n");
            CliRunner.Ok(repo.Root, "repro");
            repo.CommitAll($"run {i}");
        }

        var workspaceBefore = Snapshot(repo);
        var headBefore = repo.Git("rev-parse", "HEAD");
        var statusBefore = repo.Git("status", "--porcelain");
        var dest = TempDir.Create("restored");
        Directory.Delete(dest);
        try
        {
            // When HEAD~3 is restored into a new folder
            var output = CliRunner.Ok(repo.Root, "restore", "--rev", "HEAD~3", "--to", dest);

            // Then the folder holds exactly the files of that commit: Git files and tracked data, with modes
            Assert.Contains("Restored HEAD~3", output);
            Assert.Equal(expected, Snapshot(dest));
            Assert.True((File.GetUnixFileMode(Path.Combine(dest, "src/train.sh")) & UnixFileMode.UserExecute) != 0);

            // And the workspace, HEAD and index are untouched
            Assert.Equal(workspaceBefore, Snapshot(repo));
            Assert.Equal(headBefore, repo.Git("rev-parse", "HEAD"));
            Assert.Equal(statusBefore, repo.Git("status", "--porcelain"));
        }
        finally
        {
            TempDir.Delete(dest);
        }
    }

    [Fact]
    public void Restore_Targets_WritesOnlyThosePaths()
    {
        // Given a committed run
        using var repo = PipelineRepo.CreateTwoStage();
        CliRunner.Ok(repo.Root, "repro");
        repo.CommitAll("run");
        var dest = Path.Combine(TempDir.Create("restored"), "run");
        try
        {
            // When only the model and params are restored
            CliRunner.Ok(repo.Root, "restore", "--rev", "HEAD", "--to", dest, "model.bin", "params.yaml");

            // Then exactly those files are there
            var files = Directory.EnumerateFiles(dest, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dest, f)).Order().ToList();
            Assert.Equal(["model.bin", "params.yaml"], files);
            Assert.Equal(File.ReadAllText(repo.PathOf("model.bin")), File.ReadAllText(Path.Combine(dest, "model.bin")));
        }
        finally
        {
            TempDir.Delete(Path.GetDirectoryName(dest)!);
        }
    }

    [Fact]
    public void Restore_NonEmptyFolderWithoutForce_FailsAndWritesNothing()
    {
        // Given a committed run and a folder that holds a file
        using var repo = PipelineRepo.CreateTwoStage();
        CliRunner.Ok(repo.Root, "repro");
        repo.Write("notes.txt", "hello");
        repo.CommitAll("run");
        var dest = TempDir.Create("busy");
        File.WriteAllText(Path.Combine(dest, "mine.txt"), "keep me");
        try
        {
            // When restoring into it without --force
            var r = CliRunner.Run(repo.Root, "restore", "--rev", "HEAD", "--to", dest);

            // Then it is refused with a conflict and the folder is unchanged
            Assert.Equal(8, r.ExitCode);
            Assert.Contains("is not empty", r.StdErr);
            Assert.Equal(["mine.txt"], Directory.EnumerateFileSystemEntries(dest).Select(Path.GetFileName));

            // And with --force the restore goes in beside the existing file
            CliRunner.Ok(repo.Root, "restore", "--rev", "HEAD", "--to", dest, "--force");
            Assert.Equal("keep me", File.ReadAllText(Path.Combine(dest, "mine.txt")));
            Assert.Equal("hello", File.ReadAllText(Path.Combine(dest, "notes.txt")));
        }
        finally
        {
            TempDir.Delete(dest);
        }
    }

    [Fact]
    public void Restore_UnknownRev_FailsWithNotFound()
    {
        // Given a repository with one commit
        using var repo = PipelineRepo.CreateTwoStage();
        repo.CommitAll("start");

        // When restoring a rev that does not exist
        var r = CliRunner.Run(repo.Root, "restore", "--rev", "no-such-branch", "--to", Path.Combine(repo.Root, "..", "x-" + Guid.NewGuid().ToString("N")));

        // Then it fails naming the rev
        Assert.Equal(5, r.ExitCode);
        Assert.Contains("error: unknown revision 'no-such-branch'", r.StdErr);
    }

    [Fact]
    public void ReproVerify_DeterministicPipeline_ReportsEveryOutReproducible()
    {
        // Given a committed deterministic run
        using var repo = PipelineRepo.CreateTwoStage();
        CliRunner.Ok(repo.Root, "repro");
        repo.CommitAll("run");
        var lockBefore = File.ReadAllText(repo.PathOf("gitml.lock"));

        // When the commit is verified
        var output = CliRunner.Ok(repo.Root, "repro", "--rev", "HEAD", "--verify");

        // Then every out matches, and the workspace's stage counters show nothing ran here
        Assert.Contains("reproducible: data/prepared", output);
        Assert.Contains("reproducible: model.bin", output);
        Assert.Contains("HEAD is reproducible: all 3 outs match its gitml.lock.", output);
        Assert.Equal(1, PipelineRepo.Runs(repo, "train"));
        Assert.Equal(lockBefore, File.ReadAllText(repo.PathOf("gitml.lock")));
    }

    [Fact]
    public void ReproVerify_NonDeterministicStage_ReportsTheDifference()
    {
        // Given a committed run of a stage that writes random bytes
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        CliRunner.Ok(repo.Root, "stage", "add", "-n", "noisy", "-o", "noise.bin", "-o", "stable.txt", "--",
            "head -c 64 /dev/urandom > noise.bin && echo same > stable.txt");
        CliRunner.Ok(repo.Root, "repro");
        repo.CommitAll("noisy run");

        // When the commit is verified
        var r = CliRunner.Run(repo.Root, "repro", "--rev", "HEAD", "--verify", "--json");

        // Then the random out is reported as different, by bytes, and the command fails with the documented code
        Assert.Equal(13, r.ExitCode);
        var json = System.Text.Json.JsonDocument.Parse(r.StdOut).RootElement;
        Assert.False(json.GetProperty("reproducible").GetBoolean());
        var outs = json.GetProperty("outs").EnumerateArray().ToDictionary(o => o.GetProperty("path").GetString()!);
        Assert.True(outs["stable.txt"].GetProperty("reproducible").GetBoolean());
        Assert.False(outs["noise.bin"].GetProperty("reproducible").GetBoolean());
        Assert.Matches(@"^differs in \d+ of 64 bytes$", outs["noise.bin"].GetProperty("detail").GetString());
        Assert.Contains("error: HEAD is not reproducible: 1 of 2 outs differ (noise.bin)", r.StdErr);
    }

    /// <summary>Relative path → content of every file, skipping .git, .gitml internals and the runs counters.</summary>
    private static SortedDictionary<string, string> Snapshot(TempGitRepo repo) => Snapshot(repo.Root);

    private static SortedDictionary<string, string> Snapshot(string root)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(root, f).Replace('\\', '/');
            if (rel.StartsWith(".git/", StringComparison.Ordinal) || rel.StartsWith(".gitml/cache/", StringComparison.Ordinal)
                || rel.StartsWith(".gitml/tmp/", StringComparison.Ordinal) || rel.StartsWith("runs/", StringComparison.Ordinal))
            {
                continue;
            }

            result[rel] = File.ReadAllText(f);
        }

        return result;
    }
}
