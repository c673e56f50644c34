using System.Globalization;
using System.Text.RegularExpressions;

namespace GitMl.Core.Registry;

/// <summary>What a registry tag records.</summary>
public enum RegistryAction
{
    /// <summary><c>name@v1.2.3</c>: a version is registered at the tagged commit.</summary>
    Register,

    /// <summary><c>name@v1.2.3!</c>: the version is withdrawn.</summary>
    Deregister,

    /// <summary><c>name#stage#N</c>: the version at the tagged commit enters a stage.</summary>
    Assign,

    /// <summary><c>name#stage!#N</c>: the version at the tagged commit leaves a stage.</summary>
    Unassign,

    /// <summary><c>name@deprecated</c>: the whole artifact is retired.</summary>
    Deprecate,
}

/// <summary>A parsed registry tag name.</summary>
/// <param name="Artifact">Artifact name (GTO's <c>dirname:name</c> form uses ':' here, '=' in the tag).</param>
/// <param name="Action">The event.</param>
/// <param name="Version">Version for register/deregister.</param>
/// <param name="Stage">Stage for assign/unassign.</param>
/// <param name="Counter">The <c>#N</c> suffix, when present.</param>
public sealed record RegistryTag(string Artifact, RegistryAction Action, string? Version, string? Stage, int? Counter);

/// <summary>
/// The tag-name grammar GTO reads and writes (gto/constants.py <c>tag_re</c>, gto/tag.py <c>name_tag</c>), so
/// registries made by either tool are read by the other.
/// </summary>
public static partial class RegistryTagName
{
    /// <summary>Longest tag name read as a registry tag; longer names are not registry tags.</summary>
    public const int MaxTagLength = 1024;

    private const string Name = "[a-z0-9]([a-z0-9-/]*[a-z0-9])?";
    private const string DirName = "[a-z0-9-_./]+";

    [GeneratedRegex("^" + Name + "$", RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();

    [GeneratedRegex("^(" + DirName + ":)?" + Name + "$", RegexOptions.CultureInvariant)]
    private static partial Regex FullNameRegex();

    [GeneratedRegex(
        "^(?<artifact>(" + DirName + "=)?(?<name>" + Name + "))(((#(?<stage>" + Name + ")|@(?<version>v" + SemVer.Pattern + "))(?<cancel>!?))|@((?<deprecated>deprecated)|(?<created>created)))(#(?<counter>[0-9]+))?$",
        RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex TagRegex();

    /// <summary>True for a valid artifact or stage name (lower-case letters, digits, '-', '/'; starts and ends alphanumeric).</summary>
    public static bool IsValidName(string? value) => value is not null && NameRegex().IsMatch(value);

    /// <summary>True for a valid artifact name, optionally prefixed with GTO's <c>dirname:</c>.</summary>
    public static bool IsValidArtifactName(string? value) => value is not null && FullNameRegex().IsMatch(value);

    /// <summary>Throws <see cref="ExitCode.InvalidInput"/> unless <paramref name="name"/> is a valid artifact name.</summary>
    public static string RequireArtifactName(string name) => IsValidArtifactName(name) ? name : throw new GitMlException(
        $"invalid artifact name '{name}'",
        "artifact names use lower-case letters, digits, '-' and '/', and start and end with a letter or digit (e.g. churn-model)",
        ExitCode.InvalidInput);

    /// <summary>Throws <see cref="ExitCode.InvalidInput"/> unless <paramref name="stage"/> is a valid stage name.</summary>
    public static string RequireStageName(string stage) => IsValidName(stage) ? stage : throw new GitMlException(
        $"invalid stage name '{stage}'",
        "stage names use lower-case letters, digits, '-' and '/', and start and end with a letter or digit (e.g. prod)",
        ExitCode.InvalidInput);

    /// <summary>Parses a tag name; null when it is not a registry tag.</summary>
    public static RegistryTag? TryParse(string tagName)
    {
        // Tags come from any clone; a multi-megabyte name made the backtracking regex take seconds (found by fuzzing).
        if (tagName.Length > MaxTagLength)
        {
            return null;
        }

        var m = TagRegex().Match(tagName);
        if (!m.Success || m.Groups["created"].Success)
        {
            return null;
        }

        var artifact = m.Groups["artifact"].Value.Replace('=', ':');
        int? counter = m.Groups["counter"].Success && int.TryParse(m.Groups["counter"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        var cancel = m.Groups["cancel"].Value == "!";
        if (m.Groups["deprecated"].Success)
        {
            return new RegistryTag(artifact, RegistryAction.Deprecate, null, null, counter);
        }

        if (m.Groups["version"].Success)
        {
            return new RegistryTag(artifact, cancel ? RegistryAction.Deregister : RegistryAction.Register, m.Groups["version"].Value, null, counter);
        }

        return new RegistryTag(artifact, cancel ? RegistryAction.Unassign : RegistryAction.Assign, null, m.Groups["stage"].Value, counter);
    }

    /// <summary>The tag prefix of an artifact (GTO writes <c>dirname:name</c> as <c>dirname=name</c>).</summary>
    public static string InTag(string artifact) => artifact.Replace(':', '=');

    /// <summary><c>name@v1.2.3</c>.</summary>
    public static string Register(string artifact, string version) => $"{InTag(artifact)}@{version}";

    /// <summary><c>name@v1.2.3!</c>.</summary>
    public static string Deregister(string artifact, string version) => $"{InTag(artifact)}@{version}!";

    /// <summary><c>name#stage#N</c>.</summary>
    public static string Assign(string artifact, string stage, int counter) => $"{InTag(artifact)}#{stage}#{counter}";

    /// <summary><c>name#stage!#N</c>.</summary>
    public static string Unassign(string artifact, string stage, int counter) => $"{InTag(artifact)}#{stage}!#{counter}";

    /// <summary><c>name@deprecated</c>.</summary>
    public static string Deprecate(string artifact) => $"{InTag(artifact)}@deprecated";
}
