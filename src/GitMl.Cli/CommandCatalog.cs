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
        yield return AddCommand.Create(ctx);
        yield return StatusCommand.Create(ctx);
        yield return CommitCommand.Create(ctx);
        yield return CheckoutCommand.Create(ctx);
        yield return RemoveCommand.Create(ctx);
        yield return DiffCommand.Create(ctx);

        // Remotes (issue 3)
        yield return RemoteCommand.Create(ctx);
        yield return PushCommand.Create(ctx);
        yield return FetchCommand.Create(ctx);
        yield return PullCommand.Create(ctx);
        yield return GcCommand.Create(ctx);
        yield return FsckCommand.Create(ctx);

        // Pipelines and runs (issue 4)
        yield return StageCommand.Create(ctx);
        yield return ReproCommand.Create(ctx);
        yield return RestoreCommand.Create(ctx);
        yield return ExpCommand.Create(ctx);

        // Metrics, params and logging (issue 5)
        yield return MetricsCommand.Create(ctx);
        yield return ParamsCommand.Create(ctx);
        yield return LogCommand.Create(ctx);

        // Plots and report (issue 6)
        yield return PlotsCommand.Create(ctx);
        yield return ReportCommand.Create(ctx);

        // Model registry (issue 7)
        yield return ModelCommand.Create(ctx);
        yield return GetCommand.Create(ctx);

        // Serving (issue 8)
        yield return ServeCommand.Create(ctx);
    }
}
