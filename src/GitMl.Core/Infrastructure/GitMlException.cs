namespace GitMl.Core;

/// <summary>
/// An expected failure that the CLI reports as one <c>error: …</c> line plus a hint, with a documented exit code.
/// Anything else that escapes a command is a bug and is reported as such.
/// </summary>
public class GitMlException : Exception
{
    /// <summary>Creates an error with a message, an optional hint and an exit code.</summary>
    public GitMlException(string message, string? hint = null, ExitCode exitCode = ExitCode.Error, Exception? inner = null)
        : base(message, inner)
    {
        Hint = hint;
        ExitCode = exitCode;
    }

    /// <summary>What the user can do about it; shown as <c>hint: …</c>.</summary>
    public string? Hint { get; }

    /// <summary>The process exit code this error maps to.</summary>
    public ExitCode ExitCode { get; }
}
