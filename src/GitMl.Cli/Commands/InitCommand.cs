using System.CommandLine;
using GitMl.Core;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml init</c>: create <c>.gitml/</c> in the current Git repository.</summary>
internal static class InitCommand
{
    public static Command Create(CliContext ctx)
    {
        var command = new Command("init", "Create .gitml/ (config, cache) in the current Git repository");
        command.SetAction(_ =>
        {
            using var repo = GitMlRepository.Init(ctx.Cwd);
            ctx.Out.WriteLine($"Initialized GitMl in {repo.GitMlDir}");
            ctx.Out.WriteLine("Next: 'git ml add <data>' then 'git add .gitml <data>.gitml .gitignore && git commit'");
            return 0;
        });
        return command;
    }
}
