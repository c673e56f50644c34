using System.CommandLine;
using GitMl.Core;
using GitMl.Core.Metrics;

namespace GitMl.Cli;

/// <summary>The table options shared by metrics show/diff and params diff, each command owning its instances.</summary>
internal sealed class TableFlags
{
    public Option<bool> Json { get; } = GlobalOptions.Json();

    public Option<bool> Markdown { get; } = new("--md") { Description = "Write a GitHub Markdown table" };

    public Option<bool> NoPath { get; } = new("--no-path") { Description = "Leave out the Path column" };

    public Option<int> Precision { get; } = new("--precision")
    {
        Description = "Significant digits of numbers in tables (default 5; integers are never rounded; --json is exact)",
        DefaultValueFactory = _ => NumberFormat.DefaultPrecision,
    };

    public Option<string[]> Targets { get; } = new("--targets")
    {
        Description = "Read exactly these files instead of the ones gitml.yaml names",
        AllowMultipleArgumentsPerToken = true,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Targets);
        command.Options.Add(Precision);
        command.Options.Add(Markdown);
        command.Options.Add(NoPath);
        command.Options.Add(Json);
    }

    public TableOptions Read(ParseResult parse)
    {
        var precision = parse.GetValue(Precision);
        if (precision is < 1 or > 17)
        {
            throw new GitMlException($"--precision must be between 1 and 17, got {precision}", "it counts significant digits, e.g. --precision 3", ExitCode.Usage);
        }

        return new TableOptions(parse.GetValue(Markdown), parse.GetValue(NoPath), precision);
    }

    public IReadOnlyList<string>? ReadTargets(ParseResult parse) => parse.GetValue(Targets) is { Length: > 0 } t ? t : null;

    /// <summary>Prints notes (missing files, skipped values) to stderr.</summary>
    public static void Notes(CliContext ctx, IEnumerable<string> notes)
    {
        foreach (var n in notes.Distinct())
        {
            ctx.Err.WriteLine("note: " + n);
        }
    }
}
