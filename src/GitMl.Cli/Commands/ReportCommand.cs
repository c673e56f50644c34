using System.CommandLine;
using System.Text.Json.Nodes;
using GitMl.Core;
using GitMl.Core.Metrics;
using GitMl.Plots;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml report [base] [head]</c>: one Markdown document for a pull-request comment.</summary>
internal static class ReportCommand
{
    public static Command Create(CliContext ctx)
    {
        var baseArg = new Argument<string>("base") { Description = "Base revision, e.g. origin/main (default: HEAD)", Arity = ArgumentArity.ZeroOrOne };
        var headArg = new Argument<string>("head") { Description = "Head revision (default: workspace)", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<string>("-o", "--out") { Description = "Write the Markdown to this file (default: stdout)" };
        var images = new Option<string>("--images-dir")
        {
            Description = "Folder for plot images, linked relatively from the report (default: gitml-report next to the report)",
        };
        var noImages = new Option<bool>("--no-images") { Description = "Leave out plots" };
        var fail = new Option<bool>("--fail-on-regression") { Description = "Exit with code 10 when a metric regressed beyond tolerance" };
        var precision = new Option<int>("--precision") { Description = "Significant digits (default 5)", DefaultValueFactory = _ => NumberFormat.DefaultPrecision };
        var json = GlobalOptions.Json();
        var command = new Command("report", "Markdown for a pull-request comment: summary, params, metrics with verdicts, step series, plots");
        command.Arguments.Add(baseArg);
        command.Arguments.Add(headArg);
        command.Options.Add(output);
        command.Options.Add(images);
        command.Options.Add(noImages);
        command.Options.Add(fail);
        command.Options.Add(precision);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            var digits = parse.GetValue(precision);
            if (digits is < 1 or > 17)
            {
                throw new GitMlException($"--precision must be between 1 and 17, got {digits}", "it counts significant digits", ExitCode.Usage);
            }

            using var repo = ctx.OpenRepository();
            var source = new RevisionSource(repo.Git, repo.WorkDir);
            var baseRev = source.Resolve(parse.GetValue(baseArg) ?? "HEAD");
            var headRev = source.Resolve(parse.GetValue(headArg) ?? RevisionRef.Workspace);
            var outFile = parse.GetValue(output) is string o ? Path.Combine(ctx.Cwd, o) : null;
            var linkBase = outFile is null ? ctx.Cwd : Path.GetDirectoryName(Path.GetFullPath(outFile))!;
            string? imagesDir = null;
            if (!parse.GetValue(noImages))
            {
                imagesDir = parse.GetValue(images) is string i ? Path.Combine(ctx.Cwd, i) : Path.Combine(linkBase, "gitml-report");
            }

            var report = ReportBuilder.Build(source, baseRev, headRev, imagesDir, linkBase, digits);
            TableFlags.Notes(ctx, report.Notes);
            if (outFile is not null)
            {
                PlotsService.PrepareOutput(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
                AtomicFile.WriteAllText(outFile, report.Markdown);
            }

            var diff = report.Metrics.Diff;
            if (parse.GetValue(json))
            {
                ctx.Out.Write(MetricsRender.ToJsonText(new JsonObject
                {
                    ["report"] = outFile,
                    ["improved"] = diff.Improvements.Count(),
                    ["regressed"] = diff.Regressions.Count(),
                    ["metrics"] = MetricsRender.DiffJson(diff, metrics: true),
                }));
            }
            else if (outFile is null)
            {
                ctx.Out.Write(report.Markdown);
            }
            else
            {
                ctx.Out.WriteLine($"wrote {outFile}" + (imagesDir is null ? string.Empty : $" (images in {imagesDir})"));
            }

            var regressed = diff.Regressions.ToList();
            if (parse.GetValue(fail) && regressed.Count > 0)
            {
                ctx.Err.WriteLine($"error: {regressed.Count} metric(s) regressed beyond tolerance: {string.Join(", ", regressed.Select(r => r.Key))}");
                ctx.Err.WriteLine("hint: the report was written; the gitml.yaml 'metrics:' policies define each tolerance");
                return (int)ExitCode.Regression;
            }

            return 0;
        });
        return command;
    }
}
