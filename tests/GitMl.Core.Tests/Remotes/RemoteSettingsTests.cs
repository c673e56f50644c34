using GitMl.Core;
using GitMl.Core.Remotes;
using GitMl.Testing;

namespace GitMl.Core.Tests.Remotes;

public sealed class RemoteSettingsTests : IDisposable
{
    private readonly TempGitRepo _git = TempGitRepo.Create();
    private readonly GitMlRepository _repo;
    private readonly string _home = TempDir.Create("home");

    public RemoteSettingsTests()
    {
        _repo = GitMlRepository.Init(_git.Root);
        new RemoteConfigService(_repo, _ => null).Add("storage", "s3://ml-data/project-a", true, false);
    }

    [Fact]
    public void Resolve_S3Url_SplitsBucketPrefixAndEndpoint()
    {
        // Given an S3 remote with an endpoint and a region
        var service = new RemoteConfigService(_repo, _ => null);
        service.Modify("storage", "endpointurl", "http://127.0.0.1:9000", false, false);
        service.Modify("storage", "region", "eu-west-1", false, false);

        // When it is resolved (credentials from the environment)
        var s = new RemoteConfigService(_repo, Env(("AWS_ACCESS_KEY_ID", "AKENV"), ("AWS_SECRET_ACCESS_KEY", "SKENV"))).Resolve(null);

        // Then bucket, prefix, endpoint and region are as configured
        Assert.Equal(RemoteKind.S3, s.Kind);
        Assert.Equal("ml-data", s.Bucket);
        Assert.Equal("project-a", s.Prefix);
        Assert.Equal("127.0.0.1:9000", s.HostPort);
        Assert.Equal("eu-west-1", s.Region);
        Assert.Equal("'storage' (s3://ml-data/project-a at 127.0.0.1:9000)", s.Describe());
    }

    [Fact]
    public void Resolve_PartSettings_DefaultAndParsedWithUnits()
    {
        // Given one S3 remote without part settings, then the same remote with both set in different units
        var service = new RemoteConfigService(_repo, _ => null);
        var defaults = service.Resolve(null);
        service.Modify("storage", "part_size", "8MiB", false, false);
        service.Modify("storage", "multipart_threshold", "67108864", false, false);

        // When it is resolved again
        var s = service.Resolve(null);

        // Then the defaults are 16 MiB parts above 1 GiB, and the set values are read as bytes
        Assert.Equal(16L << 20, defaults.PartSize);
        Assert.Equal(1L << 30, defaults.MultipartThreshold);
        Assert.Equal(8L << 20, s.PartSize);
        Assert.Equal(64L << 20, s.MultipartThreshold);
    }

    [Fact]
    public void Credentials_ConfigLocalWinsOverEnvironmentAndProfile()
    {
        // Given keys in config.local, in the environment, and in a profile
        var service = new RemoteConfigService(_repo, _ => null);
        service.Modify("storage", "access_key_id", "AKLOCAL", true, false);
        service.Modify("storage", "secret_access_key", "SKLOCAL", true, false);
        WriteCredentialsFile("[default]\naws_access_key_id = AKPROFILE\naws_secret_access_key = SKPROFILE\n");

        // When resolved
        var c = Resolve(("AWS_ACCESS_KEY_ID", "AKENV"), ("AWS_SECRET_ACCESS_KEY", "SKENV"));

        // Then config.local wins, and printing the credentials never shows the secret
        Assert.Equal("AKLOCAL", c!.AccessKeyId);
        Assert.Equal(".gitml/config.local", c.Source);
        Assert.DoesNotContain("SKLOCAL", c.ToString());
    }

