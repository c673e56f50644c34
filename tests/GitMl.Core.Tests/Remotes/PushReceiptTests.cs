using System.Text;
using GitMl.Core.Hashing;
using GitMl.Core.Remotes;

namespace GitMl.Core.Tests.Remotes;

public sealed class PushReceiptTests
{
    private static readonly string FileOid = new('a', 64);
    private static readonly string DirOid = new string('b', 64) + ".dir";

    [Fact]
    public void Create_ThenParse_GivesSortedDistinctRootsAndAKeyThatIsTheBytesHash()
    {
        // Given roots out of order and repeated
        var roots = new[] { FileOid, DirOid, FileOid };

        // When a receipt is created twice for them and parsed
        var (key, bytes) = PushReceipt.Create(roots, DateTimeOffset.UnixEpoch);
        var (otherKey, _) = PushReceipt.Create(roots, DateTimeOffset.UnixEpoch);
        var parsed = PushReceipt.TryParse(bytes);

        // Then the roots come back sorted and once each, the key is the BLAKE3 of the bytes, and two receipts never share a key
        Assert.Equal([FileOid, DirOid], parsed!.Roots);
        Assert.Equal(Blake3Hasher.HashMetadata(bytes), key);
        Assert.True(Oid.IsValid(key));
        Assert.NotEqual(key, otherKey);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"version\":2,\"roots\":[]}")]
    [InlineData("{\"version\":1}")]
    [InlineData("{\"version\":1,\"roots\":[\"../../etc/passwd\"]}")]
    [InlineData("{\"version\":1,\"roots\":[42]}")]
    public void TryParse_SomethingThatIsNotAReceipt_GivesNull(string text)
    {
        // Given bytes that are not a version-1 receipt with well-formed oids (When parsed) Then nothing is trusted
        Assert.Null(PushReceipt.TryParse(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void TryParse_OneBadRootAmongGoodOnes_RejectsTheWholeReceipt()
    {
        // Given a receipt with one root that is not an oid
        var text = $"{{\"version\":1,\"roots\":[\"{FileOid}\",\"zz\"]}}";

        // When parsed, Then it is not trusted in part
        Assert.Null(PushReceipt.TryParse(Encoding.UTF8.GetBytes(text)));
    }
}
