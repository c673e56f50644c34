using GitMl.Testing;

namespace GitMl.Cli.Tests;

public class InitCommandTests
{
    [Fact]
    public void Init_InGitRepo_CreatesGitMlFolderWithIgnoreFile()
    {
        // Given a fresh Git repository
        using var repo = TempGitRepo.Create();

        // When git ml init runs
        CliRunner.Ok(repo.Root, "init");

        // Then .gitml/ holds a config and an ignore file for local-only parts
        Assert.True(File.Exists(repo.PathOf(".gitml/config")));
        Assert.Equal("/config.local\n/cache/\n/tmp/\n", File.ReadAllText(repo.PathOf(".gitml/.gitignore")));
    }

    [Fact]
    public void Init_OutsideGitRepo_FailsWithNotInitializedAndHint()
    {
        // Given a folder that is not a Git repository
        var dir = TempDir.Create("nogit");
        try
        {
            // When git ml init runs there
            var r = CliRunner.Run(dir, "init");

            // Then it fails with one error line, a hint, and exit code 3
            Assert.Equal(3, r.ExitCode);
            Assert.StartsWith("error: not inside a Git repository", r.StdErr);
            Assert.Contains("hint: ", r.StdErr);
            Assert.DoesNotContain("   at ", r.StdErr);
        }
        finally
        {
            TempDir.Delete(dir);
        }
    }

    [Fact]
    public void UnknownOption_ExitsWithUsageCode()
    {
        using var repo = TempGitRepo.Create();
        var r = CliRunner.Run(repo.Root, "init", "--no-such-option");
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: ", r.StdErr);
    }
}
