using GitMl.Testing;

namespace GitMl.Cli.Tests.Data;

/// <summary><c>git ml diff</c> through the real CLI, with golden files for its three output forms.</summary>
public sealed class DiffCommandTests : IDisposable
{
    private readonly TempGitRepo _repo = TempGitRepo.Create();

    public DiffCommandTests()
    {
        // A folder and a model committed at v1; then, in the workspace: a file renamed, one edited, one added, and the
        // model rewritten, none of it added with 'git ml add'.
        CliRunner.Ok(_repo.Root, "init");
        _repo.Write("data/img/a.png", "a\n");
        _repo.Write("data/img/b.png", "b\n");
        _repo.Write("data/train.csv", "x,y\n1,2\n");
        _repo.Write("model.bin", "weights v1\n");
        CliRunner.Ok(_repo.Root, "add", "data", "model.bin");
        _repo.CommitAll("v1");
        File.Move(_repo.PathOf("data/img/a.png"), _repo.PathOf("data/img/a2.png"));
        _repo.Write("data/img/b.png", "b, edited\n");
        _repo.Write("data/img/new.png", "new\n");
        _repo.Write("model.bin", "weights v2\n");
    }

    [Fact]
    public void Diff_HeadVsWorkspace_WithHashes_MatchesGoldenText()
    {
        // When diff runs with its defaults (HEAD vs workspace) and --show-hash
        var text = CliRunner.Ok(_repo.Root, "diff", "--show-hash");

        // Then each kind has its section and the summary counts files, not the folder entry
        Golden.Match(text, "diff-head-workspace-show-hash.txt");
    }

    [Fact]
    public void Diff_Markdown_MatchesGoldenTable()
    {
        var md = CliRunner.Ok(_repo.Root, "diff", "--md");
        Golden.Match(md, "diff-head-workspace.md");
    }

    [Fact]
    public void Diff_Json_MatchesGoldenJson()
    {
        var json = CliRunner.Ok(_repo.Root, "diff", "--json");
        Golden.Match(json, "diff-head-workspace.json");
    }

    [Fact]
    public void Diff_TargetInsideTrackedFolder_ListsOnlyThatFile()
    {
        // When diff is limited to one file inside the tracked folder
        var text = CliRunner.Ok(_repo.Root, "diff", "-t", "data/img/b.png");

        // Then only that file is listed
        Assert.Equal("Modified:\n    data/img/b.png\n\nfiles summary: 0 added, 0 deleted, 0 renamed, 1 modified\n", text.Replace("\r\n", "\n"));
    }

    [Fact]
    public void Diff_CommitsAfterAdd_ShowsTheSameChangesBetweenTwoCommits()
    {
        // Given the workspace changes added and committed as v2
        CliRunner.Ok(_repo.Root, "add", "data", "model.bin");
        _repo.CommitAll("v2");

        // When HEAD~1 and HEAD are compared, and HEAD with the now clean workspace
        var between = CliRunner.Ok(_repo.Root, "diff", "HEAD~1", "HEAD");
        var clean = CliRunner.Run(_repo.Root, "diff");

        // Then the commits differ as the workspace did, and the clean workspace has nothing to show
        Assert.Contains("data/img/a.png -> data/img/a2.png", between);
        Assert.Contains("files summary: 1 added, 0 deleted, 1 renamed, 2 modified", between);
        Assert.Equal(0, clean.ExitCode);
        Assert.Equal(string.Empty, clean.StdOut);
        Assert.Contains("note: no tracked data changed between HEAD and workspace", clean.StdErr);
    }

    [Fact]
    public void Diff_UnknownTargetOrRevision_IsOneLineErrorWithExitNotFound()
    {
        // When diff names a path nobody tracks, then a revision that does not exist
        var target = CliRunner.Run(_repo.Root, "diff", "-t", "nothing");
        var rev = CliRunner.Run(_repo.Root, "diff", "no-such-rev");
        var remoteWithoutFetch = CliRunner.Run(_repo.Root, "diff", "-r", "storage");

        // Then both exit 5 with an error line and a hint, and print no table; --remote alone is a usage error
        foreach (var r in new[] { target, rev })
        {
            Assert.Equal(5, r.ExitCode);
            Assert.StartsWith("error: ", r.StdErr);
            Assert.Contains("\nhint: ", r.StdErr);
            Assert.Equal(string.Empty, r.StdOut);
        }

        Assert.Equal(2, remoteWithoutFetch.ExitCode);
        Assert.StartsWith("error: --remote only says where --fetch downloads from", remoteWithoutFetch.StdErr);
    }

    [Fact]
    public void Diff_BeforeTheFirstCommit_ListsEverythingTrackedAsAdded()
    {
        // Given a repository with tracked data and no commit yet
        using var fresh = TempGitRepo.Create();
        CliRunner.Ok(fresh.Root, "init");
        fresh.Write("data/a.txt", "a\n");
        fresh.Write("model.bin", "m\n");
        CliRunner.Ok(fresh.Root, "add", "data", "model.bin");

        // When diff runs with its defaults
        var r = CliRunner.Run(fresh.Root, "diff");

        // Then it compares with an empty history, as git diff would, instead of failing on the unborn HEAD
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("note: no commits yet", r.StdErr);
        Assert.Equal("Added:\n    data/\n    data/a.txt\n    model.bin\n\nfiles summary: 2 added, 0 deleted, 0 renamed, 0 modified\n", r.StdOut.Replace("\r\n", "\n"));
    }

    public void Dispose() => _repo.Dispose();
}
