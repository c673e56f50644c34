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
