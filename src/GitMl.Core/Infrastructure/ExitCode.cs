namespace GitMl.Core;

/// <summary>
/// Process exit codes of <c>git ml</c>. Documented in docs/cli.md; values are part of the contract and never renumbered.
/// </summary>
public enum ExitCode
{
    /// <summary>The command did what was asked.</summary>
    Success = 0,

    /// <summary>An error that has no more specific code.</summary>
    Error = 1,

    /// <summary>The command line could not be parsed (unknown option, missing argument).</summary>
    Usage = 2,

    /// <summary>Not inside a Git repository, or <c>.gitml/</c> is missing (run <c>git ml init</c>).</summary>
    NotInitialized = 3,

    /// <summary>A path, pointer file, config value or other input is invalid or unsafe.</summary>
    InvalidInput = 4,

    /// <summary>A path, object, revision or reference does not exist.</summary>
    NotFound = 5,

    /// <summary>Bytes do not match their oid (corrupted cache or remote object).</summary>
    Corrupted = 6,

    /// <summary>Another <c>git ml</c> process holds the repository lock.</summary>
    Locked = 7,

    /// <summary>The command would overwrite or lose workspace changes; re-run with <c>--force</c> if intended.</summary>
    Conflict = 8,

    /// <summary>A remote failed: unreachable, missing bucket, bad credentials, transfer interrupted.</summary>
    Remote = 9,

    /// <summary>A metric regressed beyond its tolerance (<c>--fail-on-regression</c>).</summary>
    Regression = 10,

    /// <summary>A pipeline stage command failed.</summary>
    StageFailed = 11,

    /// <summary>Out of disk space or another I/O failure of the local machine.</summary>
    IoError = 12,

    /// <summary><c>repro --verify</c>: re-running a commit's pipeline produced outs that differ from its lock.</summary>
    NotReproducible = 13,
}
