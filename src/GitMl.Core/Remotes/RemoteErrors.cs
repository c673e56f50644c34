namespace GitMl.Core.Remotes;

/// <summary>The errors remotes share, worded once.</summary>
public static class RemoteErrors
{
    /// <summary>An object the transfer needs is not on the remote.</summary>
    public static GitMlException MissingObject(string oid, string remote) => new(
        $"object {oid} is not on remote {remote}",
        "push it from a clone that has it ('git ml push'), or check that you chose the right remote (-r)",
        ExitCode.NotFound);

    /// <summary>A downloaded object's bytes do not match its name.</summary>
    public static GitMlException CorruptDownload(string oid, string remote, string actual) => new(
        $"object {oid} on remote {remote} is corrupted (its bytes hash to {actual})",
        "the bad bytes were discarded; run 'git ml fsck --cloud' and push a good copy from a clone that has one",
        ExitCode.Corrupted);
}
