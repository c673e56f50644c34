using GitMl.Core;
using GitMl.Core.Metrics;
using GitMl.Testing;
using SkiaSharp;

namespace GitMl.Plots.Tests;

public sealed class PlotsServiceTests : IClassFixture<PlotsRepo>, IDisposable
{
    private readonly PlotsRepo _repo;
    private readonly string _out = TempDir.Create("plots-out");

    public PlotsServiceTests(PlotsRepo repo) => _repo = repo;

    public void Dispose() => TempDir.Delete(_out);

    /// <summary>Fraction of coloured (not grey) pixels: series, bars and heatmap cells, never axes, grid or text.</summary>
    internal static double ColourFraction(SKBitmap bmp)
    {
        var coloured = 0;
        for (var y = 0; y < bmp.Height; y++)
        {
            for (var x = 0; x < bmp.Width; x++)
            {
                var c = bmp.GetPixel(x, y);
                if (Math.Max(c.Red, Math.Max(c.Green, c.Blue)) - Math.Min(c.Red, Math.Min(c.Green, c.Blue)) > 60)
                {
                    coloured++;
                }
            }
        }

        return coloured / (double)(bmp.Width * bmp.Height);
    }

    /// <summary>Fraction of pixels that differ clearly from white.</summary>
    internal static double InkFraction(SKBitmap bmp, SKRectI? region = null)
    {
        var r = region ?? new SKRectI(0, 0, bmp.Width, bmp.Height);
        var ink = 0;
        for (var y = r.Top; y < r.Bottom; y++)
        {
            for (var x = r.Left; x < r.Right; x++)
            {
                var c = bmp.GetPixel(x, y);
                if (c.Red + c.Green + c.Blue < 600)
                {
                    ink++;
                }
            }
        }

        return ink / (double)(r.Width * r.Height);
    }

    [Theory]
    [InlineData("logs/loss.tsv", 1)]
    [InlineData("logs/loss.tsv", 2)]
    [InlineData("logs/loss.tsv", 5)]
    [InlineData("eval/scores.csv", 1)]
    [InlineData("eval/scores.csv", 2)]
    [InlineData("eval/scores.csv", 5)]
    [InlineData("eval/per_class.json", 1)]
    [InlineData("eval/per_class.json", 2)]
    [InlineData("eval/per_class.json", 5)]
    [InlineData("eval/confusion.csv", 1)]
    [InlineData("eval/confusion.csv", 2)]
    [InlineData("eval/confusion.csv", 5)]
    public void Render_EachTemplateForOneTwoFiveRevs_WritesDecodableNonBlankPng(string target, int revCount)
    {
        // Given N revisions that each have the plot
        var revs = _repo.Revs(revCount);

        // When the plot is rendered as PNG
        var result = new PlotsService(_repo.Source).Render(revs, _out, PlotFormat.Png, [target]);

        // Then each image decodes at 800x500 and has a measurable share of non-background pixels
        var charts = result.Plots.Where(p => p.Source == target).ToList();
        Assert.Equal(target == "eval/confusion.csv" ? revCount : 1, charts.Count);
        foreach (var chart in charts)
        {
            using var bmp = SKBitmap.Decode(Path.Combine(_out, chart.Files.Single()));
            Assert.NotNull(bmp);
            Assert.Equal((800, 500), (bmp.Width, bmp.Height));
            Assert.True(InkFraction(bmp) > 0.01, $"{chart.Files[0]} looks blank: {InkFraction(bmp):P2} ink");
            Assert.True(ColourFraction(bmp) > 0.0005, $"{chart.Files[0]} has no data drawn: {ColourFraction(bmp):P2} coloured");
        }

        Assert.True(File.Exists(Path.Combine(_out, "index.html")));
    }

    [Fact]
    public void Render_Svg_HasTitleAxisLabelsAndEveryLegendEntryAsText()
    {
        // Given two revisions of a two-series step log
        // When rendered as SVG
        var result = new PlotsService(_repo.Source).Render(_repo.Revs(2), _out, PlotFormat.Svg, ["logs/loss.tsv"]);

        // Then the SVG carries the title, both axis labels and one legend entry per rev and series as text
        var svg = File.ReadAllText(Path.Combine(_out, result.Plots.Single(p => p.Source == "logs/loss.tsv").Files.Single()));
        foreach (var text in new[] { "Training loss", "epoch", "loss value", "r1: train_loss", "r1: val_loss", "r2: train_loss", "r2: val_loss" })
        {
            Assert.Contains(text, svg);
        }

        Assert.Contains("font-family=\"DejaVu Sans\"", svg);
    }

    [Fact]
    public void Render_ScalarMetrics_GroupedBarsWithEveryRevInLegend()
    {
        var result = new PlotsService(_repo.Source).Render(_repo.Revs(3), _out, PlotFormat.Svg, ["logs/loss.tsv"]);
        var svg = File.ReadAllText(Path.Combine(_out, result.Plots.Single(p => p.Source == "metrics").Files.Single()));
        Assert.Contains("acc", svg);
        Assert.Contains("r3", svg);
    }

