using GitMl.Core.Remotes;

namespace GitMl.Core.Tests.Remotes;

/// <summary>The signer against the worked examples in the AWS S3 SigV4 documentation ("Examples: Signature Calculations").</summary>
public sealed class S3SignerTests
{
    private const string AccessKey = "AKIAIOSFODNN7EXAMPLE";
    private const string SecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private static readonly DateTime When = new(2013, 5, 24, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Authorization_GetObjectExample_MatchesAwsDocumentation()
    {
        // Given the documented GET /test.txt request with a Range header
        var headers = new Dictionary<string, string>
        {
            ["host"] = "examplebucket.s3.amazonaws.com",
            ["range"] = "bytes=0-9",
            ["x-amz-content-sha256"] = S3Signer.EmptyPayloadHash,
            ["x-amz-date"] = "20130524T000000Z",
        };

        // When it is signed
        var auth = S3Signer.Authorization("GET", "/test.txt", [], headers, S3Signer.EmptyPayloadHash, When, "us-east-1", AccessKey, SecretKey);

        // Then the signature is the documented one
        Assert.EndsWith("Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", auth);
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,", auth);
    }

    [Fact]
    public void Authorization_ListObjectsExample_MatchesAwsDocumentation()
    {
        // Given the documented GET /?max-keys=2&prefix=J request
        var headers = new Dictionary<string, string>
        {
            ["host"] = "examplebucket.s3.amazonaws.com",
            ["x-amz-content-sha256"] = S3Signer.EmptyPayloadHash,
            ["x-amz-date"] = "20130524T000000Z",
        };

        // When it is signed
        var auth = S3Signer.Authorization("GET", "/", [new("max-keys", "2"), new("prefix", "J")], headers, S3Signer.EmptyPayloadHash, When, "us-east-1", AccessKey, SecretKey);

        // Then the signature is the documented one
        Assert.EndsWith("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7", auth);
    }
}
