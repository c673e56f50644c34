using System.Text;
using System.Text.Json;

namespace GitMl.Cli.Tests.Registry;

public class ModelCommandTests
{
    [Fact]
    public void Register_Bump_Assign_Unassign_Deregister_Deprecate_ProduceTheTagNamesGtoWrites()
    {
        // Given three commits of a tracked model
        using var f = new RegistryFixture();
        f.CommitModel(Encoding.UTF8.GetBytes("model one"), "one");
        CliRunner.Ok(f.Root, "model", "register", "churn");
        f.CommitModel(Encoding.UTF8.GetBytes("model two"), "two");
        CliRunner.Ok(f.Root, "model", "register", "churn", "--bump", "minor");
        f.CommitModel(Encoding.UTF8.GetBytes("model three"), "three");
        CliRunner.Ok(f.Root, "model", "register", "churn", "HEAD", "--version", "v1.0.0");

        // When stages move and versions retire
        CliRunner.Ok(f.Root, "model", "assign", "churn", "--version", "v0.1.0", "--stage", "prod");
        CliRunner.Ok(f.Root, "model", "assign", "churn", "--version", "v1.0.0", "--stage", "prod");
        CliRunner.Ok(f.Root, "model", "assign", "churn", "HEAD", "--stage", "staging");
        CliRunner.Ok(f.Root, "model", "unassign", "churn", "--stage", "prod");
        CliRunner.Ok(f.Root, "model", "deregister", "churn", "--version", "v0.0.1");
        CliRunner.Ok(f.Root, "model", "deprecate", "churn");

        // Then the tags are exactly GTO's: simple version tags, counted stage tags, '!' for cancellations
        Assert.Equal(
            new[] { "churn#prod!#4", "churn#prod#1", "churn#prod#2", "churn#staging#3", "churn@deprecated", "churn@v0.0.1", "churn@v0.0.1!", "churn@v0.1.0", "churn@v1.0.0" }.Order(StringComparer.Ordinal),
            f.Tags().Order(StringComparer.Ordinal));

        // And the messages start with GTO's default wording
        Assert.StartsWith("Registering artifact churn version v1.0.0", f.Repo.Git("tag", "-l", "--format=%(contents)", "churn@v1.0.0"));
        Assert.StartsWith("Assigning stage prod to artifact churn version v1.0.0", f.Repo.Git("tag", "-l", "--format=%(contents)", "churn#prod#2"));
        Assert.StartsWith("Unassigning stage 'prod' to artifact 'churn' version 'v1.0.0'", f.Repo.Git("tag", "-l", "--format=%(contents)", "churn#prod!#4"));
        Assert.StartsWith("Deregistering artifact churn version v0.0.1", f.Repo.Git("tag", "-l", "--format=%(contents)", "churn@v0.0.1!"));
        Assert.StartsWith("Deprecating artifact 'churn'", f.Repo.Git("tag", "-l", "--format=%(contents)", "churn@deprecated"));

        // And the deregistration tag sits on the version's commit, the deprecation on the newest event's (as GTO does)
        Assert.Equal(f.Repo.Git("rev-list", "-n1", "churn@v0.0.1"), f.Repo.Git("rev-list", "-n1", "churn@v0.0.1!"));
        Assert.Equal(f.Repo.Git("rev-list", "-n1", "churn@v0.0.1!"), f.Repo.Git("rev-list", "-n1", "churn@deprecated"));
    }

    [Fact]
    public void Register_RecordsPathOidSizeMetricsAndParamsInTagTrailers()
    {
        // Given a commit with a model, a metrics file named by a stage, and params
        using var f = new RegistryFixture("stages:\n  train:\n    cmd: python train.py\n    metrics: [metrics.json]\nartifacts:\n  churn: {path: model.onnx}\n");
        f.Repo.Write("metrics.json", "{\"val\": {\"accuracy\": 0.91, \"loss\": 0.2}}");
        f.Repo.Write("params.yaml", "train:\n  lr: 0.01\n  epochs: 5\n");
        f.CommitModel(Encoding.UTF8.GetBytes("weights"), "train");

        // When it is registered
        var json = JsonDocument.Parse(CliRunner.Ok(f.Root, "model", "register", "churn", "--version", "v1.0.0", "--json")).RootElement;

        // Then the tag message carries the facts as Git trailers that git itself parses
        var trailers = f.Repo.Git("tag", "-l", "--format=%(contents:body)", "churn@v1.0.0");
        var oid = json.GetProperty("oid").GetString()!;
        Assert.Contains("GitMl-Path: model.onnx", trailers);
        Assert.Contains("GitMl-Oid: " + oid, trailers);
        Assert.Contains("GitMl-Size: 7", trailers);
        Assert.Contains("GitMl-Metric: val.accuracy=0.91", trailers);
        Assert.Contains("GitMl-Param: train.lr=0.01", trailers);
        Assert.Equal("churn@v1.0.0", json.GetProperty("tag").GetString());

        // And model show reports them
        var show = JsonDocument.Parse(CliRunner.Ok(f.Root, "model", "show", "churn", "--json")).RootElement;
        var v = show.GetProperty("versions")[0];
        Assert.Equal(oid, v.GetProperty("oid").GetString());
        Assert.Equal("0.2", v.GetProperty("metrics").GetProperty("val.loss").GetString());
        Assert.Equal("5", v.GetProperty("params").GetProperty("train.epochs").GetString());
        Assert.Equal("GitMl Test", v.GetProperty("author").GetString());
    }

