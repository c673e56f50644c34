using GitMl.Core.Data;
using GitMl.Testing;

namespace GitMl.Core.Tests.Data;

public class GitIgnoreFileTests
{
    [Fact]
    public void AddThenRemove_KeepsOtherLinesAndEscapesSpecialCharacters()
    {
        // Given a .gitignore with a user line and no trailing newline
        var dir = TempDir.Create("ignore");
        try
        {
            var path = Path.Combine(dir, ".gitignore");
            File.WriteAllText(path, "*.log");

            // When two names (one with glob characters) are added, one twice, and then one removed
            Assert.True(GitIgnoreFile.Add(dir, "data.csv"));
            Assert.True(GitIgnoreFile.Add(dir, "#weird [1]*.bin"));
            Assert.False(GitIgnoreFile.Add(dir, "data.csv"));
            Assert.True(GitIgnoreFile.Remove(dir, "data.csv"));

            // Then the user line stays and the special name is escaped so Git matches it literally
            Assert.Equal("*.log\n/\\#weird\\ \\[1\\]\\*.bin\n", File.ReadAllText(path));

            // And removing the last GitMl line of a file that had only GitMl lines deletes the file
            File.WriteAllText(path, "/x\n");
            Assert.True(GitIgnoreFile.Remove(dir, "x"));
            Assert.False(File.Exists(path));
        }
        finally
        {
            TempDir.Delete(dir);
        }
    }

    [Fact]
    public void Pattern_IsMatchedByRealGit()
    {
        // Given a repository whose .gitignore holds GitMl's pattern for a name with spaces and brackets
        using var repo = TempGitRepo.Create();
        var name = "my data [v1].csv";
        repo.Write(name, "x");
        repo.Write("other.csv", "y");
        GitIgnoreFile.Add(repo.Root, name);

        // When Git lists untracked files, then the data is ignored and the other file is not
        var untracked = repo.Git("status", "--porcelain", "--untracked-files=all");
        Assert.DoesNotContain("my data", untracked);
        Assert.Contains("other.csv", untracked);
    }
}
