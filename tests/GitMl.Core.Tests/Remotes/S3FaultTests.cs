using System.Diagnostics;
using GitMl.Core;
using GitMl.Core.Pointers;
using GitMl.Core.Remotes;
using GitMl.Testing;

namespace GitMl.Core.Tests.Remotes;

/// <summary>What bad input and failing servers get from the S3 backend.</summary>
[Collection(MotoCollection.Name)]
public sealed class S3FaultTests : IDisposable
{
    private readonly MotoServer _moto;
    private readonly TempGitRepo _git;
    private readonly GitMlRepository _repo;

    public S3FaultTests(MotoServer moto)
    {
        _moto = moto;
        _moto.Reset();
        _git = TempGitRepo.Create();
        _repo = GitMlRepository.Init(_git.Root);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RemoteConfigService Remotes => new(_repo, _ => null);

    [Fact]
    public async Task Push_UnreachableEndpoint_RetriesBrieflyThenNamesHostAndPort()
    {
        // Given a remote whose endpoint has nobody listening: port 1 is privileged and outside the ephemeral range, so
        // no moto server another test project starts meanwhile can take it (a free ephemeral port once was)
        const int port = 1;
        AddS3Remote("s3://some-bucket/p", $"http://127.0.0.1:{port}");
        TrackedData.TrackFile(_repo, "a.bin", TrackedData.Bytes(100, 1));
        using var remote = Remotes.Open(null);

        // When pushing
        var sw = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<GitMlException>(() => new TransferService(_repo.Cache).PushAsync(Outs(), remote, 2, null, Ct));

        // Then a remote error names host:port, after a bounded retry
        Assert.Equal(ExitCode.Remote, ex.ExitCode);
        Assert.Contains($"127.0.0.1:{port}", ex.Message);
        Assert.Contains("attempts", ex.Message);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), $"took {sw.Elapsed}");
    }

    [Fact]
    public async Task Push_MissingBucket_SaysTheBucketDoesNotExist()
    {
        // Given a remote naming a bucket the server does not have
        AddS3Remote("s3://no-such-bucket/p", _moto.Endpoint);
        TrackedData.TrackFile(_repo, "a.bin", TrackedData.Bytes(100, 2));
        using var remote = Remotes.Open(null);

        // When pushing
        var ex = await Assert.ThrowsAsync<GitMlException>(() => new TransferService(_repo.Cache).PushAsync(Outs(), remote, 2, null, Ct));

        // Then the error names the bucket
        Assert.Equal(ExitCode.Remote, ex.ExitCode);
        Assert.Contains("bucket 'no-such-bucket' does not exist", ex.Message);
        Assert.NotNull(ex.Hint);
    }

    [Fact]
    public async Task Push_WrongCredentialsOnServerThatChecksSignatures_GivesCredentialsErrorWithoutTheSecret()
    {
        // Given a moto_server that enforces signatures from the first request, and made-up keys
        using var strict = MotoServer.StartWith(new Dictionary<string, string?> { ["INITIAL_NO_AUTH_ACTION_COUNT"] = "0" });
        strict.RequireRunning();
        AddS3Remote("s3://any-bucket/p", strict.Endpoint, "AKIAWRONGWRONGWRONG", "wrong-secret-value-1234");
        TrackedData.TrackFile(_repo, "a.bin", TrackedData.Bytes(100, 3));
        using var remote = Remotes.Open(null);

        // When pushing
        var ex = await Assert.ThrowsAsync<GitMlException>(() => new TransferService(_repo.Cache).PushAsync(Outs(), remote, 2, null, Ct));

        // Then the credentials are named as the problem and the secret appears nowhere
        Assert.Equal(ExitCode.Remote, ex.ExitCode);
        Assert.Contains("rejected the credentials", ex.Message);
        Assert.DoesNotContain("wrong-secret-value-1234", ex.ToString());
        Assert.DoesNotContain("wrong-secret-value-1234", ex.Hint);
    }

    [Fact]
    public async Task Push_ServerKilledMidTransfer_FailsAsRemoteErrorThenCompletesAfterRestart()
    {
        // Given 40 objects to push and a server that dies once a few have gone up
        AddS3Remote("s3://crash-bucket/p", _moto.Endpoint);
        _moto.CreateBucket("crash-bucket");
        var files = Enumerable.Range(0, 40).ToDictionary(i => $"f{i:D2}.bin", i => TrackedData.Bytes(200_000, 100 + i));
        TrackedData.TrackDirectory(_repo, "data", files);
        var killed = 0;
        var progress = new SyncProgress(p =>
        {
            if (p.FilesDone >= 5 && Interlocked.Exchange(ref killed, 1) == 0)
            {
                _moto.Kill();
            }
        });

        try
        {
            // When the push runs into the crash
            using (var remote = Remotes.Open(null))
            {
                var ex = await Assert.ThrowsAsync<GitMlException>(() => new TransferService(_repo.Cache).PushAsync(Outs(), remote, 2, progress, Ct));
                Assert.Equal(ExitCode.Remote, ex.ExitCode);
                Assert.Contains($"127.0.0.1:{_moto.Port}", ex.Message);
            }

            // Then after a restart the same push completes and every object reads back verified
            _moto.Restart();
            _moto.CreateBucket("crash-bucket");
            using (var remote = Remotes.Open(null))
            {
                var again = await new TransferService(_repo.Cache).PushAsync(Outs(), remote, 2, null, Ct);
                again.ThrowIfIncomplete();
                TempDir.Delete(_repo.Cache.Root);
                var fetched = await new TransferService(_repo.Cache).FetchAsync(Outs(), remote, 2, null, Ct);
                fetched.ThrowIfIncomplete();
                Assert.Equal(41, fetched.Transferred);
            }
        }
        finally
        {
            if (!_moto.IsRunning)
            {
                _moto.Restart();
            }
        }
    }

    public void Dispose()
    {
        _repo.Dispose();
        _git.Dispose();
    }

    private IReadOnlyList<TrackedOut> Outs() => new RevisionScope().Collect(_repo);

    private void AddS3Remote(string url, string endpoint, string key = "testing", string secret = "testing")
    {
        Remotes.Add("storage", url, makeDefault: true, local: false);
        Remotes.Modify("storage", "endpointurl", endpoint, local: false, unset: false);
        Remotes.Modify("storage", "access_key_id", key, local: true, unset: false);
        Remotes.Modify("storage", "secret_access_key", secret, local: true, unset: false);
    }

    /// <summary>An IProgress that calls back on the reporting thread (Progress&lt;T&gt; would post to the pool).</summary>
    private sealed class SyncProgress(Action<WorkProgress> action) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => action(value);
    }
}
