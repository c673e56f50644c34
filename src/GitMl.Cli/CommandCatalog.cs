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
        yield return RemoteCommand.Create(ctx);
        yield return PushCommand.Create(ctx);
        yield return FetchCommand.Create(ctx);
        yield return PullCommand.Create(ctx);
        yield return StatusCommand.Create(ctx); // TODO(merge): --cloud path; issue 2 owns status
        yield return GcCommand.Create(ctx);
        yield return FsckCommand.Create(ctx);

        // Pipelines and runs (issue 4)

        // Metrics, params and logging (issue 5)

        // Plots and report (issue 6)

        // Model registry (issue 7)

        // Serving (issue 8)
    }
}
