using System.CommandLine;
using GitMl.Cli.Commands;

namespace GitMl.Cli;

/// <summary>Every top-level command, in the order <c>--help</c> lists them. One line per command file in Commands/.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All(CliContext ctx)
    {
        yield return InitCommand.Create(ctx);

        // Data path (issue 2)

        // Remotes (issue 3)

        // Pipelines and runs (issue 4)

        // Metrics, params and logging (issue 5)
        yield return MetricsCommand.Create(ctx);
        yield return ParamsCommand.Create(ctx);
        yield return LogCommand.Create(ctx);

        // Plots and report (issue 6)
        yield return PlotsCommand.Create(ctx);
        yield return ReportCommand.Create(ctx);

        // Model registry (issue 7)

        // Serving (issue 8)
    }
}