    [Fact]
    public void TagsWrittenByPlainGitInGtoFormat_AreReadByListShowHistoryAndGet()
    {
        // Given a registry GTO made: annotated tags written by plain 'git tag -a', no GitMl trailers
        using var f = new RegistryFixture();
        var c1 = f.CommitModel(Encoding.UTF8.GetBytes("gto model one"), "one");
        var c2 = f.CommitModel(Encoding.UTF8.GetBytes("gto model two"), "two");
        var t0 = new DateTimeOffset(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);
        f.GitAt(t0, "tag", "-a", "churn@v1.0.0", "-m", "Registering artifact churn version v1.0.0", c1);
        f.GitAt(t0.AddMinutes(1), "tag", "-a", "churn@v1.1.0", "-m", "Registering artifact churn version v1.1.0", c2);
        f.GitAt(t0.AddMinutes(2), "tag", "-a", "churn#prod#1", "-m", "Assigning stage prod to artifact churn version v1.0.0", c1);
        f.GitAt(t0.AddMinutes(3), "tag", "-a", "churn#dev#2", "-m", "Assigning stage dev to artifact churn version v1.1.0", c2);
        f.Repo.Git("tag", "not-a-registry-tag", c1);

        // When the registry is listed
        var list = JsonDocument.Parse(CliRunner.Ok(f.Root, "model", "list", "--json")).RootElement;

        // Then versions and stages are read from GTO's tags
        Assert.Equal(1, list.GetArrayLength());
        Assert.Equal("churn", list[0].GetProperty("name").GetString());
        Assert.Equal("v1.1.0", list[0].GetProperty("latest").GetString());
        Assert.Equal("v1.0.0", list[0].GetProperty("stages").GetProperty("prod").GetString());
        Assert.Equal("v1.1.0", list[0].GetProperty("stages").GetProperty("dev").GetString());

        // And history lists every event in time order with the tagger
        var history = JsonDocument.Parse(CliRunner.Ok(f.Root, "model", "history", "churn", "--json")).RootElement;
        Assert.Equal(["registration", "registration", "assignment", "assignment"], history.EnumerateArray().Select(e => e.GetProperty("event").GetString()!).ToArray());
        Assert.Equal("GTO User", history[0].GetProperty("author").GetString());
        Assert.Equal("2025-03-01T10:02:00Z", history[2].GetProperty("timestamp").GetString());

        // And get finds the bytes through gitml.yaml's artifact path, and a further GitMl tag continues GTO's counter
        var outFile = Path.Combine(f.Root, "out.bin");
        CliRunner.Ok(f.Root, "get", "churn#prod", "-o", outFile);
        Assert.Equal("gto model one", File.ReadAllText(outFile));
        CliRunner.Ok(f.Root, "model", "assign", "churn", "--version", "v1.1.0", "--stage", "prod");
        Assert.Contains("churn#prod#3", f.Tags());
    }

