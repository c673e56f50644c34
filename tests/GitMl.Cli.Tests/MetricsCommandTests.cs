using System.Text.Json;
using GitMl.Testing;

namespace GitMl.Cli.Tests;

public class MetricsCommandTests : IClassFixture<MetricsFixture>
{
    private readonly MetricsFixture _fx;

    public MetricsCommandTests(MetricsFixture fx) => _fx = fx;

    [Theory]
    [InlineData("metrics-diff-v1-v2.txt", "metrics", "diff", "v1", "v2")]
    [InlineData("metrics-diff-v1-v2-all-precision3.md", "metrics", "diff", "v1", "v2", "--all", "--md", "--precision", "3")]
    [InlineData("metrics-diff-v1-v2.json", "metrics", "diff", "v1", "v2", "--json")]
    [InlineData("metrics-diff-head-workspace-nopath.txt", "metrics", "diff", "--no-path")]
    [InlineData("metrics-diff-steps.txt", "metrics", "diff", "v1", "v2", "--steps", "--precision", "3")]
    [InlineData("metrics-diff-steps.json", "metrics", "diff", "v1", "v2", "--steps", "--json")]
    [InlineData("params-diff-v1-v2.txt", "params", "diff", "v1", "v2")]
    [InlineData("params-diff-v1-v2.md", "params", "diff", "v1", "v2", "--md")]
    [InlineData("params-diff-v1-v2.json", "params", "diff", "v1", "v2", "--json")]
    [InlineData("params-diff-v1-v2-deps-all.txt", "params", "diff", "v1", "v2", "--deps", "--all")]
    [InlineData("metrics-show-tags.txt", "metrics", "show", "v1", "v2", "workspace")]
    [InlineData("metrics-show-tags.json", "metrics", "show", "v1", "v2", "--json")]
    public void Output_OnFixtureHistory_MatchesGoldenFile(string golden, params string[] args)
    {
        // Given a repository with two runs and workspace edits (nested keys, lists, added/removed keys, text values)
        // When the command runs
        var stdout = CliRunner.Ok(_fx.Root, args);

        // Then stdout equals the checked-in golden file
        Golden.Match(stdout, "metrics/" + golden);
    }

    [Fact]
    public void MetricsDiff_JsonShape_IsPathKeyOldNewDiff()
    {
        // When metrics diff writes JSON
        var json = JsonDocument.Parse(CliRunner.Ok(_fx.Root, "metrics", "diff", "v1", "v2", "--json")).RootElement;

        // Then it is {path: {key: {old, new, diff, verdict}}} with unrounded numbers and null for missing values
        var acc = json.GetProperty("metrics.json").GetProperty("val.accuracy");
        Assert.Equal(0.9012345, acc.GetProperty("old").GetDouble());
        Assert.Equal(0.9234567, acc.GetProperty("new").GetDouble());
        Assert.Equal(0.9234567 - 0.9012345, acc.GetProperty("diff").GetDouble(), 12);
        Assert.Equal("improved", acc.GetProperty("verdict").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("metrics.json").GetProperty("new_metric").GetProperty("old").ValueKind);
    }

    [Fact]
    public void MetricsDiff_FailOnRegression_ExitsWithRegressionCode()
    {
        // Given the workspace where val.accuracy dropped beyond its tolerance
        // When metrics diff runs with --fail-on-regression
        var r = CliRunner.Run(_fx.Root, "metrics", "diff", "--fail-on-regression");

        // Then the table is still printed, the regression is named, and the exit code is 10
        Assert.Equal(10, r.ExitCode);
        Assert.Contains("regressed", r.StdOut);
        Assert.Contains("error: 1 metric(s) regressed beyond tolerance: val.accuracy", r.StdErr);
    }

    [Fact]
    public void MetricsDiff_FileMissingAtOneRev_ShowsDashAndNote()
    {
        // Given a metrics file that exists only at v2
        // When v1 and v2 are compared with it as target
        var r = CliRunner.Run(_fx.Root, "metrics", "diff", "v1", "v2", "--targets", "eval/scores.yaml", "logs/missing.json");

        // Then it succeeds, and the missing file is a note, not a failure
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("note: logs/missing.json is missing at v1", r.StdErr);
        Assert.Contains("eval/scores.yaml  threshold  0.5  -", r.StdOut);
    }

    [Fact]
    public void MetricsDiff_UnknownRev_FailsWithNotFound()
    {
        var r = CliRunner.Run(_fx.Root, "metrics", "diff", "no-such-rev", "v2");
        Assert.Equal(5, r.ExitCode);
        Assert.StartsWith("error: unknown revision 'no-such-rev'", r.StdErr);
        Assert.Contains("hint: ", r.StdErr);
    }