    [Fact]
    public void Render_PlotDefinedOnlyAtSomeRevs_DrawsItForThoseRevs()
    {
        // Given a repo where a plot exists only at the second commit and another only at the first
        using var repo = TempGitRepo.Create();
        GitMlRepository.Init(repo.Root).Dispose();
        repo.Write("gitml.yaml", "plots:\n- old.csv: {x: step, y: a, title: Old plot}\n");
        repo.Write("old.csv", "step,a\n0,1\n1,2\n");
        repo.CommitAll("one");
        repo.Write("gitml.yaml", "plots:\n- new.csv: {x: step, y: b, title: New plot}\n");
        repo.Write("new.csv", "step,b\n0,3\n1,4\n");
        File.Delete(repo.PathOf("old.csv"));
        repo.CommitAll("two");
        using var gm = GitMlRepository.Open(repo.Root);
        var source = new RevisionSource(gm.Git, gm.WorkDir);

        // When both revs are drawn
        var result = new PlotsService(source).Render([source.Resolve("HEAD~1"), source.Resolve("HEAD")], _out, PlotFormat.Svg);

        // Then each plot is drawn with only the rev that has it, and nothing fails
        var oldSvg = File.ReadAllText(Path.Combine(_out, result.Plots.Single(p => p.Source == "old.csv").Files[0]));
        var newSvg = File.ReadAllText(Path.Combine(_out, result.Plots.Single(p => p.Source == "new.csv").Files[0]));
        Assert.Contains("HEAD~1: a", oldSvg);
        Assert.DoesNotContain("HEAD: ", oldSvg);
        Assert.Contains("HEAD: b", newSvg);
        Assert.DoesNotContain("HEAD~1: ", newSvg);
    }

    [Fact]
    public void Render_FileMissingAtRevAndTextCells_SkipsWithNotes()
    {
        // Given a plot whose file is missing at the first rev and has a text cell at the second
        using var repo = TempGitRepo.Create();
        GitMlRepository.Init(repo.Root).Dispose();
        repo.Write("gitml.yaml", "plots:\n- d.csv: {x: step, y: v}\n");
        repo.CommitAll("one");
        repo.Write("d.csv", "step,v\n0,1\n1,oops\n2,3\n");
        repo.CommitAll("two");
        using var gm = GitMlRepository.Open(repo.Root);
        var source = new RevisionSource(gm.Git, gm.WorkDir);

        // When drawn
        var result = new PlotsService(source).Render([source.Resolve("HEAD~1"), source.Resolve("HEAD")], _out, PlotFormat.Png);

        // Then the missing rev and the skipped cell are notes, and the chart is still drawn
        Assert.Contains("d.csv is missing at HEAD~1; skipped for that revision", result.Notes);
        Assert.Contains("d.csv at HEAD: 1 non-numeric cell(s) skipped in 'v'", result.Notes);
        Assert.Contains(result.Plots, p => p.Source == "d.csv");
    }

    [Fact]
    public void Render_UnknownColumn_ErrorNamesFileAndColumns()
    {
        using var repo = TempGitRepo.Create();
        GitMlRepository.Init(repo.Root).Dispose();
        repo.Write("gitml.yaml", "plots:\n- d.csv: {x: step, y: loss}\n");
        repo.Write("d.csv", "step,acc\n0,1\n");
        repo.CommitAll("one");
        using var gm = GitMlRepository.Open(repo.Root);
        var source = new RevisionSource(gm.Git, gm.WorkDir);

        var ex = Assert.Throws<GitMlException>(() => new PlotsService(source).Render([source.Resolve("HEAD")], _out, PlotFormat.Png));

        Assert.Equal("column 'loss' not found in d.csv at HEAD; columns: step, acc", ex.Message);
        Assert.Equal(ExitCode.InvalidInput, ex.ExitCode);
    }

    [Fact]
    public void Render_UnwritableOutputDir_IsClearIoError()
    {
        // Given an output path below a regular file (cannot be a folder, even for root)
        var file = Path.Combine(_out, "file");
        File.WriteAllText(file, "x");

        // When rendering there
        var ex = Assert.Throws<GitMlException>(() => new PlotsService(_repo.Source).Render(_repo.Revs(1), Path.Combine(file, "plots"), PlotFormat.Png));

        // Then the error names the folder
        Assert.StartsWith("cannot write to output folder", ex.Message);
        Assert.Equal(ExitCode.IoError, ex.ExitCode);
    }

    [Fact]
    public void Index_IsOfflineAndHasImagesAndDiffTables()
    {
        // When two revs are rendered with an index
        new PlotsService(_repo.Source).Render(_repo.Revs(2), _out, PlotFormat.Png);

        // Then index.html references local images only, and holds the metrics diff table
        var html = File.ReadAllText(Path.Combine(_out, "index.html"));
        Assert.Contains("<img src=\"logs-loss.png\"", html);
        Assert.Contains("<td>acc</td>", html);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.DoesNotContain("<script", html);
    }
}
