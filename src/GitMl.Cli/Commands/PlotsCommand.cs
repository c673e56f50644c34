using System.CommandLine;
using System.Text.Json.Nodes;
using GitMl.Core.Metrics;
using GitMl.Plots;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml plots diff [revs…]</c>: draw every rev's series in one chart per plot, plus index.html.</summary>
internal static class PlotsCommand
{
    public static Command Create(CliContext ctx)
    {
        var group = new Command("plots", "Draw plots of several revisions as PNG/SVG");
        var revs = new Argument<string[]>("revs") { Description = "Revisions (default: HEAD workspace)", Arity = ArgumentArity.ZeroOrMore };
        var output = new Option<string>("-o", "--out") { Description = "Output folder (default: gitml-plots)", DefaultValueFactory = _ => "gitml-plots" };
        var format = new Option<string>("--format") { Description = "png, svg or both (default: png)", DefaultValueFactory = _ => "png" };
        format.AcceptOnlyFromAmong("png", "svg", "both");
        var targets = new Option<string[]>("--targets") { Description = "Only these data files", AllowMultipleArgumentsPerToken = true };
        var json = GlobalOptions.Json();
        var command = new Command("diff", "Overlay the plots of several revisions (one colour per revision) and write index.html");
        command.Arguments.Add(revs);
        command.Options.Add(output);
        command.Options.Add(format);
        command.Options.Add(targets);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            using var repo = ctx.OpenRepository();
            var source = new RevisionSource(repo.Git, repo.WorkDir);
            var names = parse.GetValue(revs) is { Length: > 0 } given ? given : ["HEAD", RevisionRef.Workspace];
            var resolved = names.Select(source.Resolve).ToList();
            var fmt = parse.GetValue(format) switch
            {
                "svg" => PlotFormat.Svg,
                "both" => PlotFormat.Both,
                _ => PlotFormat.Png,
            };
            var outDir = Path.Combine(ctx.Cwd, parse.GetValue(output)!);
            var result = new PlotsService(source).Render(resolved, outDir, fmt, parse.GetValue(targets) is { Length: > 0 } t ? t : null);
            TableFlags.Notes(ctx, result.Notes);
            if (parse.GetValue(json))
            {
                var plots = new JsonArray(result.Plots.Select(p => (JsonNode)new JsonObject
                {
                    ["title"] = p.Title,
                    ["source"] = p.Source,
                    ["files"] = new JsonArray(p.Files.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
                }).ToArray());
                ctx.Out.Write(MetricsRender.ToJsonText(new JsonObject { ["dir"] = result.OutputDir, ["index"] = "index.html", ["plots"] = plots }));
            }
            else
            {
                foreach (var p in result.Plots)
                {
                    ctx.Out.WriteLine($"{p.Title}: {string.Join(", ", p.Files.Select(f => Path.Combine(result.OutputDir, f)))}");
                }

                ctx.Out.WriteLine($"index: {Path.Combine(result.OutputDir, "index.html")}");
            }

            return 0;
        });
        group.Subcommands.Add(command);
        return group;
    }
}
