using System.Globalization;
using System.Text.RegularExpressions;

namespace GitMl.Core.Registry;

/// <summary>
/// A semantic version as GTO writes it in tags: <c>v</c> + <c>MAJOR.MINOR.PATCH</c> with optional pre-release and
/// build parts. Ordering follows semver precedence (build metadata ignored).
/// </summary>
public sealed partial class SemVer : IComparable<SemVer>, IEquatable<SemVer>
{
    private SemVer(int major, int minor, int patch, string? prerelease, string? build)
    {
        Major = major;
        Minor = minor;
        Patch = patch;
        Prerelease = prerelease;
        Build = build;
    }

    /// <summary>Major part.</summary>
    public int Major { get; }

    /// <summary>Minor part.</summary>
    public int Minor { get; }

    /// <summary>Patch part.</summary>
    public int Patch { get; }

    /// <summary>Pre-release identifiers (after <c>-</c>), or null.</summary>
    public string? Prerelease { get; }

    /// <summary>Build metadata (after <c>+</c>), or null.</summary>
    public string? Build { get; }

    /// <summary>The first version GTO registers when none is given: <c>v0.0.1</c>.</summary>
    public static SemVer Minimal { get; } = new(0, 0, 1, null, null);

    /// <summary>The regex body (without the leading <c>v</c>) GTO uses; shared with the tag-name grammar.</summary>
    internal const string Pattern =
        @"(?<major>0|[1-9]\d*)\.(?<minor>0|[1-9]\d*)\.(?<patch>0|[1-9]\d*)(?:-(?<prerelease>(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+(?<buildmetadata>[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?";

    [GeneratedRegex("^v" + Pattern + "$", RegexOptions.CultureInvariant)]
    private static partial Regex FullRegex();

    /// <summary>Parses <c>vX.Y.Z[-pre][+build]</c>; returns null when it is not one.</summary>
    public static SemVer? TryParse(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var m = FullRegex().Match(text);
        if (!m.Success)
        {
            return null;
        }

        if (!int.TryParse(m.Groups["major"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(m.Groups["minor"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var minor)
            || !int.TryParse(m.Groups["patch"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var patch))
        {
            return null;
        }

        return new SemVer(
            major,
            minor,
            patch,
            m.Groups["prerelease"].Success ? m.Groups["prerelease"].Value : null,
            m.Groups["buildmetadata"].Success ? m.Groups["buildmetadata"].Value : null);
    }

    /// <summary>Parses a version or throws <see cref="ExitCode.InvalidInput"/>.</summary>
    public static SemVer Parse(string text) => TryParse(text) ?? throw new GitMlException(
        $"invalid version '{text}'",
        "versions look like v1.2.3 (semantic versioning with a leading 'v'), e.g. v1.0.0 or v2.1.0-rc.1",
        ExitCode.InvalidInput);

    /// <summary>The next version: <c>major</c>, <c>minor</c> or <c>patch</c> (pre-release and build dropped).</summary>
    public SemVer Bump(string part) => part switch
    {
        "major" => new SemVer(Major + 1, 0, 0, null, null),
        "minor" => new SemVer(Major, Minor + 1, 0, null, null),
        "patch" => new SemVer(Major, Minor, Patch + 1, null, null),
        _ => throw new GitMlException($"invalid bump '{part}'", "use --bump major, minor or patch", ExitCode.InvalidInput),
    };

    /// <inheritdoc />
    public int CompareTo(SemVer? other)
    {
        if (other is null)
        {
            return 1;
        }

        var c = Major.CompareTo(other.Major);
        if (c == 0)
        {
            c = Minor.CompareTo(other.Minor);
        }

        if (c == 0)
        {
            c = Patch.CompareTo(other.Patch);
        }

        if (c != 0)
        {
            return c;
        }

        // A pre-release sorts below its release; identifiers compare numerically when both are numeric.
        if (Prerelease is null || other.Prerelease is null)
        {
            return (Prerelease is null ? 1 : 0) - (other.Prerelease is null ? 1 : 0);
        }

        var a = Prerelease.Split('.');
        var b = other.Prerelease.Split('.');
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            var an = long.TryParse(a[i], NumberStyles.None, CultureInfo.InvariantCulture, out var ai);
            var bn = long.TryParse(b[i], NumberStyles.None, CultureInfo.InvariantCulture, out var bi);
            c = an && bn ? ai.CompareTo(bi) : an ? -1 : bn ? 1 : string.CompareOrdinal(a[i], b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Length.CompareTo(b.Length);
    }

    /// <inheritdoc />
    public bool Equals(SemVer? other) => other is not null && ToString() == other.ToString();

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SemVer s && Equals(s);

    /// <inheritdoc />
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    /// <summary>The tag form, e.g. <c>v1.2.3-rc.1</c>.</summary>
    public override string ToString() =>
        $"v{Major}.{Minor}.{Patch}" + (Prerelease is null ? string.Empty : "-" + Prerelease) + (Build is null ? string.Empty : "+" + Build);
}
