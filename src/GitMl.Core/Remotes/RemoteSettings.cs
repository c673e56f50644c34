using System.Globalization;
using GitMl.Core.Config;

namespace GitMl.Core.Remotes;

/// <summary>The kind of storage a remote URL names.</summary>
public enum RemoteKind
{
    /// <summary>A folder on a local or mounted file system.</summary>
    Directory,

    /// <summary>An S3-compatible bucket (AWS, Minio, moto, Ceph…).</summary>
    S3,
}

/// <summary>Access keys for an S3 remote. <see cref="ToString"/> never shows the secret.</summary>
/// <param name="AccessKeyId">The access key id.</param>
/// <param name="SecretAccessKey">The secret key.</param>
/// <param name="SessionToken">An optional session token.</param>
/// <param name="Source">Where they came from (for diagnostics): config.local, environment, or profile NAME.</param>
public sealed record S3Credentials(string AccessKeyId, string SecretAccessKey, string? SessionToken, string Source)
{
    /// <inheritdoc />
    public override string ToString() => $"credentials from {Source}";
}

/// <summary>
/// One configured remote, resolved from <c>[remote "NAME"]</c> in <c>.gitml/config</c> and <c>.gitml/config.local</c>.
/// </summary>
public sealed class RemoteSettings
{
    /// <summary>Config keys a remote section may hold (besides the secret ones in <see cref="GitMlConfig.SecretKeys"/>).</summary>
    public static readonly IReadOnlySet<string> KnownKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "url", "endpointurl", "region", "jobs", "profile", "part_size", "multipart_threshold",
    };

    /// <summary>Default <c>part_size</c>: the size of each part of an S3 object that moves in parts.</summary>
    public const long DefaultPartSize = 16L << 20;

    /// <summary>
    /// Default <c>multipart_threshold</c>. Measured against moto_server, one PUT or GET per object beat parallel parts
    /// at 256 MiB (the server copies the whole object for each range and again to join parts), so only objects above
    /// 1 GiB move in parts by default; on AWS S3 a lower threshold (e.g. 64MiB) is usually faster.
    /// </summary>
    public const long DefaultMultipartThreshold = 1L << 30;

    /// <summary>Smallest <c>part_size</c> S3 accepts for multipart uploads (every part but the last).</summary>
    public const long MinPartSize = 5L << 20;

    /// <summary>Largest <c>part_size</c> S3 accepts for one part.</summary>
    public const long MaxPartSize = 5L << 30;

    private RemoteSettings(string name, string url, RemoteKind kind)
    {
        Name = name;
        Url = url;
        Kind = kind;
    }

    /// <summary>The remote's name.</summary>
    public string Name { get; }

    /// <summary>The URL as configured.</summary>
    public string Url { get; }

    /// <summary>Directory or S3.</summary>
    public RemoteKind Kind { get; }

    /// <summary>Full folder path of a directory remote.</summary>
    public string? DirectoryPath { get; private init; }

    /// <summary>Bucket of an S3 remote.</summary>
    public string? Bucket { get; private init; }

    /// <summary>Key prefix inside the bucket, without leading or trailing '/', possibly empty.</summary>
    public string Prefix { get; private init; } = string.Empty;

    /// <summary>S3 endpoint (<c>endpointurl</c>), or null for AWS.</summary>
    public Uri? Endpoint { get; private init; }

    /// <summary>S3 region (<c>region</c>), default <c>us-east-1</c>.</summary>
    public string Region { get; private init; } = "us-east-1";

    /// <summary>Parallel transfers configured for this remote (<c>jobs</c>), or null.</summary>
    public int? Jobs { get; private init; }

    /// <summary>Part size (<c>part_size</c>) for S3 objects that move in parts.</summary>
    public long PartSize { get; private init; } = DefaultPartSize;

    /// <summary>
    /// S3 objects larger than this (<c>multipart_threshold</c>) go up as a multipart upload and come down as ranged
    /// reads, in parts of <see cref="PartSize"/>, several in parallel; smaller ones move in one request.
    /// </summary>
    public long MultipartThreshold { get; private init; } = DefaultMultipartThreshold;

    /// <summary>AWS shared-credentials profile (<c>profile</c>), or null.</summary>
    public string? Profile { get; private init; }

    /// <summary>Credentials resolved in the design's order, or null for anonymous access.</summary>
    public S3Credentials? Credentials { get; private init; }

    /// <summary>Host and port the remote talks to (S3), for messages.</summary>
    public string HostPort
    {
        get
        {
            var ep = Endpoint ?? new Uri("https://s3." + Region + ".amazonaws.com");
            return ep.Host + ":" + ep.Port.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>A short description for messages (never includes secrets).</summary>
    public string Describe() => Kind == RemoteKind.Directory
        ? $"'{Name}' ({DirectoryPath})"
        : $"'{Name}' (s3://{Bucket}{(Prefix.Length > 0 ? "/" + Prefix : string.Empty)} at {HostPort})";

    /// <summary>
    /// Validates a remote URL: <c>s3://bucket[/prefix]</c>, an absolute path, or <c>file:///abs/path</c>.
    /// Returns the kind; throws <see cref="ExitCode.InvalidInput"/> with a hint otherwise.
    /// </summary>
    public static RemoteKind ValidateUrl(string url, string? baseDir = null)
    {
        ParseUrl(url, baseDir, out var kind, out _, out _, out _);
        return kind;
    }

    /// <summary>Validates an <c>endpointurl</c> value (http or https with a host).</summary>
    public static Uri ParseEndpoint(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
        {
            throw new GitMlException(
                $"malformed endpointurl '{value}'",
                "use a URL such as http://127.0.0.1:9000 or https://s3.example.com",
                ExitCode.InvalidInput);
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new GitMlException(
                "endpointurl must not contain credentials",
                "put access_key_id/secret_access_key in .gitml/config.local with 'git ml remote modify NAME KEY VALUE --local'",
                ExitCode.InvalidInput);
        }

        return uri;
    }

    /// <summary>
    /// Parses a <c>part_size</c> or <c>multipart_threshold</c> value (<paramref name="key"/>, for the message): bytes,
    /// or a number with a <c>KiB</c>/<c>MiB</c>/<c>GiB</c> suffix (also <c>K</c>/<c>M</c>/<c>G</c>, binary), from
    /// 5 MiB (the S3 minimum part) to 5 GiB (the S3 maximum part and single PUT).
    /// </summary>
    public static long ParsePartSize(string value, string key)
    {
        var text = value.Trim();
        var multiplier = 1L;
        foreach (var (suffix, m) in new[] { ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("K", 1L << 10), ("M", 1L << 20), ("G", 1L << 30) })
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                multiplier = m;
                text = text[..^suffix.Length].TrimEnd();
                break;
            }
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > MaxPartSize / multiplier
            || n * multiplier < MinPartSize || n * multiplier > MaxPartSize)
        {
            throw new GitMlException(
                $"invalid {key} '{value}'",
                $"{key} is a size from 5MiB to 5GiB, e.g. 16MiB (S3 refuses smaller parts and larger single uploads)",
                ExitCode.InvalidInput);
        }

        return n * multiplier;
    }

    /// <summary>
    /// Loads remote <paramref name="name"/> from the merged config and resolves its credentials.
    /// <paramref name="env"/> reads environment variables (tests pass their own).
    /// </summary>
    public static RemoteSettings Load(GitMlConfig config, string name, string workDir, Func<string, string?> env)
    {
        var url = config.Get("remote", name, "url") ?? throw new GitMlException(
            $"remote '{name}' has no url",
            $"set it with 'git ml remote modify {name} url URL'",
            ExitCode.InvalidInput);
        ParseUrl(url, workDir, out var kind, out var dirPath, out var bucket, out var prefix);
        int? jobs = null;
        var jobsText = config.Get("remote", name, "jobs");
        if (jobsText is not null)
        {
            if (!int.TryParse(jobsText, NumberStyles.None, CultureInfo.InvariantCulture, out var j) || j < 1 || j > 256)
            {
                throw new GitMlException($"invalid jobs '{jobsText}' for remote '{name}'", "jobs is a whole number from 1 to 256", ExitCode.InvalidInput);
            }

            jobs = j;
        }

        var partSizeText = config.Get("remote", name, "part_size");
        var thresholdText = config.Get("remote", name, "multipart_threshold");
        var endpointText = config.Get("remote", name, "endpointurl");
        var profile = config.Get("remote", name, "profile");
        var settings = new RemoteSettings(name, url, kind)
        {
            DirectoryPath = dirPath,
            Bucket = bucket,
            Prefix = prefix ?? string.Empty,
            Endpoint = endpointText is null ? null : ParseEndpoint(endpointText),
            Region = config.Get("remote", name, "region") ?? "us-east-1",
            Jobs = jobs,
            PartSize = partSizeText is null ? DefaultPartSize : ParsePartSize(partSizeText, "part_size"),
            MultipartThreshold = thresholdText is null ? DefaultMultipartThreshold : ParsePartSize(thresholdText, "multipart_threshold"),
            Profile = profile,
            Credentials = kind == RemoteKind.S3 ? ResolveCredentials(config, name, profile, env) : null,
        };
        return settings;
    }

    /// <summary>
    /// Credentials in the design's order: <c>.gitml/config.local</c>, then the <c>AWS_*</c> environment, then a profile
    /// (the remote's <c>profile</c>, else <c>AWS_PROFILE</c>) in the AWS shared credentials file. Null when none.
    /// </summary>
    public static S3Credentials? ResolveCredentials(GitMlConfig config, string name, string? profile, Func<string, string?> env)
    {
        var localKey = config.Local.Get("remote", name, "access_key_id");
        var localSecret = config.Local.Get("remote", name, "secret_access_key");
        if (localKey is not null && localSecret is not null)
        {
            return new S3Credentials(localKey, localSecret, config.Local.Get("remote", name, "session_token"), ".gitml/config.local");
        }

        var envKey = env("AWS_ACCESS_KEY_ID");
        var envSecret = env("AWS_SECRET_ACCESS_KEY");
        if (!string.IsNullOrEmpty(envKey) && !string.IsNullOrEmpty(envSecret))
        {
            return new S3Credentials(envKey, envSecret, NullIfEmpty(env("AWS_SESSION_TOKEN")), "the AWS_* environment");
        }

        var profileName = profile ?? NullIfEmpty(env("AWS_PROFILE"));
        var file = NullIfEmpty(env("AWS_SHARED_CREDENTIALS_FILE"))
            ?? (NullIfEmpty(env("HOME")) is { } home ? Path.Combine(home, ".aws", "credentials") : null);
        if (file is null || !File.Exists(file))
        {
            if (profile is not null)
            {
                throw new GitMlException(
                    $"remote '{name}' names profile '{profile}' but there is no AWS credentials file{(file is null ? string.Empty : " at " + file)}",
                    "create it with 'aws configure --profile " + profile + "', or set AWS_SHARED_CREDENTIALS_FILE",
                    ExitCode.InvalidInput);
            }

            return null;
        }

        var values = ReadProfile(file, profileName ?? "default");
        if (values.TryGetValue("aws_access_key_id", out var k) && values.TryGetValue("aws_secret_access_key", out var s))
        {
            values.TryGetValue("aws_session_token", out var t);
            return new S3Credentials(k, s, t, $"profile '{profileName ?? "default"}'");
        }

        if (profile is not null)
        {
            throw new GitMlException(
                $"profile '{profile}' of remote '{name}' has no aws_access_key_id/aws_secret_access_key in {file}",
                "run 'aws configure --profile " + profile + "'",
                ExitCode.InvalidInput);
        }

        return null;
    }

    private static Dictionary<string, string> ReadProfile(string file, string profile)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var inSection = false;
        foreach (var raw in File.ReadAllLines(file))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[' && line[^1] == ']')
            {
                var section = line[1..^1].Trim();
                if (section.StartsWith("profile ", StringComparison.Ordinal))
                {
                    section = section["profile ".Length..].Trim();
                }

                inSection = section == profile;
                continue;
            }

            var eq = line.IndexOf('=');
            if (inSection && eq > 0)
            {
                result[line[..eq].Trim()] = line[(eq + 1)..].Trim();
            }
        }

        return result;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static void ParseUrl(string url, string? baseDir, out RemoteKind kind, out string? dirPath, out string? bucket, out string? prefix)
    {
        dirPath = null;
        bucket = null;
        prefix = null;
        if (url.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            kind = RemoteKind.S3;
            var rest = url["s3://".Length..];
            var slash = rest.IndexOf('/');
            bucket = slash < 0 ? rest : rest[..slash];
            prefix = slash < 0 ? string.Empty : rest[(slash + 1)..].Trim('/');
            if (bucket.Contains('@') || bucket.Contains(':'))
            {
                throw BadUrl(url, "credentials or ports do not belong in an s3:// URL; set endpointurl, and keys with --local");
            }

            // S3 bucket naming rules: 3-63 chars of lower-case letters, digits, '.', '-', starting and ending alphanumeric.
            if (bucket.Length is < 3 or > 63
                || !bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-')
                || !char.IsAsciiLetterOrDigit(bucket[0]) || !char.IsAsciiLetterOrDigit(bucket[^1]))
            {
                throw BadUrl(url, "a bucket name is 3-63 lower-case letters, digits, '.' or '-': s3://my-bucket/optional/prefix");
            }

            if (prefix.Split('/').Any(s => s is "." or "..") || prefix.Contains("//", StringComparison.Ordinal))
            {
                throw BadUrl(url, "the key prefix must not contain '.', '..' or empty segments");
            }

            return;
        }

        kind = RemoteKind.Directory;
        string path;
        if (url.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !uri.IsFile || !string.IsNullOrEmpty(uri.Host))
            {
                throw BadUrl(url, "use file:///absolute/path (three slashes)");
            }

            path = uri.LocalPath;
        }
        else if (url.Contains("://", StringComparison.Ordinal))
        {
            throw BadUrl(url, "supported remotes are s3://bucket/prefix, an absolute directory path, or file:///path");
        }
        else if (Path.IsPathFullyQualified(url))
        {
            path = url;
        }
        else if (baseDir is not null && url.Length > 0 && (url.StartsWith("./", StringComparison.Ordinal) || url.StartsWith("../", StringComparison.Ordinal)))
        {
            // Relative paths are kept relative in the config (so clones elsewhere work) and resolved against the work tree.
            path = Path.GetFullPath(Path.Combine(baseDir, url));
        }
        else
        {
            throw BadUrl(url, "use s3://bucket/prefix, an absolute directory path, './relative/path', or file:///path");
        }

        dirPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
    }

    private static GitMlException BadUrl(string url, string hint) =>
        new($"malformed remote URL '{url}'", hint, ExitCode.InvalidInput);
}