    [Fact]
    public void Credentials_EnvironmentWinsOverProfile()
    {
        // Given keys in the environment and in a profile
        WriteCredentialsFile("[default]\naws_access_key_id = AKPROFILE\naws_secret_access_key = SKPROFILE\n");

        // When resolved
        var c = Resolve(("AWS_ACCESS_KEY_ID", "AKENV"), ("AWS_SECRET_ACCESS_KEY", "SKENV"), ("AWS_SESSION_TOKEN", "TOKEN"));

        // Then the environment's keys and token are used
        Assert.Equal("AKENV", c!.AccessKeyId);
        Assert.Equal("TOKEN", c.SessionToken);
    }

    [Fact]
    public void Credentials_NamedProfileFromSharedCredentialsFile()
    {
        // Given a remote naming a profile, and a credentials file with two profiles
        new RemoteConfigService(_repo, _ => null).Modify("storage", "profile", "ml", false, false);
        WriteCredentialsFile("[default]\naws_access_key_id = AKDEF\naws_secret_access_key = SKDEF\n\n[ml]\naws_access_key_id = AKML\naws_secret_access_key = SKML\n");

        // When resolved with no keys elsewhere
        var c = Resolve();

        // Then the named profile's keys are used
        Assert.Equal("AKML", c!.AccessKeyId);
        Assert.Equal("SKML", c.SecretAccessKey);
        Assert.Equal("profile 'ml'", c.Source);
    }

    [Fact]
    public void Credentials_NamedProfileMissing_IsAnError()
    {
        // Given a remote naming a profile the credentials file lacks
        new RemoteConfigService(_repo, _ => null).Modify("storage", "profile", "nope", false, false);
        WriteCredentialsFile("[default]\naws_access_key_id = A\naws_secret_access_key = B\n");

        // When resolved, then the error names the profile
        var ex = Assert.Throws<GitMlException>(() => Resolve());
        Assert.Equal(ExitCode.InvalidInput, ex.ExitCode);
        Assert.Contains("'nope'", ex.Message);
    }

    [Fact]
    public void Resolve_RelativeDirectoryUrl_IsResolvedAgainstTheWorkTree()
    {
        // Given a ./relative directory remote
        new RemoteConfigService(_repo, _ => null).Add("local", "./../store", false, false);

        // When resolved
        var s = new RemoteConfigService(_repo, _ => null).Resolve("local");

        // Then its folder is beside the work tree
        Assert.Equal(RemoteKind.Directory, s.Kind);
        Assert.Equal(Path.GetFullPath(Path.Combine(_repo.WorkDir, "..", "store")), s.DirectoryPath);
    }

    [Theory]
    [InlineData("jobs", "0")]
    [InlineData("jobs", "many")]
    [InlineData("endpointurl", "ftp://host")]
    [InlineData("endpointurl", "http://user:pw@host:9000")]
    [InlineData("colour", "blue")]
    [InlineData("part_size", "1MiB")]
    [InlineData("part_size", "6GiB")]
    [InlineData("multipart_threshold", "lots")]
    public void Modify_InvalidSetting_IsRefused(string key, string value)
    {
        var before = File.ReadAllText(Path.Combine(_repo.GitMlDir, "config"));
        var ex = Assert.Throws<GitMlException>(() => new RemoteConfigService(_repo, _ => null).Modify("storage", key, value, false, false));
        Assert.Equal(ExitCode.InvalidInput, ex.ExitCode);
        Assert.Equal(before, File.ReadAllText(Path.Combine(_repo.GitMlDir, "config")));
    }

    public void Dispose()
    {
        _repo.Dispose();
        _git.Dispose();
        TempDir.Delete(_home);
    }

    private S3Credentials? Resolve(params (string Key, string Value)[] env)
    {
        _repo.ReloadConfig();
        var all = env.Append(("HOME", _home)).ToArray();
        return new RemoteConfigService(_repo, Env(all)).Resolve(null).Credentials;
    }

    private void WriteCredentialsFile(string text)
    {
        Directory.CreateDirectory(Path.Combine(_home, ".aws"));
        File.WriteAllText(Path.Combine(_home, ".aws", "credentials"), text);
    }

    private static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Key == name).Value;
}
