using System.Text;
using GitMl.Core.Data;
using GitMl.Core.Pointers;
using GitMl.Testing;

namespace GitMl.Core.Tests.Data;

public class DataGoldenTests
{
    private static string Golden(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", name));

    [Fact]
    public void PointerFile_ForAFile_MatchesGoldenYaml()
    {
        // Given the out of a 6-byte file
        var pointer = new PointerFile([new PointerOut { Path = "train.csv", Oid = "8e4c7c1b99dbfd50e7a95185fead5ee1448fa904a2fdd778eaf5f2dbfd629a99", Size = 6 }]);

        // When serialized, then the YAML equals the golden file byte for byte
        Assert.Equal(Golden("pointer-file.gitml"), pointer.ToYaml());
    }

    [Fact]
    public void PointerFile_ForAFolderWithUnknownKeys_RoundTripsToGoldenYaml()
    {
        // Given a folder pointer with a quoted path and unknown keys at both levels (written by a newer version)
        var text = Golden("pointer-dir.gitml");

        // When parsed and written back
        var parsed = PointerFile.Parse(text, "pointer-dir.gitml");
        var again = parsed.ToYaml();

        // Then nothing is lost or reordered
        Assert.Equal(text, again);
        Assert.Equal(4, parsed.Outs[0].NFiles);
        Assert.True(parsed.Outs[0].IsDirectory);
    }

    [Fact]
    public void DataService_TrackedFolder_ManifestBytesMatchGoldenFile()
    {
        // Given a folder with nested files, an empty file and a unicode name, in a real repository
        using var repo = TempGitRepo.Create();
        using var gm = GitMlRepository.Init(repo.Root);
        repo.Write("d/z/ü.txt", "abc");
        repo.Write("d/a/B.txt", string.Empty);
        repo.Write("d/a/run.sh", "0123456789");
        File.SetUnixFileMode(repo.PathOf("d/a/run.sh"), (UnixFileMode)0b111_101_101);

        // When it is tracked
        using var data = new DataService(gm);
        var tracked = data.Track("d");

        // Then the manifest stored in the cache has exactly the golden bytes, and its oid is their hash
        var bytes = gm.Cache.ReadVerified(tracked.Oid);
        Assert.Equal(Golden("tracked-manifest.json").TrimEnd('\n'), Encoding.UTF8.GetString(bytes));
        Assert.Equal(3, tracked.NFiles);
        Assert.Equal(13, tracked.Size);
        Assert.Equal(tracked.Oid, data.ComputeOid("d"));
    }
}
