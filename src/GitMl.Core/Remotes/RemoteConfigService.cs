using GitMl.Core.Config;

namespace GitMl.Core.Remotes;

/// <summary>A remote as <c>remote list</c> shows it: no secrets, only whether credentials are set locally.</summary>
/// <param name="Name">Remote name.</param>
/// <param name="Url">Configured URL.</param>
/// <param name="IsDefault">True for <c>core.remote</c>.</param>
/// <param name="Settings">Non-secret key/values (url, endpointurl, region, jobs, profile), local overrides applied.</param>
/// <param name="HasLocalCredentials">True when <c>.gitml/config.local</c> holds keys for it.</param>
public sealed record RemoteInfo(string Name, string Url, bool IsDefault, IReadOnlyDictionary<string, string> Settings, bool HasLocalCredentials);

/// <summary>
/// Edits remotes in <c>.gitml/config</c> (committed) and <c>.gitml/config.local</c> (machine-local, secrets), and
/// opens the storage behind a remote name. Secrets are refused in the committed file.
/// </summary>
public sealed class RemoteConfigService
{
    private readonly GitMlRepository _repo;
    private readonly Func<string, string?> _env;

    /// <summary>Creates the service; <paramref name="env"/> reads environment variables (default: the repository's <see cref="GitMlRepository.Environment"/>).</summary>
    public RemoteConfigService(GitMlRepository repo, Func<string, string?>? env = null)
    {
        _repo = repo;
        _env = env ?? repo.Environment;
    }

    /// <summary>Adds a remote; with <paramref name="makeDefault"/> it becomes <c>core.remote</c>.</summary>
    public void Add(string name, string url, bool makeDefault, bool local)
    {
        ValidateName(name);
        RemoteSettings.ValidateUrl(url, _repo.WorkDir);
        var config = _repo.Config;
        if (config.Shared.Get("remote", name, "url") is not null || config.Local.Get("remote", name, "url") is not null)
        {
            throw new GitMlException(
                $"remote '{name}' already exists",
                $"change its URL with 'git ml remote modify {name} url {url}', or pick another name",
                ExitCode.Conflict);
        }

        var file = local ? config.Local : config.Shared;
        file.Set("remote", name, "url", url);
        if (makeDefault)
        {
            file.Set("core", null, "remote", name);
        }

        file.Save();
        _repo.ReloadConfig();
    }

    /// <summary>Every configured remote, sorted by name.</summary>
    public IReadOnlyList<RemoteInfo> List()
    {
        var config = _repo.Config;
        var names = config.Shared.Subsections("remote").Concat(config.Local.Subsections("remote"))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var result = new List<RemoteInfo>();
        foreach (var name in names)
        {
            var url = config.Get("remote", name, "url");
            if (url is null)
            {
                continue;
            }

            var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var file in new[] { config.Shared, config.Local })
            {
                foreach (var (k, v) in file.Entries("remote", name))
                {
                    if (!GitMlConfig.SecretKeys.Contains(k))
                    {
                        settings[k.ToLowerInvariant()] = v;
                    }
                }
            }

            var hasCreds = config.Local.Get("remote", name, "access_key_id") is not null;
            result.Add(new RemoteInfo(name, url, config.DefaultRemote == name, settings, hasCreds));
        }