    [Fact]
    public void AsOf_AcrossReassignments_ReportsTheVersionEachStageHeldThen()
    {
        // Given two versions and prod moving v1 → v2 → (v2 unassigned) → (v1 unassigned), at known times
        using var f = new RegistryFixture();
        var c1 = f.CommitModel(Encoding.UTF8.GetBytes("a"), "one");
        var c2 = f.CommitModel(Encoding.UTF8.GetBytes("b"), "two");
        var t = new DateTimeOffset(2026, 1, 10, 12, 0, 0, TimeSpan.Zero);
        f.GitAt(t, "tag", "-a", "churn@v1.0.0", "-m", "Registering artifact churn version v1.0.0", c1);
        f.GitAt(t.AddHours(1), "tag", "-a", "churn@v2.0.0", "-m", "Registering artifact churn version v2.0.0", c2);
        f.GitAt(t.AddHours(2), "tag", "-a", "churn#prod#1", "-m", "Assigning stage prod", c1);
        f.GitAt(t.AddHours(4), "tag", "-a", "churn#prod#2", "-m", "Assigning stage prod", c2);
        f.GitAt(t.AddHours(6), "tag", "-a", "churn#prod!#3", "-m", "Unassigning stage prod", c2);
        f.GitAt(t.AddHours(8), "tag", "-a", "churn#prod!#4", "-m", "Unassigning stage prod", c1);

        string? ProdAt(DateTimeOffset when)
        {
            var list = JsonDocument.Parse(CliRunner.Ok(f.Root, "model", "list", "--json", "--as-of", when.ToString("O"))).RootElement;
            return list.GetArrayLength() == 0 ? "<none>" : list[0].GetProperty("stages").TryGetProperty("prod", out var p) ? p.GetString() : null;
        }

        // When / Then: each time answers with the holder of that moment
        Assert.Equal("<none>", ProdAt(t.AddMinutes(-1)));
        Assert.Null(ProdAt(t.AddMinutes(90)));
        Assert.Equal("v1.0.0", ProdAt(t.AddHours(3)));
        Assert.Equal("v2.0.0", ProdAt(t.AddHours(5)));
        // (as in GTO, unassigning v2 lets v1's still-active assignment hold prod again)
        Assert.Equal("v1.0.0", ProdAt(t.AddHours(7)));
        Assert.Null(ProdAt(t.AddHours(9)));
        Assert.Equal("v2.0.0", JsonDocument.Parse(CliRunner.Ok(f.Root, "model", "show", "churn", "--json", "--as-of", "2026-01-10T16:30:00Z")).RootElement.GetProperty("stages").GetProperty("prod").GetString());

        // And get resolves a stage as of a time too
        CliRunner.Ok(f.Root, "get", "churn#prod", "-o", "x.bin", "--as-of", t.AddHours(3).ToString("O"));
        Assert.Equal("a", File.ReadAllText(Path.Combine(f.Root, "x.bin")));
    }

    [Fact]
    public void Get_StageReference_WritesTheBytesOfTheVersionTheStageHolds()
    {
        // Given v1 and v2 of a model, with prod on v1
        using var f = new RegistryFixture();
        f.CommitModel(Encoding.UTF8.GetBytes("version one bytes"), "one");
        CliRunner.Ok(f.Root, "model", "register", "churn", "--version", "v1.0.0");
        f.CommitModel(Encoding.UTF8.GetBytes("version two bytes"), "two");
        CliRunner.Ok(f.Root, "model", "register", "churn", "--version", "v2.0.0");
        CliRunner.Ok(f.Root, "model", "assign", "churn", "--version", "v1.0.0", "--stage", "prod");

        // When each kind of reference is fetched
        var r = JsonDocument.Parse(CliRunner.Ok(f.Root, "get", "churn#prod", "-o", "prod.onnx", "--json")).RootElement;
        CliRunner.Ok(f.Root, "get", "churn@latest", "-o", "latest.onnx");
        CliRunner.Ok(f.Root, "get", "churn@v2.0.0", "-o", "v2.onnx");
        CliRunner.Ok(f.Root, "get", "HEAD~1:model.onnx", "-o", "rev.onnx");
        Directory.CreateDirectory(Path.Combine(f.Root, "into"));
        CliRunner.Ok(f.Root, "get", "churn@v1.0.0", "-o", "into");

        // Then each holds the bytes of the version it names
        Assert.Equal("version one bytes", File.ReadAllText(Path.Combine(f.Root, "prod.onnx")));
        Assert.Equal("v1.0.0", r.GetProperty("version").GetString());
        Assert.Equal("version two bytes", File.ReadAllText(Path.Combine(f.Root, "latest.onnx")));
        Assert.Equal("version two bytes", File.ReadAllText(Path.Combine(f.Root, "v2.onnx")));
        Assert.Equal("version one bytes", File.ReadAllText(Path.Combine(f.Root, "rev.onnx")));
        Assert.Equal("version one bytes", File.ReadAllText(Path.Combine(f.Root, "into", "model.onnx")));
    }

