using System.Text;
using GitMl.Core;
using GitMl.Core.Pointers;

namespace GitMl.Core.Tests.Pointers;

public class DirectoryManifestTests
{
    private const string OidA = "1111111111111111111111111111111111111111111111111111111111111111";
    private const string OidB = "2222222222222222222222222222222222222222222222222222222222222222";

    [Fact]
    public void ToBytes_UnsortedEntriesWithUnicodeAndExec_MatchesGoldenFile()
    {
        // Given entries in arbitrary order, with a unicode name and an executable file
        var manifest = new DirectoryManifest(
        [
            new ManifestEntry("z/ü.txt", OidA, 3),
            new ManifestEntry("a/run.sh", OidB, 10, IsExec: true),
            new ManifestEntry("a/B.txt", OidA, 0),
        ]);

        // When serialized
        var text = Encoding.UTF8.GetString(manifest.ToBytes());

        // Then the bytes equal the checked-in golden file exactly
        var golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "manifest.json")).TrimEnd('\n');
        Assert.Equal(golden, text);
    }

    [Fact]
    public void Parse_RoundTrip_GivesSameOid()
    {
        var manifest = new DirectoryManifest([new ManifestEntry("a.txt", OidA, 1)]);
        var parsed = DirectoryManifest.Parse(manifest.ToBytes(), "test");
        Assert.Equal(manifest.ComputeOid(), parsed.ComputeOid());
        Assert.EndsWith(".dir", parsed.ComputeOid());
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../b")]
    [InlineData("a//b")]
    [InlineData("a\\b")]
    public void Parse_UnsafeRelpath_IsRejected(string relpath)
    {
        var json = $"[{{\"relpath\":\"{relpath.Replace("\\", "\\\\")}\",\"oid\":\"{OidA}\",\"size\":1}}]";
        var ex = Assert.Throws<GitMlException>(() => DirectoryManifest.Parse(Encoding.UTF8.GetBytes(json), "test"));
        Assert.Equal(ExitCode.InvalidInput, ex.ExitCode);
    }

    [Fact]
    public void Parse_EscapedNamesAndUnknownProperties_AreReadAsJsonSaysAndIgnored()
    {
        // Given an entry whose property names are escaped and which carries a property GitMl does not know
        var json = $"[{{\"rel\\u0070ath\":\"a.bin\",\"extra\":{{\"x\":[1,2]}},\"oid\":\"{OidA}\",\"size\":7,\"isexec\":true}}]";

        // When it is parsed
        var entry = DirectoryManifest.Parse(Encoding.UTF8.GetBytes(json), "test").Entries.Single();

        // Then the escaped names count, the unknown property is skipped, and the entry is complete
        Assert.Equal(new ManifestEntry("a.bin", OidA, 7, true), entry);
    }

    [Theory]
    [InlineData("[{\"relpath\":\"a\",\"relpath\":\"b\",\"oid\":\"OID\",\"size\":1}]", "repeated relpath")]
    [InlineData("[{\"relpath\":\"a\",\"oid\":\"OID\"}]", "lacks relpath, oid or size")]
    [InlineData("[{\"relpath\":\"a\",\"oid\":\"OID\",\"size\":\"1\"}]", "bad or repeated size")]
    [InlineData("[{\"relpath\":\"a\",\"oid\":\"OID\",\"size\":1}] []", "")]
    [InlineData("{\"relpath\":\"a\"}", "not a JSON array")]
    [InlineData("[1]", "not an object")]
    public void Parse_MalformedEntry_IsACorruptedManifest(string json, string says)
    {
        // Given a manifest whose structure is wrong
        var bytes = Encoding.UTF8.GetBytes(json.Replace("OID", OidA));

        // When it is parsed
        var ex = Assert.Throws<GitMlException>(() => DirectoryManifest.Parse(bytes, "test"));

        // Then it is refused as corrupted, saying why
        Assert.Equal(ExitCode.Corrupted, ex.ExitCode);
        Assert.Contains(says, ex.Message);
    }
}

public class CompareUtf8Tests
{
    [Fact]
    public void CompareUtf8_SurrogatePairVersusPrivateUseChar_OrdersAsUtf8Bytes()
    {
        // Given U+1F600 (a surrogate pair in UTF-16, F0.. in UTF-8) and U+E000 (EE.. in UTF-8)
        var emoji = "\U0001F600";
        var privateUse = "\uE000";

        // When compared, then the order is that of the UTF-8 bytes, not of the UTF-16 code units
        Assert.True(DirectoryManifest.CompareUtf8(emoji, privateUse) > 0);
        Assert.True(string.CompareOrdinal(emoji, privateUse) < 0);
        Assert.True(DirectoryManifest.CompareUtf8("a/b", "a/b/c") < 0);
        Assert.Equal(0, DirectoryManifest.CompareUtf8("ü", "ü"));
    }
}
