using System.CommandLine;

namespace GitMl.Cli;

/// <summary>Options every command accepts.</summary>
internal static class GlobalOptions
{
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Print diagnostics (and stack traces on errors) to stderr",
        Recursive = true,
    };

    /// <summary>A fresh <c>--json</c> option (each command owns its instance).</summary>
    public static Option<bool> Json() => new("--json") { Description = "Write machine-readable JSON to stdout" };
}
