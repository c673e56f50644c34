namespace GitMl.Core.Config;

/// <summary>
/// The merged view of <c>.gitml/config</c> (committed) and <c>.gitml/config.local</c> (machine-local, secrets);
/// local values win.
/// </summary>
public sealed class GitMlConfig
{
    /// <summary>Keys that hold secrets: refused in the committed file, never printed.</summary>
    public static readonly IReadOnlySet<string> SecretKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "access_key_id", "secret_access_key", "session_token", "password",
    };

    /// <summary>Creates the merged view.</summary>
    public GitMlConfig(GitConfigFile shared, GitConfigFile local)
    {
        Shared = shared;
        Local = local;
    }

    /// <summary><c>.gitml/config</c>.</summary>
    public GitConfigFile Shared { get; }

    /// <summary><c>.gitml/config.local</c>.</summary>
    public GitConfigFile Local { get; }

    /// <summary>Loads both files from a <c>.gitml</c> folder.</summary>
    public static GitMlConfig Load(string gitMlDir) => new(
        GitConfigFile.Load(Path.Combine(gitMlDir, "config")),
        GitConfigFile.Load(Path.Combine(gitMlDir, "config.local")));

    /// <summary>A value, local first.</summary>
    public string? Get(string section, string? subsection, string key) =>
        Local.Get(section, subsection, key) ?? Shared.Get(section, subsection, key);

    /// <summary>Link types in fallback order (<c>cache.type</c>, default <c>reflink,copy</c>).</summary>
    public IReadOnlyList<string> CacheTypes
    {
        get
        {
            var raw = Get("cache", null, "type") ?? "reflink,copy";
            var types = raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => t.ToLowerInvariant()).ToList();
            foreach (var t in types)
            {
                if (t is not ("reflink" or "hardlink" or "symlink" or "copy"))
                {
                    throw new GitMlException(
                        $"invalid cache.type '{t}'",
                        "cache.type is a comma-separated list of reflink, hardlink, symlink, copy",
                        ExitCode.InvalidInput);
                }
            }

            return types.Count == 0 ? ["reflink", "copy"] : types;
        }
    }

    /// <summary>The default remote's name (<c>core.remote</c>), or null.</summary>
    public string? DefaultRemote => Get("core", null, "remote");
}
