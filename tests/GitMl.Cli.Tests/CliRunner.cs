using GitMl.Cli;

namespace GitMl.Cli.Tests;

/// <summary>The outcome of one in-process <c>git ml</c> invocation.</summary>
public sealed record CliResult(int ExitCode, string StdOut, string StdErr);

/// <summary>Runs the CLI entry point in-process with captured output, as a user would from a given folder.</summary>
public static class CliRunner
{
    public static CliResult Run(string cwd, params string[] args) => RunWith(null, cwd, args);

    /// <summary>
    /// Runs with environment variables that only this invocation sees: tests run in parallel in one process, so they
    /// must never set process-wide variables.
    /// </summary>
    public static CliResult RunWith(IReadOnlyDictionary<string, string>? environment, string cwd, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = Program.Run(args, stdout, stderr, cwd, environment: environment);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs and asserts success, returning stdout.</summary>
    public static string Ok(string cwd, params string[] args)
    {
        var r = Run(cwd, args);
        Assert.True(r.ExitCode == 0, $"git ml {string.Join(' ', args)} exited {r.ExitCode}\nstdout: {r.StdOut}\nstderr: {r.StdErr}");
        return r.StdOut;
    }
}
