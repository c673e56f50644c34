using System.CommandLine;
using System.Globalization;
using GitMl.Core;
using GitMl.Core.Metrics;
using GitMl.Tracking;

namespace GitMl.Cli.Commands;

/// <summary>
/// <c>git ml log metric|param|step</c>: record from any training script into <c>gitml-log/</c> at the work tree root.
/// It takes a lock file in that folder, not the repository lock, so it works inside <c>git ml repro</c>.
/// </summary>
internal static class LogCommand
{
    public static Command Create(CliContext ctx)
    {
        var group = new Command("log", "Record metrics, params and steps from a training script into gitml-log/");

        var name = new Argument<string>("name") { Description = "Metric name (letters, digits, '_', '-', '.', '/')" };
        var value = new Argument<string>("value") { Description = "A number" };
        var step = new Option<long?>("--step") { Description = "Record at this step (and make it the current step)" };
        var metric = new Command("metric", "Record a metric value (latest in metrics.json, appended to plots/NAME.tsv)");
        metric.Arguments.Add(name);
        metric.Arguments.Add(value);
        metric.Options.Add(step);
        metric.SetAction(parse =>
        {
            var n = CheckName(parse.GetValue(name)!);
            var text = parse.GetValue(value)!;
            if (!MetricValue.TryParseNumber(text, out var number) || !double.IsFinite(number))
            {
                throw new GitMlException($"metric value '{text}' is not a finite number", "pass a number such as 0.93 or 1e-3", ExitCode.InvalidInput);
            }

            var at = parse.GetValue(step);
            if (at < 0)
            {
                throw new GitMlException($"--step must not be negative, got {at}", null, ExitCode.Usage);
            }

            long recorded = 0;
            Update(ctx, log =>
            {
                log.LogMetric(n, number, at);
                recorded = log.Step;
            });
            ctx.Debug($"{n} = {text} at step {recorded}");
            return 0;
        });

        var key = new Argument<string>("key") { Description = "Param key (letters, digits, '_', '-', '.', '/')" };
        var pvalue = new Argument<string>("value") { Description = "Value (numbers and true/false are kept typed)" };
        var param = new Command("param", "Record a param in gitml-log/params.yaml");
        param.Arguments.Add(key);
        param.Arguments.Add(pvalue);
        param.SetAction(parse =>
        {
            var k = CheckName(parse.GetValue(key)!);
            var text = parse.GetValue(pvalue)!;
            Update(ctx, log =>
            {
                if (MetricValue.TryParseNumber(text, out var d) && double.IsFinite(d))
                {
                    log.LogParam(k, d);
                }
                else if (text is "true" or "false")
                {
                    log.LogParam(k, text == "true");
                }
                else
                {
                    log.LogParam(k, text);
                }
            });
            return 0;
        });

        var stepCommand = new Command("step", "Advance to the next step (printed on stdout)");
        stepCommand.SetAction(_ =>
        {
            long next = 0;
            Update(ctx, log => next = log.NextStep());
            ctx.Out.WriteLine(next.ToString(CultureInfo.InvariantCulture));
            return 0;
        });

        var start = new Command("start", "Begin a fresh run: clear gitml-log/ metrics, params and step series");
        start.SetAction(_ =>
        {
            var dir = LogDirectory(ctx);
            RunLog.StartFresh(dir);
            ctx.Err.WriteLine($"note: started a fresh run in {dir}");
            return 0;
        });

        group.Subcommands.Add(start);
        group.Subcommands.Add(metric);
        group.Subcommands.Add(param);
        group.Subcommands.Add(stepCommand);
        return group;
    }

    private static string CheckName(string name) => RunLog.IsValidName(name) ? name : throw new GitMlException(
        $"invalid name '{name}'",
        "use letters, digits, '_', '-', '.', and '/' between parts; 'step' is reserved",
        ExitCode.InvalidInput);

    private static void Update(CliContext ctx, Action<RunLog> action)
    {
        try
        {
            RunLog.Update(LogDirectory(ctx), action);
        }
        catch (InvalidDataException ex)
        {
            throw new GitMlException(ex.Message, "fix or delete the file; it holds only the latest values", ExitCode.InvalidInput);
        }
    }

    // The log goes to the work tree root so metrics discovery finds gitml-log/ at every rev. A plain walk up to '.git'
    // (no libgit2) keeps each call of a training loop cheap.
    private static string LogDirectory(CliContext ctx) => RunLog.DefaultDirectory(ctx.Cwd);
}