    [Fact]
    public void Get_ObjectMissingFromCacheWithoutRemote_FailsWithPullHint()
    {
        // Given a registered version whose object is gone from the cache
        using var f = new RegistryFixture();
        f.CommitModel(Encoding.UTF8.GetBytes("bytes"), "one");
        CliRunner.Ok(f.Root, "model", "register", "churn", "--version", "v1.0.0");
        GitMl.Testing.TempDir.Delete(Path.Combine(f.Root, ".gitml", "cache"));

        // When it is fetched
        var r = CliRunner.Run(f.Root, "get", "churn@v1.0.0", "-o", "m.onnx");

        // Then a clear not-found error says to pull, and no file is written
        Assert.Equal(5, r.ExitCode);
        Assert.Contains("hint: run 'git ml pull'", r.StdErr);
        Assert.False(File.Exists(Path.Combine(f.Root, "m.onnx")));
    }

    [Theory]
    [InlineData("invalid-name", 4, "invalid artifact name 'Churn_Model'")]
    [InlineData("invalid-semver", 4, "invalid version '1.0'")]
    [InlineData("version-exists", 8, "already registered")]
    [InlineData("version-lower", 4, "lower than the latest")]
    [InlineData("assign-unregistered", 5, "version v9.0.0 of 'churn' is not registered")]
    [InlineData("path-not-tracked", 5, "'other.onnx' is not tracked")]
    [InlineData("stage-not-allowed", 4, "stage 'qa' is not allowed")]
    [InlineData("unknown-ref", 5, "unknown reference 'churn@v3.0.0'")]
    [InlineData("unknown-model", 5, "unknown model 'nope'")]
    [InlineData("bad-ref", 5, "unknown reference 'not a ref'")]
    public void BadInput_GetsOneErrorLineHintAndExitCode(string scenario, int code, string message)
    {
        // Given a repository with v1.0.0 and v2.0.0 registered and stages limited to dev/prod
        using var f = new RegistryFixture("artifacts:\n  churn: {path: model.onnx}\n  other: {path: other.onnx}\nregistry:\n  stages: [dev, prod]\n");
        f.CommitModel(Encoding.UTF8.GetBytes("1"), "one");
        CliRunner.Ok(f.Root, "model", "register", "churn", "--version", "v1.0.0");
        f.CommitModel(Encoding.UTF8.GetBytes("2"), "two");
        CliRunner.Ok(f.Root, "model", "register", "churn", "--version", "v2.0.0");
        f.CommitModel(Encoding.UTF8.GetBytes("3"), "three");
        var tagsBefore = f.Tags();

        // When the bad command runs
        var r = scenario switch
        {
            "invalid-name" => CliRunner.Run(f.Root, "model", "register", "Churn_Model"),
            "invalid-semver" => CliRunner.Run(f.Root, "model", "register", "churn", "--version", "1.0"),
            "version-exists" => CliRunner.Run(f.Root, "model", "register", "churn", "--version", "v2.0.0"),
            "version-lower" => CliRunner.Run(f.Root, "model", "register", "churn", "--version", "v1.5.0"),
            "assign-unregistered" => CliRunner.Run(f.Root, "model", "assign", "churn", "--version", "v9.0.0", "--stage", "prod"),
            "path-not-tracked" => CliRunner.Run(f.Root, "model", "register", "other"),
            "stage-not-allowed" => CliRunner.Run(f.Root, "model", "assign", "churn", "--version", "v1.0.0", "--stage", "qa"),
            "unknown-ref" => CliRunner.Run(f.Root, "get", "churn@v3.0.0"),
            "unknown-model" => CliRunner.Run(f.Root, "get", "nope#prod"),
            _ => CliRunner.Run(f.Root, "get", "not a ref"),
        };

        // Then: the documented exit code, one error line naming the problem, a hint, and no new tag
        Assert.Equal(code, r.ExitCode);
        var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(message, lines[0]);
        Assert.StartsWith("hint: ", lines[1]);
        Assert.Equal(tagsBefore, f.Tags());
    }

    [Fact]
    public void Register_LowerVersionWithForce_IsAllowed()
    {
        // Given v2.0.0 registered
        using var f = new RegistryFixture();
        f.CommitModel(Encoding.UTF8.GetBytes("1"), "one");
        CliRunner.Ok(f.Root, "model", "register", "churn", "--version", "v2.0.0");
        f.CommitModel(Encoding.UTF8.GetBytes("2"), "two");

        // When a lower version is registered with --force
        CliRunner.Ok(f.Root, "model", "register", "churn", "--version", "v1.9.0", "--force");

        // Then it exists, and latest is still the highest
        Assert.Contains("churn@v1.9.0", f.Tags());
        var list = JsonDocument.Parse(CliRunner.Ok(f.Root, "model", "list", "--json")).RootElement;
        Assert.Equal("v2.0.0", list[0].GetProperty("latest").GetString());
    }

