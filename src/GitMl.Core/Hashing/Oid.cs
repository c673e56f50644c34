namespace GitMl.Core.Hashing;

/// <summary>Validation and helpers for object ids (64 lower-case hex BLAKE3 digests, <c>.dir</c> suffix for manifests).</summary>
public static class Oid
{
    /// <summary>Suffix that marks a directory manifest's oid.</summary>
    public const string DirSuffix = ".dir";

    /// <summary>The only hash name GitMl writes.</summary>
    public const string HashName = "blake3";

    /// <summary>True when <paramref name="oid"/> is 64 lower-case hex chars, optionally followed by <c>.dir</c>.</summary>
    public static bool IsValid(string? oid)
    {
        if (oid is null)
        {
            return false;
        }

        var core = oid.AsSpan();
        if (core.EndsWith(DirSuffix, StringComparison.Ordinal))
        {
            core = core[..^DirSuffix.Length];
        }

        return core.Length == 64 && !core.ContainsAnyExcept(HexLower);
    }

    private static readonly System.Buffers.SearchValues<char> HexLower = System.Buffers.SearchValues.Create("0123456789abcdef");

    /// <summary>True for a directory manifest oid.</summary>
    public static bool IsDir(string oid) => oid.EndsWith(DirSuffix, StringComparison.Ordinal);

    /// <summary>The digest part of an oid (without <c>.dir</c>).</summary>
    public static string Digest(string oid) => IsDir(oid) ? oid[..^DirSuffix.Length] : oid;

    /// <summary>Throws <see cref="GitMlException"/> when <paramref name="oid"/> is not valid.</summary>
    public static string Require(string? oid, string where)
    {
        if (!IsValid(oid))
        {
            throw new GitMlException(
                $"invalid oid '{Truncate(oid)}' in {where}",
                "an oid is 64 lower-case hex characters (plus '.dir' for directories); restore the file with 'git checkout -- <file>'",
                ExitCode.InvalidInput);
        }

        return oid!;
    }

    /// <summary>Relative storage path of an object: <c>b3/xx/rest</c>, with '/' separators.</summary>
    public static string StoragePath(string oid) => "b3/" + oid[..2] + "/" + oid[2..];

    private static string Truncate(string? s) => s is null ? "(none)" : s.Length > 80 ? s[..80] + "…" : s;
}
