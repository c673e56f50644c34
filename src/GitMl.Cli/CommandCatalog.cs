using System.CommandLine;
using GitMl.Cli.Commands;

namespace GitMl.Cli;

/// <summary>Every top-level command, in the order <c>--help</c> lists them. One line per command file in Commands/.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All(CliContext ctx)
    {
        yield return InitCommand.Create(ctx);
    }
}
