using GitMl.Core.Pipelines;
using GitMl.Core.Pointers;

namespace GitMl.Core.Tests.Pipelines;

public class LockFileTests
{
    private static LockFile Sample() => new(new Dictionary<string, LockEntry>
    {
        ["prepare"] = new LockEntry
        {
            Cmd = "dotnet .tools/prepare/Prepare.dll params.yaml data/prepared",
            Deps = [new PointerOut { Path = ".tools/prepare", Oid = new string('a', 64) + ".dir", Size = 12345, NFiles = 3 }],
            Params = new Dictionary<string, IReadOnlyDictionary<string, string>>
            {
                ["params.yaml"] = new Dictionary<string, string> { ["prepare.split"] = "0.2", ["prepare.name"] = "two words" },
            },
            Outs = [new LockedOut(new PointerOut { Path = "data/prepared", Oid = new string('b', 64) + ".dir", Size = 900, NFiles = 2 }, true)],
        },
        ["train"] = new LockEntry
        {
            Cmd = "train.sh",
            Deps = [new PointerOut { Path = "data/prepared", Oid = new string('b', 64) + ".dir", Size = 900, NFiles = 2 }],
            Outs =
            [
                new LockedOut(new PointerOut { Path = "model.onnx", Oid = new string('c', 64), Size = 274 }, true),
                new LockedOut(new PointerOut { Path = "metrics.json", Oid = new string('d', 64), Size = 80 }, false),
            ],
        },
    });

    [Fact]
    public void ToYaml_TwoStages_MatchesGoldenFile()
    {
        // Given a lock with deps, params (a number and a string), cached and uncached outs
        var lockFile = Sample();

        // When it is serialized
        var text = lockFile.ToYaml();

        // Then it is exactly the design's format
        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "gitml.lock")), text);
    }

    [Fact]
    public void Parse_GoldenFile_RoundTripsAndFeedsPointerDiscoveryCachedOutsOnly()
    {
        // Given the golden lock text
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "gitml.lock"));

        // When it is parsed, written again, and read by PointerDiscovery
        var parsed = LockFile.Parse(text, "gitml.lock");
        var tracked = PointerDiscovery.FromLock(text).Select(t => t.RepoPath).ToList();

        // Then nothing is lost, and checkout/push see the cached outs only
        Assert.Equal(text, parsed.ToYaml());
        Assert.Equal("two words", parsed.Stages["prepare"].Params["params.yaml"]["prepare.name"]);
        Assert.False(parsed.Stages["train"].Outs[1].Cache);
        Assert.Equal(["data/prepared", "model.onnx"], tracked);
    }

    [Fact]
    public void Parse_UnsafeOutPath_IsRefused()
    {
        // Given a lock whose out escapes the repository
        var text = Sample().ToYaml().Replace("path: model.onnx", "path: ../../etc/passwd", StringComparison.Ordinal);

        // When it is parsed, then it is refused as invalid input
        var ex = Assert.Throws<GitMlException>(() => LockFile.Parse(text, "gitml.lock"));
        Assert.Equal(ExitCode.InvalidInput, ex.ExitCode);
    }
}
