using System.Diagnostics;
using System.Text.Json;
using GitMl.Testing;

namespace GitMl.Cli.Tests;

public class LogCommandTests
{
    [Fact]
    public void Log_MetricsParamsAndSteps_AreReadByMetricsShowAndDiff()
    {
        // Given an initialized repository with a committed first run logged through the CLI
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        CliRunner.Ok(repo.Root, "log", "param", "train.lr", "0.01");
        CliRunner.Ok(repo.Root, "log", "param", "optimizer", "sgd");
        foreach (var value in new[] { "1.0", "0.5", "0.25" })
        {
            CliRunner.Ok(repo.Root, "log", "metric", "loss", value);
            Assert.NotEmpty(CliRunner.Ok(repo.Root, "log", "step"));
        }

        repo.CommitAll("run 1");

        // When a second run logs from a subfolder (the log still lands at the work tree root)
        Directory.CreateDirectory(repo.PathOf("src"));
        CliRunner.Ok(repo.PathOf("src"), "log", "metric", "loss", "0.2", "--step", "10");
        CliRunner.Ok(repo.PathOf("src"), "log", "param", "train.lr", "0.02");

        // Then the files have the agreed format and metrics/params diff read them
        var series = File.ReadAllLines(repo.PathOf("gitml-log/plots/loss.tsv"));
        Assert.Equal("step\tvalue\ttimestamp", series[0]);
        Assert.Equal(["0\t1", "1\t0.5", "2\t0.25", "10\t0.2"], series[1..].Select(l => string.Join('\t', l.Split('\t')[..2])));
        var metrics = CliRunner.Ok(repo.Root, "metrics", "diff", "--json");
        var loss = JsonDocument.Parse(metrics).RootElement.GetProperty("gitml-log/metrics.json").GetProperty("loss");
        Assert.Equal(0.25, loss.GetProperty("old").GetDouble());
        Assert.Equal(0.2, loss.GetProperty("new").GetDouble());
        Assert.Contains("gitml-log/params.yaml  train.lr  0.01  0.02", CliRunner.Ok(repo.Root, "params", "diff"));
    }

    [Fact]
    public void LogStart_AfterARun_StartsAtStepZeroWithEmptySeries()
    {
        // Given a run that logged two steps
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "log", "metric", "loss", "1");
        CliRunner.Ok(repo.Root, "log", "step");
        CliRunner.Ok(repo.Root, "log", "metric", "loss", "0.5");

        // When a new run starts and logs once
        CliRunner.Ok(repo.Root, "log", "start");
        CliRunner.Ok(repo.Root, "log", "metric", "loss", "0.9");

        // Then the series holds only the new run, at step 0
        var lines = File.ReadAllLines(repo.PathOf("gitml-log/plots/loss.tsv"));
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("0\t0.9\t", lines[1]);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("nan")]
    [InlineData("1,5")]
    public void LogMetric_NonNumericValue_IsRefusedAndWritesNothing(string value)
    {
        using var repo = TempGitRepo.Create();
        var r = CliRunner.Run(repo.Root, "log", "metric", "loss", value);
        Assert.Equal(4, r.ExitCode);
        Assert.StartsWith($"error: metric value '{value}' is not a finite number", r.StdErr);
        Assert.False(Directory.Exists(repo.PathOf("gitml-log/plots")));
    }

    [Fact]
    public void LogMetric_UnsafeName_IsRefused()
    {
        using var repo = TempGitRepo.Create();
        var r = CliRunner.Run(repo.Root, "log", "metric", "../../etc/x", "1");
        Assert.Equal(4, r.ExitCode);
        Assert.Contains("invalid name", r.StdErr);
    }

    [Fact]
    public void LogMetric_FiveHundredCalls_AppendToTheSameFileAndStayFast()
    {
        // Given a repository, one logged value, and a reader holding the series file open from that moment
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "log", "metric", "acc", "0", "--step", "0");
        using var reader = new StreamReader(new FileStream(repo.PathOf("gitml-log/plots/acc.tsv"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        var clock = Stopwatch.StartNew();

        // When a script calls 'git ml log metric' 500 more times (in-process: this measures the command, not process start)
        for (var i = 1; i <= 500; i++)
        {
            CliRunner.Ok(repo.Root, "log", "metric", "acc", (i / 500.0).ToString(System.Globalization.CultureInfo.InvariantCulture), "--step", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        clock.Stop();

        // Then the handle opened before sees every line: the file was appended to, never rewritten or replaced
        // (a rewrite via rename would leave this handle on the old file), and the calls were fast
        var lines = reader.ReadToEnd().TrimEnd('\n').Split('\n');
        Assert.Equal(502, lines.Length);
        Assert.StartsWith("500\t1\t", lines[^1]);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"500 calls took {clock.Elapsed}");
    }

    [Fact]
    public void PythonModule_WritesFilesGitMlReads()
    {
        // Given python3 on PATH (skipped with a message otherwise) and the example module
        var python = new[] { "/usr/bin/python3", "/usr/local/bin/python3" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(python is null, "python3 is not installed");
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        var module = Path.Combine(SourceTree.Root, "examples", "python");
        repo.Write("train.py", """
            import sys
            sys.path.insert(0, sys.argv[1])
            from gitml_log import RunLog
            log = RunLog()
            log.log_param("train.lr", 0.05)
            log.log_param("model", "tiny net")
            for epoch in range(4):
                log.log_metric("val/acc", 0.5 + epoch / 10)
                log.next_step()
            resumed = RunLog(resume=True)
            resumed.log_metric("val/acc", 0.95)
            """);

        // When a training script uses it
        ProcessRunner.Run(python!, ["train.py", module], repo.Root);

        // Then metrics show and the step summaries read its output
        var show = JsonDocument.Parse(CliRunner.Ok(repo.Root, "metrics", "show", "--json")).RootElement;
        var m = show.GetProperty("workspace").GetProperty("gitml-log/metrics.json");
        Assert.Equal(0.95, m.GetProperty("val/acc").GetDouble());
        Assert.Equal(4, m.GetProperty("step").GetDouble());
        var steps = CliRunner.Ok(repo.Root, "metrics", "diff", "workspace", "workspace", "--steps");
        Assert.Contains("gitml-log/plots/val/acc.tsv  val/acc  workspace  5       4           0.95", steps);
        Assert.Contains("model: \"tiny net\"", File.ReadAllText(repo.PathOf("gitml-log/params.yaml")));
    }
}
