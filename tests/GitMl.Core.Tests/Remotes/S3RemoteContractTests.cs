using GitMl.Core.Remotes;
using GitMl.Testing;
using Minio;
using Minio.DataModel.Args;

namespace GitMl.Core.Tests.Remotes;

/// <summary>One moto_server for every S3 test class in the assembly.</summary>
[CollectionDefinition(Name)]
public sealed class MotoCollection : ICollectionFixture<MotoServer>
{
    public const string Name = "moto";
}

/// <summary>The contract suite against a real S3 server (moto_server on 127.0.0.1).</summary>
[Collection(MotoCollection.Name)]
public sealed class S3RemoteContractTests : RemoteContractTests
{
    private const string Bucket = "gitml-test";
    private const string Prefix = "proj/a";
    private readonly MotoServer _moto;

    public S3RemoteContractTests(MotoServer moto)
    {
        _moto = moto;
        _moto.Reset();
        _moto.CreateBucket(Bucket);
    }

    protected override void ConfigureRemote()
    {
        Remotes.Add("storage", $"s3://{Bucket}/{Prefix}", makeDefault: true, local: false);
        Remotes.Modify("storage", "endpointurl", _moto.Endpoint, local: false, unset: false);
        Remotes.Modify("storage", "access_key_id", "testing", local: true, unset: false);
        Remotes.Modify("storage", "secret_access_key", "testing", local: true, unset: false);

        // The smallest parts S3 allows, so the contract's "large" objects (11 MiB) take the multipart and ranged paths.
        Remotes.Modify("storage", "part_size", "5MiB", local: false, unset: false);
        Remotes.Modify("storage", "multipart_threshold", "5MiB", local: false, unset: false);
    }

    protected override void WriteRemoteObject(string oid, byte[] bytes)
    {
        using var client = Client();
        using var ms = new MemoryStream(bytes);
        client.PutObjectAsync(new PutObjectArgs().WithBucket(Bucket).WithObject(Key(oid)).WithStreamData(ms).WithObjectSize(bytes.Length))
            .GetAwaiter().GetResult();
    }

    [Fact]
    public async Task DeleteMany_MoreKeysThanOneBatch_DeletesEveryOneAndIgnoresKeysAlreadyGone()
    {
        // Given seven objects on the remote, a key that is not there, and batches of three keys
        ConfigureRemote();
        var oids = Enumerable.Range(0, 7).Select(i =>
        {
            var bytes = TrackedData.Bytes(100 + i, 60 + i);
            var oid = GitMl.Core.Hashing.Blake3Hasher.HashMetadata(bytes);
            WriteRemoteObject(oid, bytes);
            return oid;
        }).ToList();
        var gone = new string('0', 64);
        using var remote = Remotes.Open(null);
        ((S3RemoteStorage)remote).DeleteBatchSize = 3;

        // When they are deleted together
        await remote.DeleteManyAsync([.. oids, gone], 2, Ct);

        // Then every batch went through and the missing key was no error
        Assert.Empty(await remote.ListAllAsync(Ct));
    }

    [Theory]
    [InlineData("<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"></DeleteResult>", null)]
    [InlineData("<DeleteResult><Error><Key>p/b3/aa/bb</Key><Code>NoSuchKey</Code><Message>gone</Message></Error></DeleteResult>", null)]
    [InlineData("<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Error><Key>p/b3/aa/b&amp;b</Key><Code>AccessDenied</Code><Message>no</Message></Error></DeleteResult>", "p/b3/aa/b&b AccessDenied")]
    public void FirstDeleteFailure_DeleteObjectsAnswer_NamesTheFirstRealFailureOnly(string body, string? expected)
    {
        // Given a DeleteObjects answer (When read) Then only a failure other than an already-gone key is reported
        var failure = S3RemoteStorage.FirstDeleteFailure(body);
        Assert.Equal(expected, failure is { } f ? f.Key + " " + f.Code : null);
    }

    [Fact]
    public async Task Push_InterruptedMultipartUpload_ResumesWithItsSentPartsAndEndsConsistent()
    {
        // Given a large object whose multipart upload was cut off while its second part was on the way
        ConfigureRemote();
        var large = TrackedData.TrackFile(Repo, "data/large.bin", TrackedData.Bytes(LargeSize, 41));
        using var remote = (S3RemoteStorage)Remotes.Open(null);
        await InterruptUploadAfterFirstPart(remote, large);
        Assert.False(await remote.ExistsAsync(large, Ct));

        // When push runs again
        var result = await Transfer().PushAsync(Outs(), remote, 4, null, Ct);

        // Then it resumed (the first part was not sent again), the object is complete and fetches back verified,
        // and no unfinished upload is left
        result.ThrowIfIncomplete();
        Assert.Equal(1, result.Transferred);
        Assert.Equal(RemoteSettings.MinPartSize, remote.BytesResumed);
        ClearCache();
        (await Transfer().FetchAsync(Outs(), remote, 4, null, Ct)).ThrowIfIncomplete();
        Assert.True(Repo.Cache.Verify(large));
        Assert.Equal(0, await remote.SweepStaleAsync(TimeSpan.Zero, Ct));
    }

    [Fact]
    public async Task GcCloud_UnfinishedMultipartUpload_IsAborted()
    {
        // Given an upload a killed push left unfinished
        ConfigureRemote();
        var large = TrackedData.TrackFile(Repo, "data/large.bin", TrackedData.Bytes(LargeSize, 42));
        using var remote = (S3RemoteStorage)Remotes.Open(null);
        await InterruptUploadAfterFirstPart(remote, large);

        // When gc --cloud runs (moto dates every upload in 2010, so the default one-hour age applies as well)
        var result = await new GcService(Repo.Cache).CollectRemoteAsync(Outs(), remote, 2, dryRun: false, Ct);

        // Then the upload and its parts are gone
        Assert.Equal(1, result.StaleSwept);
        Assert.Equal(0, await remote.SweepStaleAsync(TimeSpan.Zero, Ct));
    }

    /// <summary>Starts a one-lane multipart upload of <paramref name="oid"/> and cancels it once part 2 is being sent.</summary>
    private async Task InterruptUploadAfterFirstPart(S3RemoteStorage remote, string oid)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        long seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => remote.UploadPartsAsync(oid, Repo.Cache.PathOf(oid), 1, n =>
        {
            // One lane: part 2 is read only after part 1 was acknowledged.
            if (Interlocked.Add(ref seen, n) > RemoteSettings.MinPartSize + (1 << 20))
            {
                cts.Cancel();
            }
        }, cts.Token));
    }

    protected override void CorruptRemoteObject(string oid)
    {
        using var client = Client();
        var bytes = "not the original bytes"u8.ToArray();
        using var ms = new MemoryStream(bytes);
        client.PutObjectAsync(new PutObjectArgs().WithBucket(Bucket).WithObject(Key(oid)).WithStreamData(ms).WithObjectSize(bytes.Length))
            .GetAwaiter().GetResult();
    }

    protected override void DeleteRemoteObject(string oid)
    {
        using var client = Client();
        client.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(Bucket).WithObject(Key(oid))).GetAwaiter().GetResult();
    }

    private static string Key(string oid) => $"{Prefix}/b3/{oid[..2]}/{oid[2..]}";

    private IMinioClient Client() => new MinioClient().WithEndpoint("127.0.0.1", _moto.Port).WithCredentials("testing", "testing").WithSSL(false).Build();
}
