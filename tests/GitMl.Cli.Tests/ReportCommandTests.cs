using GitMl.Testing;

namespace GitMl.Cli.Tests;

public class ReportCommandTests : IClassFixture<MetricsFixture>
{
    private readonly MetricsFixture _fx;

    public ReportCommandTests(MetricsFixture fx) => _fx = fx;

    [Fact]
    public void Report_OnFixtureHistory_MatchesGoldenMarkdownAndWritesImages()
    {
        // Given two tagged runs
        var outDir = Path.Combine(_fx.Root, "out-" + Guid.NewGuid().ToString("N")[..6]);

        // When the report of v1 → v2 is written to a file
        CliRunner.Ok(_fx.Root, "report", "v1", "v2", "-o", Path.Combine(outDir, "report.md"));

        // Then the Markdown equals the golden file and every linked image exists next to it
        var md = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Golden.Match(md, "report/report-v1-v2.md");
        foreach (var link in md.Split('\n').Where(l => l.StartsWith("![", StringComparison.Ordinal)))
        {
            var rel = link[(link.IndexOf("](", StringComparison.Ordinal) + 2)..^1];
            Assert.True(File.Exists(Path.Combine(outDir, rel)), rel);
        }

        Directory.Delete(outDir, recursive: true);
    }

    [Fact]
    public void Report_FailOnRegression_WritesReportThenExits10()
    {
        var outFile = Path.Combine(_fx.Root, "r-" + Guid.NewGuid().ToString("N")[..6] + ".md");
        var r = CliRunner.Run(_fx.Root, "report", "v2", "workspace", "-o", outFile, "--no-images", "--fail-on-regression");
        Assert.Equal(10, r.ExitCode);
        Assert.Contains("❌ **1 improved, 1 regressed**", File.ReadAllText(outFile));
        File.Delete(outFile);
    }

    [Fact]
    public void Report_AgainstOriginMainInAClone_Works()
    {
        // Given a clone of the fixture (origin/main exists) with a new commit on a feature branch
        var clone = TempDir.Create("clone");
        try
        {
            ProcessRunner.Run("git", ["clone", "-q", _fx.Root, clone], Path.GetTempPath());
            ProcessRunner.Run("git", ["checkout", "-q", "-b", "feature"], clone);
            File.WriteAllText(Path.Combine(clone, "metrics.json"), """{"val": {"accuracy": 0.95, "loss": 0.2}}""");
            ProcessRunner.Run("git", ["-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qam", "better model"], clone);

            // When the CI command runs
            var md = CliRunner.Ok(clone, "report", "origin/main", "HEAD", "--no-images");

            // Then the report compares origin/main with HEAD
            Assert.StartsWith("<!-- gitml-report -->\n## git ml report: `origin/main` → `HEAD`", md);
            Assert.Contains("| metrics.json | val.accuracy | 0.92346 | 0.95 | +0.026543 | improved |", md);
        }
        finally
        {
            TempDir.Delete(clone);
        }
    }
}