        return result;
    }

    /// <summary>Removes a remote from both files (and <c>core.remote</c> when it named it).</summary>
    public void Remove(string name)
    {
        RequireExists(name);
        var config = _repo.Config;
        foreach (var file in new[] { config.Shared, config.Local })
        {
            var changed = file.RemoveSection("remote", name);
            if (file.Get("core", null, "remote") == name)
            {
                file.Unset("core", null, "remote");
                changed = true;
            }

            if (changed)
            {
                file.Save();
            }
        }

        _repo.ReloadConfig();
    }

    /// <summary>Makes <paramref name="name"/> the default remote, or with null clears the default. Returns the current default.</summary>
    public string? SetDefault(string? name, bool local)
    {
        var config = _repo.Config;
        if (name is null)
        {
            return config.DefaultRemote;
        }

        RequireExists(name);
        var file = local ? config.Local : config.Shared;
        file.Set("core", null, "remote", name);
        file.Save();
        _repo.ReloadConfig();
        return name;
    }

    /// <summary>Clears the default remote in the chosen file.</summary>
    public void UnsetDefault(bool local)
    {
        var config = _repo.Config;
        var file = local ? config.Local : config.Shared;
        if (file.Unset("core", null, "remote"))
        {
            file.Save();
        }

        _repo.ReloadConfig();
    }

    /// <summary>
    /// Sets (or with <paramref name="unset"/> removes) one key of a remote. Secret keys are refused unless
    /// <paramref name="local"/>, because <c>.gitml/config</c> is committed.
    /// </summary>
    public void Modify(string name, string key, string? value, bool local, bool unset)
    {
        RequireExists(name);
        var isSecret = GitMlConfig.SecretKeys.Contains(key);
        if (!isSecret && !RemoteSettings.KnownKeys.Contains(key))
        {
            throw new GitMlException(
                $"unknown remote setting '{key}'",
                "settings: url, endpointurl, region, jobs, profile, part_size, multipart_threshold; with --local also access_key_id, secret_access_key, session_token",
                ExitCode.InvalidInput);
        }

        if (isSecret && !local && !unset)
        {
            throw new GitMlException(
                $"refusing to write '{key}' into .gitml/config, which is committed to Git",
                $"store secrets in the uncommitted .gitml/config.local: 'git ml remote modify {name} {key} <value> --local'",
                ExitCode.InvalidInput);
        }

        var config = _repo.Config;
        var file = local ? config.Local : config.Shared;
        if (unset)
        {
            if (!file.Unset("remote", name, key))
            {
                throw new GitMlException($"remote '{name}' has no '{key}' in {(local ? ".gitml/config.local" : ".gitml/config")}", null, ExitCode.NotFound);
            }
        }
        else
        {
            switch (key.ToLowerInvariant())
            {
                case "url":
                    RemoteSettings.ValidateUrl(value!, _repo.WorkDir);
                    break;
                case "endpointurl":
                    RemoteSettings.ParseEndpoint(value!);
                    break;
                case "jobs":
                    if (!int.TryParse(value, out var j) || j < 1 || j > 256)
                    {
                        throw new GitMlException($"invalid jobs '{value}'", "jobs is a whole number from 1 to 256", ExitCode.InvalidInput);
                    }

                    break;
                case "part_size":
                case "multipart_threshold":
                    RemoteSettings.ParsePartSize(value!, key.ToLowerInvariant());
                    break;
            }

            file.Set("remote", name, key.ToLowerInvariant(), value!);
        }

        file.Save();
        _repo.ReloadConfig();
    }

    /// <summary>
    /// Resolves <paramref name="name"/> (or the default remote when null) to its settings, with credentials.
    /// Throws <see cref="ExitCode.NotFound"/> for an unknown name and when no default is set.
    /// </summary>
    public RemoteSettings Resolve(string? name)
    {
        var config = _repo.Config;
        if (name is null)
        {
            name = config.DefaultRemote;
            if (name is null)
            {
                throw new GitMlException(
                    "no remote given and no default remote is set",
                    "pass -r NAME, or set a default: 'git ml remote add -d NAME URL' or 'git ml remote default NAME'",
                    ExitCode.NotFound);
            }
        }

        RequireExists(name);
        return RemoteSettings.Load(config, name, _repo.WorkDir, _env);
    }

    /// <summary>Opens the storage of a remote (see <see cref="Resolve"/>).</summary>
    public IRemoteStorage Open(string? name) => RemoteStorageFactory.Create(Resolve(name));

    private void RequireExists(string name)
    {
        if (_repo.Config.Get("remote", name, "url") is null)
        {
            var known = List().Select(r => r.Name).ToList();
            throw new GitMlException(
                $"unknown remote '{name}'",
                known.Count == 0 ? "add one with 'git ml remote add NAME URL'" : "configured remotes: " + string.Join(", ", known),
                ExitCode.NotFound);
        }
    }

    private static void ValidateName(string name)
    {
        if (name.Length == 0 || name.Length > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || name[0] == '.')
        {
            throw new GitMlException(
                $"invalid remote name '{name}'",
                "use letters, digits, '-', '_' or '.' (not first), at most 64 characters",
                ExitCode.InvalidInput);
        }
    }
}