    [Fact]
    public void List_Text_ShowsLatestAndOneColumnPerStage()
    {
        // Given two versions with dev and prod assigned
        using var f = new RegistryFixture("artifacts:\n  churn: {path: model.onnx}\nregistry:\n  stages: [dev, staging, prod]\n");
        f.CommitModel(Encoding.UTF8.GetBytes("1"), "one");
        CliRunner.Ok(f.Root, "model", "register", "churn", "--version", "v1.0.0");
        f.CommitModel(Encoding.UTF8.GetBytes("2"), "two");
        CliRunner.Ok(f.Root, "model", "register", "churn", "--bump", "major");
        CliRunner.Ok(f.Root, "model", "assign", "churn", "--version", "v1.0.0", "--stage", "prod");
        CliRunner.Ok(f.Root, "model", "assign", "churn", "--stage", "dev");

        // When listed as text
        var text = CliRunner.Ok(f.Root, "model", "list");

        // Then one header and one row, stages in the declared order
        Assert.Equal("name   latest  #dev    #staging  #prod\nchurn  v2.0.0  v2.0.0  -         v1.0.0\n", text);

        // And a declared but unregistered artifact is listed with GTO's '*'
        f.Repo.Write("gitml.yaml", "artifacts:\n  churn: {path: model.onnx}\n  ranker: {path: r.onnx}\nregistry:\n  stages: [dev, staging, prod]\n");
        Assert.Contains("*ranker  -", CliRunner.Ok(f.Root, "model", "list"));
    }

    [Fact]
    public void Register_WithPush_PushesTheTagToTheGitRemote()
    {
        // Given a repository with a bare 'origin'
        using var f = new RegistryFixture();
        var bare = GitMl.Testing.TempDir.Create("origin");
        try
        {
            GitMl.Testing.ProcessRunner.Run("git", ["init", "--bare", "-q", bare], bare);
            f.Repo.Git("remote", "add", "origin", bare);
            f.CommitModel(Encoding.UTF8.GetBytes("m"), "one");

            // When a version is registered and assigned with --push
            var json = JsonDocument.Parse(CliRunner.Ok(f.Root, "model", "register", "churn", "--version", "v1.0.0", "--push", "--json")).RootElement;
            var text = CliRunner.Ok(f.Root, "model", "assign", "churn", "--version", "v1.0.0", "--stage", "prod", "--push");

            // Then both tags are on the remote
            Assert.True(json.GetProperty("pushed").GetBoolean());
            Assert.Contains("Pushed churn#prod#1 to origin", text);
            var remoteTags = GitMl.Testing.ProcessRunner.Run("git", ["ls-remote", "--tags", bare], bare).StdOut;
            Assert.Contains("refs/tags/churn@v1.0.0", remoteTags);
            Assert.Contains("refs/tags/churn#prod#1", remoteTags);
        }
        finally
        {
            GitMl.Testing.TempDir.Delete(bare);
        }
    }

    [Fact]
    public void ShowAndHistory_Text_ListVersionsStagesAndEvents()
    {
        // Given two versions, one in prod, one deregistered
        using var f = new RegistryFixture();
        f.CommitModel(Encoding.UTF8.GetBytes("12345"), "one");
        CliRunner.Ok(f.Root, "model", "register", "churn", "--version", "v1.0.0");
        f.CommitModel(Encoding.UTF8.GetBytes("123"), "two");
        CliRunner.Ok(f.Root, "model", "register", "churn", "--version", "v1.1.0");
        CliRunner.Ok(f.Root, "model", "assign", "churn", "--version", "v1.0.0", "--stage", "prod");
        CliRunner.Ok(f.Root, "model", "deregister", "churn", "--version", "v1.1.0");

        // When shown and its history listed as text
        var show = CliRunner.Ok(f.Root, "model", "show", "churn").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var history = CliRunner.Ok(f.Root, "model", "history", "churn").Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // Then show leads with the summary and has one row per version, highest first
        Assert.Equal("churn: latest v1.0.0; stages: prod=v1.0.0", show[0]);
        Assert.StartsWith("version", show[1]);
        Assert.StartsWith("v1.1.0 (deregistered)", show[2]);
        Assert.Matches(@"^v1\.0\.0\s+[0-9a-f]{12}\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+GitMl Test\s+5 B\s+[0-9a-f]{12}\s+prod", show[3]);

        // And history has every event oldest first
        Assert.Equal(5, history.Length);
        Assert.Equal(["registration", "registration", "assignment", "deregistration"], history.Skip(1).Select(l => l.Split("  ", StringSplitOptions.RemoveEmptyEntries)[2].Trim()).ToArray());
    }
}
