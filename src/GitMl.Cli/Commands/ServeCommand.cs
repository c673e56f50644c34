using System.CommandLine;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml serve REF</c>: placeholder until the serving host lands.</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext ctx)
    {
        var command = new Command("serve", "Serve a model over the Open Inference Protocol v2");
        command.SetAction(_ => 1);
        return command;
    }
}
