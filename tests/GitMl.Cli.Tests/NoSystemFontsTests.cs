using GitMl.Testing;
using SkiaSharp;

namespace GitMl.Cli.Tests;

/// <summary>
/// Renders plots in a child process that sees no system fonts: /usr/share/fonts (where SkiaSharp's Linux build looks)
/// is hidden under an empty tmpfs in a private mount namespace. A control run with the bundled font switched off must
/// draw no text, which proves the environment really has no fonts and the pixel check can fail.
/// </summary>
public class NoSystemFontsTests
{
    /// <summary>Share of near-black pixels (text, axes and frame are black; series are coloured).</summary>
    private static double DarkInk(string png)
    {
        using var bmp = SKBitmap.Decode(png);
        var ink = 0;
        for (var y = 0; y < bmp.Height; y++)
        {
            for (var x = 0; x < bmp.Width; x++)
            {
                var c = bmp.GetPixel(x, y);
                if (c.Red + c.Green + c.Blue < 300)
                {
                    ink++;
                }
            }
        }

        return ink / (double)(bmp.Width * bmp.Height);
    }

    [Fact]
    public void PlotsDiff_WithNoSystemFonts_StillDrawsTitleText()
    {
        // Given user namespaces (to hide /usr/share/fonts without touching the machine) and a repo with a plot
        var probe = ProcessRunner.Run("unshare", ["--mount", "--map-root-user", "true"], Path.GetTempPath(), check: false);
        Assert.SkipWhen(probe.ExitCode != 0, "unshare --mount --map-root-user is not permitted here: " + probe.StdErr);
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.Write("gitml.yaml", "plots:\n- loss.tsv: {x: step, y: loss, title: Font Check Title}\n");
        repo.Write("loss.tsv", "step\tloss\n0\t1\n1\t0.5\n2\t0.25\n");
        repo.CommitAll("one");
        var dll = Path.Combine(AppContext.BaseDirectory, "git-ml.dll");

        string[] Run(string outDir, bool bundledFontOff)
        {
            var env = new Dictionary<string, string?> { ["GITML_NO_BUNDLED_FONT"] = bundledFontOff ? "1" : null };
            var r = ProcessRunner.Run(
                "unshare",
                ["--mount", "--map-root-user", "sh", "-c", "mount -t tmpfs none /usr/share/fonts && ls -A /usr/share/fonts | wc -l && exec \"$@\"", "sh",
                    "dotnet", dll, "plots", "diff", "HEAD", "--format", "both", "-o", outDir, "--targets", "loss.tsv"],
                repo.Root,
                env: env);
            Assert.StartsWith("0\n", r.StdOut);
            return [Path.Combine(repo.Root, outDir, "loss.png"), Path.Combine(repo.Root, outDir, "loss.svg")];
        }

        // When plots are drawn with no system fonts, with the bundled font and (control) without it
        var withFont = Run("with-font", bundledFontOff: false);
        var control = Run("control", bundledFontOff: true);
        string png = withFont[0], svg = withFont[1], controlPng = control[0];

        // Then the title is text in the SVG, and the PNG has clearly more black (text) pixels than the control, which
        // could draw only axes and frame: if fonts were not hidden, or the bundled one not used, the two would match
        Assert.Contains("Font Check Title", File.ReadAllText(svg));
        var (text, none) = (DarkInk(png), DarkInk(controlPng));
        Assert.True(text - none > 0.0015, $"bundled font: {text:P2} dark pixels; no font at all: {none:P2}");
    }
}
