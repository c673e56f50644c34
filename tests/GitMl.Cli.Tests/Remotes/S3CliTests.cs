using System.Text.Json;
using GitMl.Core;
using GitMl.Testing;

namespace GitMl.Cli.Tests.Remotes;

[CollectionDefinition(Name)]
public sealed class MotoCollection : ICollectionFixture<MotoServer>
{
    public const string Name = "moto";
}

/// <summary>The CLI against a real S3 server (moto_server on 127.0.0.1).</summary>
[Collection(MotoCollection.Name)]
public sealed class S3CliTests : IDisposable
{
    private const string Secret = "s3cr3t-never-printed-9f2c";
    private readonly MotoServer _moto;
    private readonly TempGitRepo _repo = TempGitRepo.Create();

    public S3CliTests(MotoServer moto)
    {
        _moto = moto;
        _moto.Reset();
        _moto.CreateBucket("cli-bucket");
        CliRunner.Ok(_repo.Root, "init");
        CliRunner.Ok(_repo.Root, "remote", "add", "-d", "storage", "s3://cli-bucket/team/project");
        CliRunner.Ok(_repo.Root, "remote", "modify", "storage", "endpointurl", _moto.Endpoint);
        CliRunner.Ok(_repo.Root, "remote", "modify", "storage", "access_key_id", "AKIDCLITEST", "--local");
        CliRunner.Ok(_repo.Root, "remote", "modify", "storage", "secret_access_key", Secret, "--local");
    }

    [Fact]
    public void PushVerbose_ThenStatusCloudAndFsckCloud_NeverPrintTheSecret()
    {
        // Given a tracked directory
        using (var repo = GitMlRepository.Open(_repo.Root))
        {
            TrackedData.TrackDirectory(repo, "data/set", Enumerable.Range(0, 30).ToDictionary(i => $"f{i:D2}.bin", i => TrackedData.Bytes(2_000 + i, i)));
        }

        // When pushed verbosely, then checked with status --cloud and fsck --cloud
        var push = CliRunner.Run(_repo.Root, "push", "--verbose", "--json");
        var status = CliRunner.Run(_repo.Root, "status", "--cloud", "--json", "--verbose");
        var fsck = CliRunner.Run(_repo.Root, "fsck", "--cloud", "--verbose");

        // Then everything succeeded, all 31 objects went up, the path is in sync, and no output holds the secret
        Assert.Equal(0, push.ExitCode);
        Assert.Equal(31, JsonDocument.Parse(push.StdOut).RootElement.GetProperty("transferred").GetInt32());
        Assert.Equal("in sync", JsonDocument.Parse(status.StdOut).RootElement.GetProperty("paths")[0].GetProperty("state").GetString());
        Assert.Equal(0, fsck.ExitCode);
        Assert.Contains("checked 31 object(s)", fsck.StdOut);
        foreach (var r in new[] { push, status, fsck })
        {
            Assert.DoesNotContain(Secret, r.StdOut + r.StdErr);
        }
    }

    [Fact]
    public void Push_MissingBucket_ExitsWithRemoteCodeAndHint()
    {
        // Given a remote whose bucket does not exist
        CliRunner.Ok(_repo.Root, "remote", "modify", "storage", "url", "s3://no-such-bucket/x");
        using (var repo = GitMlRepository.Open(_repo.Root))
        {
            TrackedData.TrackFile(repo, "a.bin", TrackedData.Bytes(10, 1));
        }

        // When pushing
        var r = CliRunner.Run(_repo.Root, "push");

        // Then one error line naming the bucket, a hint, exit 9
        Assert.Equal(9, r.ExitCode);
        Assert.StartsWith("error: bucket 'no-such-bucket' does not exist", r.StdErr);
        Assert.Contains("hint: ", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Fact]
    public void GetAndRestore_CredentialsOnlyInTheCommandsEnvironment_FetchWithThem()
    {
        // Given a pushed file whose cache copy is gone, and a remote whose keys live only in a profile that the
        // command's environment (not the test process's) points to
        string oid;
        using (var repo = GitMlRepository.Open(_repo.Root))
        {
            oid = TrackedData.TrackFile(repo, "model.bin", TrackedData.Bytes(4_096, 7));
        }

        CliRunner.Ok(_repo.Root, "push");
        var sha = _repo.CommitAll("model");
        CliRunner.Ok(_repo.Root, "remote", "modify", "storage", "access_key_id", "--unset", "--local");
        CliRunner.Ok(_repo.Root, "remote", "modify", "storage", "secret_access_key", "--unset", "--local");
        CliRunner.Ok(_repo.Root, "remote", "modify", "storage", "profile", "team");
        var credentials = _repo.Write("creds/credentials", "[team]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = " + Secret + "\n");
        var env = new Dictionary<string, string> { ["AWS_SHARED_CREDENTIALS_FILE"] = credentials, ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "" };
        using (var repo = GitMlRepository.Open(_repo.Root))
        {
            File.Delete(repo.Cache.PathOf(oid));
        }

        // When the bytes are asked for by get (registry/artifact path) and by restore (run reconstruction)
        var get = CliRunner.RunWith(env, _repo.Root, "get", sha + ":model.bin", "-o", "out.bin");
        using (var repo = GitMlRepository.Open(_repo.Root))
        {
            File.Delete(repo.Cache.PathOf(oid));
        }

        var restored = TempDir.Create("gitml-restore-env");
        CliResult restore;
        try
        {
            restore = CliRunner.RunWith(env, _repo.Root, "restore", "--rev", sha, "--to", Path.Combine(restored, "run"));
            Assert.True(restore.ExitCode == 0, restore.StdErr);
            Assert.Equal(TrackedData.Bytes(4_096, 7), File.ReadAllBytes(Path.Combine(restored, "run", "model.bin")));
        }
        finally
        {
            TempDir.Delete(restored);
        }

        // Then both found the profile through that environment, fetched, and wrote the original bytes
        Assert.True(get.ExitCode == 0, get.StdErr);
        Assert.Equal(TrackedData.Bytes(4_096, 7), File.ReadAllBytes(_repo.PathOf("out.bin")));
        Assert.DoesNotContain(Secret, get.StdOut + get.StdErr + restore.StdOut + restore.StdErr);
    }

    public void Dispose() => _repo.Dispose();
}