    [Fact]
    public void MetricsShow_AllTagsAndLastCommits_OneRowPerRevAndFile()
    {
        // When metrics show lists every tag and the last 2 commits
        var stdout = CliRunner.Ok(_fx.Root, "metrics", "show", "--all-tags", "-n", "2");

        // Then there is one row per rev and file (2 tags + 2 commits, 2 files each) plus the header
        var lines = stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(1 + 8, lines.Length);
        Assert.StartsWith("v1 ", lines[1]);
    }
}

public class MetricsShowBranchesTests : IClassFixture<MetricsFixture>
{
    private readonly MetricsFixture _fx;

    public MetricsShowBranchesTests(MetricsFixture fx) => _fx = fx;

    [Fact]
    public void MetricsShow_AllBranches_OneRowPerBranchAndFile()
    {
        // Given branches main (at v2) and exp (at v1)
        // When metrics show lists every branch as JSON
        var json = JsonDocument.Parse(CliRunner.Ok(_fx.Root, "metrics", "show", "--all-branches", "--json")).RootElement;

        // Then each branch has its own values
        Assert.Equal(0.9012345, json.GetProperty("exp").GetProperty("metrics.json").GetProperty("val.accuracy").GetDouble());
        Assert.Equal(0.9234567, json.GetProperty("main").GetProperty("metrics.json").GetProperty("val.accuracy").GetDouble());
    }
}

public class MetricsErrorTests
{
    [Fact]
    public void MetricsDiff_MalformedJsonAtRev_NamesFileRevAndLine()
    {
        // Given a committed metrics file with a syntax error on line 3
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.Write("gitml.yaml", "stages:\n  t:\n    cmd: x\n    metrics: [m.json]\n");
        repo.Write("m.json", "{\n  \"a\": 1,\n  \"b\": ]\n}\n");
        repo.CommitAll("bad");

        // When metrics diff reads it
        var r = CliRunner.Run(repo.Root, "metrics", "diff");

        // Then one error names file, rev and line, with code 4 and no stack trace
        Assert.Equal(4, r.ExitCode);
        Assert.StartsWith("error: malformed JSON in m.json at HEAD (line 3", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Fact]
    public void MetricsShow_MetricsPathThroughSymlinkOutsideRepo_IsRefused()
    {
        // Given gitml.yaml naming a metrics file through a symlinked folder that points outside the work tree
        using var repo = TempGitRepo.Create();
        var outside = TempDir.Create("outside");
        try
        {
            File.WriteAllText(Path.Combine(outside, "secret.json"), "{\"token\": 1}");
            CliRunner.Ok(repo.Root, "init");
            repo.Write("gitml.yaml", "stages:\n  t:\n    cmd: x\n    metrics: [link/secret.json]\n");
            File.CreateSymbolicLink(repo.PathOf("link"), outside);

            // When metrics show reads the workspace
            var r = CliRunner.Run(repo.Root, "metrics", "show");

            // Then the read is refused and nothing from outside is printed
            Assert.Equal(4, r.ExitCode);
            Assert.DoesNotContain("token", r.StdOut);
        }
        finally
        {
            TempDir.Delete(outside);
        }
    }

    [Fact]
    public void MetricsDiff_NonNumericValue_HasNoChange()
    {
        // Given a metric that changed from a number to a string
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.Write("gitml.yaml", "stages:\n  t:\n    cmd: x\n    metrics: [m.json]\n");
        repo.Write("m.json", "{\"a\": 1}");
        repo.CommitAll("one");
        repo.Write("m.json", "{\"a\": \"n/a\"}");

        // When compared with the workspace
        var stdout = CliRunner.Ok(repo.Root, "metrics", "diff");

        // Then the Change cell is '-'
        Assert.Equal("Path    Metric  HEAD  workspace  Change\nm.json  a       1     n/a        -\n", stdout);
    }

    [Theory]
    [InlineData("0.93", 0)]
    [InlineData("0.902", 0)]
    [InlineData("0.85", 10)]
    public void MetricsDiff_FailOnRegression_GatesOnlyBeyondTolerance(string newAccuracy, int expectedCode)
    {
        // Given accuracy 0.9 committed, a policy 'higher' with tolerance 0.005, and a new value in the workspace
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.Write("gitml.yaml", "stages:\n  t:\n    cmd: x\n    metrics: [m.json]\nmetrics:\n  acc: {better: higher, tolerance: 0.005}\n");
        repo.Write("m.json", "{\"acc\": 0.9}");
        repo.CommitAll("one");
        repo.Write("m.json", "{\"acc\": " + newAccuracy + "}");

        // When the CI gate runs
        var r = CliRunner.Run(repo.Root, "metrics", "diff", "--fail-on-regression");

        // Then it fails (code 10) only for a drop beyond the tolerance
        Assert.Equal(expectedCode, r.ExitCode);
    }
}
