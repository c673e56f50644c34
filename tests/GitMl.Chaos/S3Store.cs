using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using GitMl.Testing;

namespace GitMl.Chaos;

/// <summary>
/// The S3 side of <c>--s3</c> runs: a real <c>moto_server</c> on a free loopback port, one bucket per world. The
/// harness talks to moto with its own plain HTTP requests (moto does not check signatures unless told to), so what it
/// reads and copies never goes through the code under test.
/// </summary>
internal sealed class S3Store : IDisposable
{
    private static readonly XNamespace S3 = "http://s3.amazonaws.com/doc/2006-03-01/";
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly MotoServer _moto;

    private S3Store(MotoServer moto)
    {
        _moto = moto;

        // moto does not verify signatures by default, but it does apply object ACLs: an anonymous GET of an object the
        // CLI uploaded as 'chaos' is refused. A header naming that key makes the harness its owner, unverified.
        _http.DefaultRequestHeaders.TryAddWithoutValidation(
            "Authorization", "AWS4-HMAC-SHA256 Credential=chaos/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0");
    }

    /// <summary><c>http://127.0.0.1:PORT</c>.</summary>
    public string Endpoint => _moto.Endpoint;

    /// <summary>Starts moto_server (the tests' fixture, on a free port) and waits until it answers.</summary>
    public static S3Store Start()
    {
        var moto = new MotoServer();
        if (!moto.IsRunning)
        {
            moto.Dispose();
            throw new InvalidOperationException("moto_server did not start (it ships on this machine image; the S3 crash run needs it)");
        }

        return new S3Store(moto);
    }

    /// <summary>A bucket name for a world folder: stable for the folder, valid for S3.</summary>
    public static string BucketFor(string worldRoot) =>
        "chaos-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(worldRoot)))[..20];

    /// <summary>Makes <paramref name="bucket"/> exist and hold nothing.</summary>
    public void ResetBucket(string bucket)
    {
        using (var head = _http.Send(new HttpRequestMessage(HttpMethod.Head, $"{Endpoint}/{bucket}")))
        {
            if (head.StatusCode == HttpStatusCode.NotFound)
            {
                CheckAndDispose(_http.PutAsync($"{Endpoint}/{bucket}", null).GetAwaiter().GetResult(), "create bucket " + bucket);
                return;
            }
        }

        foreach (var key in Keys(bucket))
        {
            CheckAndDispose(_http.DeleteAsync($"{Endpoint}/{bucket}/{key}").GetAwaiter().GetResult(), "delete " + key);
        }
    }

    /// <summary>Every key in <paramref name="bucket"/> (ListObjectsV2, all pages), in S3's order.</summary>
    public List<string> Keys(string bucket, string prefix = "")
    {
        var keys = new List<string>();
        string? token = null;
        do
        {
            var url = $"{Endpoint}/{bucket}?list-type=2&prefix={Uri.EscapeDataString(prefix)}" + (token is null ? string.Empty : "&continuation-token=" + Uri.EscapeDataString(token));
            using var r = _http.GetAsync(url).GetAwaiter().GetResult();
            Check(r, "list " + bucket);
            var doc = XDocument.Parse(r.Content.ReadAsStringAsync().GetAwaiter().GetResult());
            keys.AddRange(doc.Descendants(S3 + "Contents").Select(c => (string)c.Element(S3 + "Key")!));
            token = (string?)doc.Root!.Element(S3 + "IsTruncated") == "true" ? (string?)doc.Root.Element(S3 + "NextContinuationToken") : null;
        }
        while (token is not null);
        return keys;
    }

    /// <summary>An object's bytes.</summary>
    public byte[] Get(string bucket, string key)
    {
        using var r = _http.GetAsync($"{Endpoint}/{bucket}/{key}").GetAwaiter().GetResult();
        Check(r, "get " + key);
        return r.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
    }

    /// <summary>Makes <paramref name="to"/> hold exactly what <paramref name="from"/> holds (server-side copies).</summary>
    public void CopyBucket(string from, string to)
    {
        ResetBucket(to);
        foreach (var key in Keys(from))
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, $"{Endpoint}/{to}/{key}");
            request.Headers.TryAddWithoutValidation("x-amz-copy-source", $"/{from}/{key}");
            CheckAndDispose(_http.Send(request), "copy " + key);
        }
    }

    public void Dispose()
    {
        _moto.Dispose();
        _http.Dispose();
    }

    private static void Check(HttpResponseMessage r, string what)
    {
        if (!r.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"moto: {what} failed with {(int)r.StatusCode}");
        }
    }

    private static void CheckAndDispose(HttpResponseMessage r, string what)
    {
        using (r)
        {
            Check(r, what);
        }
    }
}
