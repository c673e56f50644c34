using System.Diagnostics;
using System.Text.Json;
using GitMl.Testing;

namespace GitMl.Tracking.Tests;

public sealed class RunLogTests : IDisposable
{
    private readonly string _dir = TempDir.Create("runlog");

    public void Dispose() => TempDir.Delete(_dir);

    [Fact]
    public void LogMetric_FiveThousandCalls_AppendsEveryLineAndStaysFast()
    {
        // Given a fresh log
        using var log = RunLog.Open(_dir);
        var clock = Stopwatch.StartNew();

        // When a training loop logs two metrics per step for 2,500 steps
        for (var i = 0; i < 2500; i++)
        {
            log.LogMetric("loss", 1.0 / (i + 1));
            log.LogMetric("train/acc", i / 2500.0);
            log.NextStep();
        }

        log.Flush();
        clock.Stop();

        // Then every call appended one line (plus the header), metrics.json holds the latest values, and it was fast
        var lines = File.ReadAllLines(Path.Combine(_dir, "plots", "loss.tsv"));
        Assert.Equal(2501, lines.Length);
        Assert.Equal(RunLog.SeriesHeader, lines[0]);
        Assert.StartsWith("2499\t0.0004\t", lines[^1]);
        Assert.Equal(2501, File.ReadAllLines(Path.Combine(_dir, "plots", "train", "acc.tsv")).Length);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "metrics.json")));
        Assert.Equal(2500, json.RootElement.GetProperty("step").GetInt64());
        Assert.Equal(0.0004, json.RootElement.GetProperty("loss").GetDouble());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"7,500 calls took {clock.Elapsed}");
    }

    [Fact]
    public void Open_Resume_ContinuesStepCountAndKeepsSeries()
    {
        // Given a run that logged 3 steps
        using (var first = RunLog.Open(_dir))
        {
            first.LogParam("lr", 0.01);
            for (var i = 0; i < 3; i++)
            {
                first.LogMetric("loss", 3 - i);
                first.NextStep();
            }
        }

        // When it is resumed and logs again
        using var resumed = RunLog.Open(_dir, resume: true);
        resumed.LogMetric("loss", 0.5);

        // Then the step continues at 3, the series keeps its earlier lines, and params survive
        Assert.Equal(3, resumed.Step);
        var lines = File.ReadAllLines(Path.Combine(_dir, "plots", "loss.tsv"));
        Assert.Equal(5, lines.Length);
        Assert.StartsWith("3\t0.5\t", lines[^1]);
        Assert.Equal("lr: 0.01\n", File.ReadAllText(Path.Combine(_dir, "params.yaml")));
    }

    [Fact]
    public void Open_WithoutResume_StartsAFreshRun()
    {
        // Given an earlier run
        using (var first = RunLog.Open(_dir))
        {
            first.LogMetric("loss", 1);
            first.NextStep();
        }

        // When a new run opens without resume
        using var fresh = RunLog.Open(_dir);
        fresh.LogMetric("loss", 2);

        // Then the step restarts at 0 and the old series is gone
        Assert.Equal(0, fresh.Step);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(_dir, "plots", "loss.tsv")).Length);
    }

    [Fact]
    public void LogParam_TypesAndQuoting_AreValidYaml()
    {
        // When params of several kinds are logged
        using var log = RunLog.Open(_dir);
        log.LogParam("lr", 0.001);
        log.LogParam("model", "resnet18");
        log.LogParam("note", "a: b # c");
        log.LogParam("flag", true);
        log.LogParam("version", "1.0");

        // Then strings that YAML would misread are quoted, numbers and booleans are plain
        Assert.Equal("lr: 0.001\nmodel: resnet18\nnote: \"a: b # c\"\nflag: true\nversion: \"1.0\"\n", File.ReadAllText(Path.Combine(_dir, "params.yaml")));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("/abs")]
    [InlineData("a//b")]
    [InlineData("step")]
    [InlineData("has space")]
    public void LogMetric_UnsafeName_IsRefused(string name)
    {
        using var log = RunLog.Open(_dir);
        Assert.Throws<ArgumentException>(() => log.LogMetric(name, 1));
        Assert.False(Directory.Exists(Path.Combine(_dir, "..", "escape.tsv")));
    }

    [Fact]
    public void Update_KeepsLockAndTempFilesOutOfGit()
    {
        // When the locked update path runs
        RunLog.Update(_dir, log => log.LogMetric("loss", 1));

        // Then the folder ignores its lock and temp files, and no temp file is left behind
        Assert.Equal("/.lock\n*.tmp\n", File.ReadAllText(Path.Combine(_dir, ".gitignore")));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void LogMetric_NaN_IsRefused()
    {
        using var log = RunLog.Open(_dir);
        Assert.Throws<ArgumentException>(() => log.LogMetric("loss", double.NaN));
    }

    [Fact]
    public void Update_FromParallelWriters_LosesNoMetric()
    {
        // Given 4 writers that each record 25 distinct metrics through the locked update path
        Parallel.For(0, 4, w =>
        {
            for (var i = 0; i < 25; i++)
            {
                RunLog.Update(_dir, log => log.LogMetric($"w{w}_m{i}", i));
            }
        });

        // Then metrics.json holds all 100 metrics (no writer overwrote another's update)
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "metrics.json")));
        Assert.Equal(101, json.RootElement.EnumerateObject().Count());
    }
}
