using System.Text.Json;
using GitMl.Testing;

namespace GitMl.Cli.Tests.Remotes;

public sealed class RemoteCommandTests : IDisposable
{
    private readonly TempGitRepo _repo = TempGitRepo.Create();

    public RemoteCommandTests() => CliRunner.Ok(_repo.Root, "init");

    [Fact]
    public void RemoteAdd_WithDefault_WritesCommittedConfigAndListsIt()
    {
        // Given an S3 remote added as the default, with an endpoint
        CliRunner.Ok(_repo.Root, "remote", "add", "-d", "storage", "s3://ml-data/project-a");
        CliRunner.Ok(_repo.Root, "remote", "modify", "storage", "endpointurl", "http://127.0.0.1:9000");

        // When listing as JSON
        var json = JsonDocument.Parse(CliRunner.Ok(_repo.Root, "remote", "list", "--json")).RootElement;

        // Then .gitml/config holds it in the design's format and the list marks it default
        Assert.Equal(
            "[remote \"storage\"]\n\turl = s3://ml-data/project-a\n\tendpointurl = http://127.0.0.1:9000\n[core]\n\tremote = storage\n",
            File.ReadAllText(_repo.PathOf(".gitml/config")));
        Assert.Equal("storage", json[0].GetProperty("name").GetString());
        Assert.True(json[0].GetProperty("is_default").GetBoolean());
    }

    [Fact]
    public void RemoteModify_SecretWithoutLocal_IsRefusedAndNothingWritten()
    {
        // Given a remote
        CliRunner.Ok(_repo.Root, "remote", "add", "storage", "s3://ml-data/p");
        var before = File.ReadAllText(_repo.PathOf(".gitml/config"));

        // When a secret is written without --local
        var r = CliRunner.Run(_repo.Root, "remote", "modify", "storage", "secret_access_key", "TOPSECRET");

        // Then it is refused with a hint to use --local, the committed file is unchanged, and the secret is not echoed
        Assert.Equal(4, r.ExitCode);
        Assert.Contains("--local", r.StdErr);
        Assert.Equal(before, File.ReadAllText(_repo.PathOf(".gitml/config")));
        Assert.DoesNotContain("TOPSECRET", r.StdErr + r.StdOut);
    }

    [Fact]
    public void RemoteModify_SecretWithLocal_GoesToConfigLocalAndIsNeverListed()
    {
        // Given a remote with keys stored locally
        CliRunner.Ok(_repo.Root, "remote", "add", "storage", "s3://ml-data/p");
        var set = CliRunner.Run(_repo.Root, "remote", "modify", "storage", "access_key_id", "AKIDLOCAL", "--local", "--verbose");
        CliRunner.Ok(_repo.Root, "remote", "modify", "storage", "secret_access_key", "TOPSECRET", "--local");

        // When listing, in text and JSON, verbosely
        var text = CliRunner.Run(_repo.Root, "remote", "list", "--verbose");
        var json = CliRunner.Run(_repo.Root, "remote", "list", "--json", "--verbose");

        // Then the secret sits in config.local only and no output shows it
        Assert.Contains("TOPSECRET", File.ReadAllText(_repo.PathOf(".gitml/config.local")));
        Assert.DoesNotContain("TOPSECRET", File.ReadAllText(_repo.PathOf(".gitml/config")));
        foreach (var output in new[] { set.StdOut + set.StdErr, text.StdOut + text.StdErr, json.StdOut + json.StdErr })
        {
            Assert.DoesNotContain("TOPSECRET", output);
            Assert.DoesNotContain("AKIDLOCAL", output);
        }

        Assert.Contains("credentials in config.local", text.StdOut);
    }

    [Theory]
    [InlineData("s3://")]
    [InlineData("s3://UPPER/p")]
    [InlineData("s3://key:secret@bucket/p")]
    [InlineData("http://example.com/x")]
    [InlineData("relative/path")]
    [InlineData("file://host/path")]
    public void RemoteAdd_MalformedUrl_FailsWithInvalidInput(string url)
    {
        // When a malformed URL is added
        var r = CliRunner.Run(_repo.Root, "remote", "add", "bad", url);

        // Then one error line and a hint, exit 4, nothing written
        Assert.Equal(4, r.ExitCode);
        Assert.StartsWith("error: malformed remote URL", r.StdErr);
        Assert.Contains("hint: ", r.StdErr);
        Assert.Equal(string.Empty, File.ReadAllText(_repo.PathOf(".gitml/config")));
    }

    [Fact]
    public void RemoteAdd_DirectoryForms_AreAccepted()
    {
        // When absolute, file:// and ./relative directory remotes are added
        CliRunner.Ok(_repo.Root, "remote", "add", "abs", "/mnt/nas/gitml");
        CliRunner.Ok(_repo.Root, "remote", "add", "uri", "file:///mnt/nas/gitml");
        CliRunner.Ok(_repo.Root, "remote", "add", "rel", "../shared-store");

        // Then all three are listed
        var list = CliRunner.Ok(_repo.Root, "remote", "list");
        Assert.Contains("abs", list);
        Assert.Contains("uri", list);
        Assert.Contains("rel", list);
    }

    [Fact]
    public void Push_UnknownRemote_NamesConfiguredOnes()
    {
        // Given one remote
        CliRunner.Ok(_repo.Root, "remote", "add", "storage", "/tmp/x");

        // When pushing to another name
        var r = CliRunner.Run(_repo.Root, "push", "-r", "nope");

        // Then exit 5 with the configured names as the hint
        Assert.Equal(5, r.ExitCode);
        Assert.Contains("error: unknown remote 'nope'", r.StdErr);
        Assert.Contains("hint: configured remotes: storage", r.StdErr);
    }

    [Fact]
    public void Push_NoDefaultRemote_SaysHowToSetOne()
    {
        // Given a remote that is not the default
        CliRunner.Ok(_repo.Root, "remote", "add", "storage", "/tmp/x");

        // When pushing without -r
        var r = CliRunner.Run(_repo.Root, "push");

        // Then exit 5 and a hint naming 'remote default'
        Assert.Equal(5, r.ExitCode);
        Assert.Contains("no default remote", r.StdErr);
        Assert.Contains("git ml remote default", r.StdErr);
    }

    [Fact]
    public void RemoteRemove_Default_ClearsCoreRemote()
    {
        // Given a default remote
        CliRunner.Ok(_repo.Root, "remote", "add", "-d", "storage", "/tmp/x");

        // When it is removed
        CliRunner.Ok(_repo.Root, "remote", "remove", "storage");

        // Then neither the section nor core.remote is left
        Assert.Equal(string.Empty, File.ReadAllText(_repo.PathOf(".gitml/config")));
        Assert.Equal(5, CliRunner.Run(_repo.Root, "remote", "default").ExitCode);
    }

    [Fact]
    public void GcCloud_WithoutExplicitScope_IsRefused()
    {
        // Given a default remote
        CliRunner.Ok(_repo.Root, "remote", "add", "-d", "storage", "/tmp/x");

        // When gc --cloud runs without a scope flag
        var r = CliRunner.Run(_repo.Root, "gc", "--cloud");

        // Then it is refused as a usage error
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("explicit scope", r.StdErr);
    }

    public void Dispose() => _repo.Dispose();
}
