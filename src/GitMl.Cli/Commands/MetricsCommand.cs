using System.CommandLine;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml metrics</c>: the group of <c>show</c> and <c>diff</c>.</summary>
internal static class MetricsCommand
{
    public static Command Create(CliContext ctx)
    {
        var command = new Command("metrics", "Show metrics of revisions, or compare them with verdicts");
        command.Subcommands.Add(MetricsShowCommand.Create(ctx));
        command.Subcommands.Add(MetricsDiffCommand.Create(ctx));
        return command;
    }
}
