using System.CommandLine;
using GitMl.Core.Pipelines;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml stage add -n NAME [-d DEP]… [-p KEY]… [-o OUT]… [-O OUT]… [-M FILE]… [--plots FILE]… -- CMD</c>.</summary>
internal static class StageCommand
{
    public static Command Create(CliContext ctx)
    {
        var command = new Command("stage", "Edit pipeline stages in gitml.yaml");
        command.Subcommands.Add(Add(ctx));
        return command;
    }

    private static Command Add(CliContext ctx)
    {
        var name = new Option<string>("--name", "-n") { Description = "Stage name (letters, digits, '_' and '-')", Required = true };
        var deps = new Option<string[]>("--deps", "-d") { Description = "A file or folder the stage reads (repeatable)", AllowMultipleArgumentsPerToken = false };
        var prms = new Option<string[]>("--params", "-p") { Description = "A param key of params.yaml (train.lr), or FILE:KEY1,KEY2 (repeatable)" };
        var outs = new Option<string[]>("--outs", "-o") { Description = "An output cached by GitMl (repeatable)" };
        var outsNoCache = new Option<string[]>("--outs-no-cache", "-O") { Description = "An output kept in Git, not cached (repeatable)" };
        var metrics = new Option<string[]>("--metrics", "-M") { Description = "A metrics file (JSON/YAML, kept in Git) (repeatable)" };
        var plots = new Option<string[]>("--plots") { Description = "A plot data file (TSV/CSV/JSON) (repeatable)" };
        var wdir = new Option<string?>("--wdir", "-w") { Description = "Directory the command runs in (paths are relative to it)" };
        var force = new Option<bool>("--force", "-f") { Description = "Replace a stage of the same name" };
        var cmd = new Argument<string[]>("command") { Description = "The command, after '--' (run with /bin/sh -c)", Arity = ArgumentArity.OneOrMore };
        var json = GlobalOptions.Json();
        var command = new Command("add", "Add a stage to gitml.yaml") { name, deps, prms, outs, outsNoCache, metrics, plots, wdir, force, cmd, json };
        command.SetAction(parse =>
        {
            using var repo = ctx.OpenRepository();
            var words = parse.GetValue(cmd)!;
            var spec = new StageSpec
            {
                Name = parse.GetValue(name)!,
                Cmd = string.Join(' ', words),
                Wdir = parse.GetValue(wdir),
                Deps = parse.GetValue(deps) ?? [],
                Params = parse.GetValue(prms) ?? [],
                Outs = parse.GetValue(outs) ?? [],
                OutsNoCache = parse.GetValue(outsNoCache) ?? [],
                Metrics = parse.GetValue(metrics) ?? [],
                Plots = parse.GetValue(plots) ?? [],
            };
            using var repoLock = ctx.Lock(repo, "stage add");
            var replaced = PipelineWriter.AddStage(repo.WorkDir, spec, parse.GetValue(force));
            if (parse.GetValue(json))
            {
                JsonOut.Write(ctx, new { stage = spec.Name, cmd = spec.Cmd, replaced, file = PipelineFile.FileName });
                return 0;
            }

            ctx.Out.WriteLine($"{(replaced ? "Replaced" : "Added")} stage '{spec.Name}' in {PipelineFile.FileName}.");
            ctx.Out.WriteLine();
            ctx.Out.WriteLine("Run it with 'git ml repro', then track the changes with Git:");
            ctx.Out.WriteLine($"    git add {PipelineFile.FileName} gitml.lock");
            return 0;
        });
        return command;
    }
}
