using System.Text.Json;
using GitMl.Testing;

namespace GitMl.Cli.Tests.Pipelines;

public class ExpShowCommandTests
{
    /// <summary>Three commits: lr 0.1/0.2/0.3 with accuracy 0.8/0.95/0.9, a constant epochs param, a tag on the second.</summary>
    private static TempGitRepo CreateHistory()
    {
        var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.Write("gitml.yaml", "stages:\n  train:\n    cmd: 'true'\n    params: [train.lr]\n    metrics: [metrics.json]\n");
        var acc = new[] { "0.8", "0.95", "0.9" };
        for (var i = 0; i < 3; i++)
        {
            repo.Write("params.yaml", $"train:\n  lr: 0.{i + 1}\n  epochs: 10\n");
            repo.Write("metrics.json", $"{{\"val\": {{\"accuracy\": {acc[i]}}}}}");
            repo.CommitAll($"run {i + 1}");
            if (i == 1)
            {
                repo.Git("tag", "best");
            }
        }

        return repo;
    }

    [Fact]
    public void ExpShow_Default_OneRowPerCommitWithFlattenedParamsAndMetrics()
    {
        // Given three commits with params and metrics
        using var repo = CreateHistory();

        // When exp show runs with --json
        var json = JsonDocument.Parse(CliRunner.Ok(repo.Root, "exp", "show", "--json")).RootElement;

        // Then there is one row per commit, newest first, with flattened values, subject and refs
        var rows = json.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal(["run 3", "run 2", "run 1"], rows.Select(r => r.GetProperty("subject").GetString()));
        Assert.Equal(0.3, rows[0].GetProperty("params").GetProperty("train.lr").GetDouble());
        Assert.Equal(10, rows[0].GetProperty("params").GetProperty("train.epochs").GetDouble());
        Assert.Equal(0.95, rows[1].GetProperty("metrics").GetProperty("val.accuracy").GetDouble());
        Assert.Equal(["best"], rows[1].GetProperty("refs").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["main"], rows[0].GetProperty("refs").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void ExpShow_OnlyChangedSortedDescending_HidesConstantColumnsAndOrdersRows()
    {
        // Given three commits where epochs never changes
        using var repo = CreateHistory();

        // When exp show sorts by accuracy, largest first, hiding constant columns, as CSV
        var lines = CliRunner.Ok(repo.Root, "exp", "show", "--only-changed", "--sort-by", "val.accuracy", "--desc", "--csv")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // Then epochs is gone and the rows go 0.95, 0.9, 0.8
        Assert.Equal("commit,date,subject,refs,train.lr,val.accuracy", lines[0]);
        Assert.EndsWith(",run 2,best,0.2,0.95", lines[1]);
        Assert.EndsWith(",run 3,main,0.3,0.9", lines[2]);
        Assert.EndsWith(",run 1,,0.1,0.8", lines[3]);
    }

    [Fact]
    public void ExpShow_RangeAndCount_SelectThoseCommits()
    {
        // Given three commits
        using var repo = CreateHistory();

        // When a range HEAD~2..HEAD is shown, and separately -n 1
        var range = JsonDocument.Parse(CliRunner.Ok(repo.Root, "exp", "show", "HEAD~2..HEAD", "--json")).RootElement.GetProperty("rows");
        var one = JsonDocument.Parse(CliRunner.Ok(repo.Root, "exp", "show", "-n", "1", "--json")).RootElement.GetProperty("rows");

        // Then the range has the two newest commits and -n 1 only HEAD
        Assert.Equal(["run 3", "run 2"], range.EnumerateArray().Select(r => r.GetProperty("subject").GetString()));
        Assert.Equal(["run 3"], one.EnumerateArray().Select(r => r.GetProperty("subject").GetString()));
    }

    [Fact]
    public void ExpShow_AllTagsMarkdown_WritesOneRowPerTag()
    {
        // Given a tagged commit
        using var repo = CreateHistory();

        // When exp show lists tags as Markdown
        var md = CliRunner.Ok(repo.Root, "exp", "show", "--all-tags", "--md");

        // Then the table has a header, a separator and one row for the tag
        var lines = md.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("| commit | date | subject | refs | train.epochs | train.lr | val.accuracy |", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.Contains("| run 2 | best | 10 | 0.2 | 0.95 |", lines[2]);
    }

    [Fact]
    public void ExpShow_SortByUnknownKey_FailsListingColumns()
    {
        // Given a history
        using var repo = CreateHistory();

        // When sorting by a key no row has
        var r = CliRunner.Run(repo.Root, "exp", "show", "--sort-by", "nope");

        // Then the error names it and the hint lists the columns
        Assert.Equal(5, r.ExitCode);
        Assert.Contains("error: cannot sort by 'nope'", r.StdErr);
        Assert.Contains("val.accuracy", r.StdErr);
    }

    [Fact]
    public void ExpShow_UnknownRev_FailsWithNotFound()
    {
        // Given a history
        using var repo = CreateHistory();

        // When a rev that does not exist is asked for
        var r = CliRunner.Run(repo.Root, "exp", "show", "nope-rev");

        // Then it fails naming it
        Assert.Equal(5, r.ExitCode);
        Assert.Contains("unknown revision 'nope-rev'", r.StdErr);
    }
}
