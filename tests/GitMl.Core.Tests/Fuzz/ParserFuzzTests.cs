using System.Text;
using GitMl.Core.Config;
using GitMl.Core.Data;
using GitMl.Core.Metrics;
using GitMl.Core.Pipelines;
using GitMl.Core.Pointers;
using GitMl.Core.Registry;
using GitMl.Testing;

namespace GitMl.Core.Tests.Fuzz;

/// <summary>
/// Seeded fuzzing of every parser of user-controlled input. Short mode runs in seconds in CI; set GITML_FUZZ_LONG=1
/// (x50) or GITML_FUZZ_CASES=N for more, GITML_FUZZ_SEED=N for another seed. Counts are recorded in docs/reliability.md.
/// </summary>
public class ParserFuzzTests
{
    private const string OidA = "9f2c00000000000000000000000000000000000000000000000000000000e1e1";
    private const string OidB = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private readonly ITestOutputHelper _output;

    public ParserFuzzTests(ITestOutputHelper output) => _output = output;

    private static bool IsGitMlError(Exception ex) => ex is GitMlException;

    [Fact]
    public void PointerFileParse_MutatedInputs_AcceptOnlySafePathsOrFailCleanly()
    {
        // Given valid pointer files (file, directory, unknown keys, quoted paths) as the mutation corpus
        string[] corpus =
        [
            $"outs:\n- path: train.csv\n  oid: {OidA}\n  size: 1048576\n  hash: blake3\n",
            $"outs:\n- path: images\n  oid: {OidB}.dir\n  size: 12\n  nfiles: 3\n  hash: blake3\n",
            $"outs:\n- path: \"a b/true\"\n  oid: {OidA}\n  size: 0\n  hash: blake3\n  isexec: true\n  remote: backup\nmeta: {{owner: me}}\n",
            $"outs: [{{path: x.bin, oid: {OidB}, size: 7}}]\n",
        ];
        var fuzzer = new Fuzzer(Fuzzer.DefaultSeed, corpus);

        // When each mutated input is parsed
        var report = fuzzer.Run("PointerFile.Parse", Fuzzer.CaseCount(4000), bytes =>
        {
            var pointer = PointerFile.Parse(Encoding.UTF8.GetString(bytes), "fuzz.gitml");

            // Then an accepted pointer names only safe paths and valid oids, and survives a rewrite unchanged
            foreach (var o in pointer.Outs)
            {
                Assert.True(SafePath.IsSafeRelative(o.Path), $"unsafe path accepted: {o.Path}");
                Assert.True(Hashing.Oid.IsValid(o.Oid), $"bad oid accepted: {o.Oid}");
                Assert.True(o.Size >= 0);
            }

            var again = PointerFile.Parse(pointer.ToYaml(), "rewritten.gitml");
            Assert.Equal(pointer.Outs.Select(o => (o.Path, o.Oid, o.Size, o.NFiles)), again.Outs.Select(o => (o.Path, o.Oid, o.Size, o.NFiles)));
        }, IsGitMlError);

        _output.WriteLine(report.ToString());
    }

    [Fact]
    public void DirectoryManifestParse_MutatedInputs_AcceptOnlySafeSortedEntriesOrReportCorruption()
    {
        // Given canonical manifests as the corpus
        string[] corpus =
        [
            Encoding.UTF8.GetString(new DirectoryManifest([new ManifestEntry("a/b.png", OidA, 123), new ManifestEntry("c.txt", OidB, 9, true)]).ToBytes()),
            Encoding.UTF8.GetString(new DirectoryManifest([new ManifestEntry("z/ü.txt", OidA, 3), new ManifestEntry("a/run.sh", OidB, 10, IsExec: true)]).ToBytes()),
            "[]",
        ];
        var fuzzer = new Fuzzer(Fuzzer.DefaultSeed, corpus);

        // When each mutated input is parsed
        var report = fuzzer.Run("DirectoryManifest.Parse", Fuzzer.CaseCount(4000), bytes =>
        {
            var manifest = DirectoryManifest.Parse(bytes, "fuzz");

            // Then an accepted manifest has safe, unique, sorted paths and re-serializes to bytes that parse the same
            string? previous = null;
            foreach (var e in manifest.Entries)
            {
                Assert.True(SafePath.IsSafeRelative(e.RelPath), $"unsafe relpath accepted: {e.RelPath}");
                Assert.True(e.Size >= 0);
                Assert.True(previous is null || DirectoryManifest.CompareUtf8(previous, e.RelPath) < 0);
                previous = e.RelPath;
            }

            Assert.Equal(manifest.ComputeOid(), DirectoryManifest.Parse(manifest.ToBytes(), "again").ComputeOid());
        }, IsGitMlError);

        _output.WriteLine(report.ToString());
    }

    [Fact]
    public void PipelineFileParse_MutatedInputs_ParseOrFailCleanly()
    {
        // Given pipelines using every construct of the format
        string[] corpus =
        [
            """
            stages:
              prepare:
                cmd: dotnet run --project tools/prepare -- data/raw data/prepared
                deps: [data/raw, tools/prepare]
                params: [prepare.split]
                outs: [data/prepared]
              train:
                cmd:
                - python train.py
                - echo done
                wdir: src
                deps: [data/prepared]
                params: [train.lr, {other.yaml: [a.b]}]
                outs: [model.onnx, {small.bin: {cache: false}}]
                metrics: [metrics.json]
                plots:
                - logs/loss.tsv: {x: step, y: [train_loss, val_loss], template: linear, title: Loss}
            metrics:
              val.accuracy: {better: higher, tolerance: 0.005}
              val.loss: {better: lower, relative_tolerance: 0.02}
            plots:
            - roc.json: {x: fpr, y: tpr}
            artifacts:
              churn-model: {path: model.onnx, type: model, desc: Churn classifier, labels: [a, b]}
            registry:
              stages: [dev, prod]
            """,
            "stages: {}\n",
            "",
        ];
        var fuzzer = new Fuzzer(Fuzzer.DefaultSeed, corpus);

        // When each mutated input is parsed
        var report = fuzzer.Run("PipelineFile.Parse", Fuzzer.CaseCount(3000), bytes =>
        {
            var pipeline = PipelineFile.Parse(Encoding.UTF8.GetString(bytes), "gitml.yaml");

            // Then an accepted pipeline has named stages with commands
            Assert.All(pipeline.Stages, s => Assert.False(string.IsNullOrWhiteSpace(s.Cmd)));
        }, IsGitMlError);

        _output.WriteLine(report.ToString());
    }

    [Fact]
    public void LockFromLock_MutatedInputs_YieldOnlySafeOutsOrFailCleanly()
    {
        // Given lock files as issue 4 writes them
        string[] corpus =
        [
            $"""
            schema: '2.0'
            stages:
              train:
                cmd: python train.py
                deps:
                - path: data/prepared
                  oid: {OidB}.dir
                  size: 10
                  nfiles: 2
                params:
                  params.yaml:
                    train.lr: 0.1
                outs:
                - path: model.onnx
                  oid: {OidA}
                  size: 1234
                  hash: blake3
                - path: data/out
                  oid: {OidB}.dir
                  size: 3
                  nfiles: 1
            """,
            $"stages:\n  a:\n    outs:\n    - path: x\n      oid: {OidA}\n",
        ];
        var fuzzer = new Fuzzer(Fuzzer.DefaultSeed, corpus);

        // When each mutated lock is read by the pointer discovery and by the pipeline's lock reader
        var report = fuzzer.Run("PointerDiscovery.FromLock+LockFile.Parse", Fuzzer.CaseCount(3000), bytes =>
        {
            var text = Encoding.UTF8.GetString(bytes);
            foreach (var o in PointerDiscovery.FromLock(text))
            {
                // Then every out it yields has a safe path and a valid oid
                Assert.True(SafePath.IsSafeRelative(o.RepoPath), $"unsafe lock path accepted: {o.RepoPath}");
                Assert.True(Hashing.Oid.IsValid(o.Out.Oid));
            }

            var lockFile = LockFile.Parse(text, "gitml.lock");
            foreach (var o in lockFile.Stages.Values.SelectMany(s => s.Outs.Select(x => x.Out).Concat(s.Deps)))
            {
                Assert.True(SafePath.IsSafeRelative(o.Path), $"unsafe lock path accepted: {o.Path}");
            }
        }, IsGitMlError);

        _output.WriteLine(report.ToString());
    }

    [Fact]
    public void StructuredFileFlatten_MutatedMetricsAndParams_FlattenOrFailCleanly()
    {
        // Given metrics (JSON) and params (YAML) files
        string[] corpus =
        [
            "{\"val\": {\"accuracy\": 0.91, \"loss\": 0.2}, \"step\": 10, \"tags\": [1, 2, 3], \"name\": \"x\", \"ok\": true, \"n\": null}",
            "train:\n  lr: 0.001\n  epochs: 10\n  layers: [64, 32]\nprepare:\n  split: 0.2\nname: run-1\n",
            "{\"a\": [{\"b\": 1}], \"big\": 1e308, \"neg\": -0.0}",
        ];
        var fuzzer = new Fuzzer(Fuzzer.DefaultSeed, corpus);
        var names = new[] { "metrics.json", "params.yaml", "other" };
        var i = 0;

        // When each input is flattened under a JSON, a YAML and an extension-less name
        var report = fuzzer.Run("StructuredFile.Flatten", Fuzzer.CaseCount(4000), bytes =>
        {
            var flat = StructuredFile.Flatten(bytes, names[i++ % names.Length] + " at HEAD");

            // Then keys are non-null (the file flattened to something printable)
            Assert.NotNull(flat);
        }, IsGitMlError);

        _output.WriteLine(report.ToString());
    }

    [Fact]
    public void DataTableParse_MutatedStepLogs_ParseOrFailCleanly()
    {
        // Given step series in TSV, CSV, JSON and YAML
        string[] corpus =
        [
            "step\ttrain_loss\tval_loss\n0\t1.0\t1.1\n1\t0.5\t0.6\n2\t0.25\t\n",
            "step,value,timestamp\n0,0.9,2026-01-01T00:00:00Z\n1,\"0,8\",x\n",
            "[{\"step\": 0, \"loss\": 1.0}, {\"step\": 1, \"loss\": 0.5}]",
            "{\"roc\": [{\"fpr\": 0, \"tpr\": 0}, {\"fpr\": 1, \"tpr\": 1}]}",
            "roc:\n- {fpr: 0, tpr: 0}\n- {fpr: 1, tpr: 1}\n",
            "- {? [a, b] : 1, step: 2}\n- {step: 3, step2: 4}\n",
            "[{\"step\": 0, \"step\": 1}]",
        ];
        var fuzzer = new Fuzzer(Fuzzer.DefaultSeed, corpus);
        var names = new[] { "loss.tsv", "loss.csv", "roc.json", "roc.yaml" };
        var i = 0;

        // When each input is parsed as each kind of file
        var report = fuzzer.Run("DataTable.Parse", Fuzzer.CaseCount(4000), bytes =>
        {
            var name = names[i++ % names.Length];
            var table = DataTable.Parse(bytes, name, name + " at HEAD");

            // Then every row is as wide as the header
            Assert.All(table.Rows, r => Assert.Equal(table.Columns.Count, r.Length));
        }, IsGitMlError);

        _output.WriteLine(report.ToString());
    }

    [Fact]
    public void GitConfigFileFromText_MutatedConfigs_ParseOrFailCleanlyAndRoundTrip()
    {
        // Given configs in git-config syntax, with comments, quoting and subsections
        string[] corpus =
        [
            "[remote \"n\"]\n\turl = \"a\\nb\\tc\"\n",
            "[core]\n\tremote = storage\n[remote \"storage\"]\n\turl = s3://ml-data/project-a\n\tendpointurl = http://127.0.0.1:9000\n\tjobs = 16\n[cache]\n\ttype = reflink,hardlink,copy\n",
            "# comment\n; other\n[remote \"a \\\"b\\\"\"]\n  url = \"/mnt/nas/gitml\" ; trailing\n  flag\n[Core]\nRemote=a\n",
            "[remote \"x\"]\n\taccess_key_id = AKIA\n\tsecret_access_key = s3cr3t\\\n continued\n",
        ];
        var fuzzer = new Fuzzer(Fuzzer.DefaultSeed, corpus);

        // When each input is parsed
        var report = fuzzer.Run("GitConfigFile.FromText", Fuzzer.CaseCount(4000), bytes =>
        {
            var config = GitConfigFile.FromText(Encoding.UTF8.GetString(bytes), ".gitml/config");

            // Then what it writes back reads the same values in every non-empty remote section
            var again = GitConfigFile.FromText(config.ToString(), ".gitml/config");
            foreach (var remote in config.Subsections("remote").Where(r => config.Entries("remote", r).Count > 0))
            {
                Assert.Equal(config.Entries("remote", remote), again.Entries("remote", remote));
            }

            Assert.Equal(config.Entries("core", null), again.Entries("core", null));
        }, IsGitMlError);

        _output.WriteLine(report.ToString());
    }

    [Fact]
    public void RegistryTagNameTryParse_MutatedTagNames_ParseToTheSameNameOrReject()
    {
        // Given every kind of registry tag, GTO's '=' folder form included
        string[] corpus =
        [
            "churn-model@v1.2.3", "churn-model@v1.2.3!", "churn-model#prod#3", "churn-model#prod!#4", "churn-model@deprecated",
            "models=churn@v0.0.1-rc.1+build.5", "a/b#dev#1", "churn-model@v1.0.0#prod#1",
        ];
        var fuzzer = new Fuzzer(Fuzzer.DefaultSeed, corpus);

        // When each mutated name is parsed
        var report = fuzzer.Run("RegistryTagName.TryParse", Fuzzer.CaseCount(10000), bytes =>
        {
            var name = Encoding.UTF8.GetString(bytes);
            var tag = RegistryTagName.TryParse(name);
            if (tag is null)
            {
                return;
            }

            // Then a parsed tag formats back to exactly the same tag name
            var formatted = tag.Action switch
            {
                RegistryAction.Register => RegistryTagName.Register(tag.Artifact, tag.Version!),
                RegistryAction.Deregister => RegistryTagName.Deregister(tag.Artifact, tag.Version!),
                RegistryAction.Assign => RegistryTagName.Assign(tag.Artifact, tag.Stage!, tag.Counter ?? -1),
                RegistryAction.Unassign => RegistryTagName.Unassign(tag.Artifact, tag.Stage!, tag.Counter ?? -1),
                _ => RegistryTagName.Deprecate(tag.Artifact),
            };

            // GTO's older tags carry no counter on assignments, and a counter may follow any action.
            var counterSuffix = "#" + tag.Counter;
            formatted = tag.Counter is null ? formatted.Replace("#-1", string.Empty, StringComparison.Ordinal)
                : tag.Action is RegistryAction.Assign or RegistryAction.Unassign ? formatted : formatted + counterSuffix;
            Assert.Equal(name, formatted);
            Assert.True(RegistryTagName.IsValidArtifactName(tag.Artifact), $"invalid artifact accepted: {tag.Artifact}");
        }, IsGitMlError, TimeSpan.FromSeconds(2));

        _output.WriteLine(report.ToString());
    }

    [Fact]
    public void SemVerAndTagMessage_MutatedInputs_ParseOrReject()
    {
        // Given versions and GitMl tag messages with trailers
        string[] corpus =
        [
            "v1.2.3", "1.0.0-rc.1+build.7", "v0.0.1", "v10.20.30-alpha.beta.1",
            "Register churn-model v1\n\nGitMl-Path: model.onnx\nGitMl-Oid: " + OidA + "\nGitMl-Size: 12\nGitMl-Metric: acc=0.9\n",
        ];
        var fuzzer = new Fuzzer(Fuzzer.DefaultSeed, corpus);

        // When each is parsed as a version and as a tag message
        var report = fuzzer.Run("SemVer.TryParse+RegistryTagMessage.Parse", Fuzzer.CaseCount(6000), bytes =>
        {
            var text = Encoding.UTF8.GetString(bytes);
            var version = SemVer.TryParse(text);

            // Then a parsed version prints to a string that parses to an equal version
            if (version is not null)
            {
                Assert.Equal(version, SemVer.TryParse(version.ToString()));
            }

            RegistryTagMessage.Parse(text);
            RegistryTagMessage.Summary(text);
        }, IsGitMlError, TimeSpan.FromSeconds(2));

        _output.WriteLine(report.ToString());
    }

    [Fact]
    public void StateDbLoad_MutatedStateFiles_LoadOrStartEmpty()
    {
        // Given a real state database of a few entries as the corpus
        var dir = TempDir.Create("fuzz-state");
        try
        {
            var seedFile = Path.Combine(dir, "seed.txt");
            File.WriteAllText(seedFile, "x");
            File.SetLastWriteTimeUtc(seedFile, DateTime.UtcNow.AddMinutes(-5));
            var db = StateDb.Load(dir);
            var stat = FileStat.TryGet(seedFile)!.Value;
            db.Record("a/b.csv", stat, OidA);
            db.Record("ü/c", stat, OidB);
            db.Save();
            var valid = File.ReadAllBytes(Path.Combine(dir, StateDb.FileName));
            var fuzzer = new Fuzzer(Fuzzer.DefaultSeed, [valid]);

            // When each damaged file is loaded (a damaged state file must cost a rehash, never a failed command)
            var report = fuzzer.Run("StateDb.Load", Fuzzer.CaseCount(3000), bytes =>
            {
                var caseDir = Path.Combine(dir, "case");
                Directory.CreateDirectory(caseDir);
                File.WriteAllBytes(Path.Combine(caseDir, StateDb.FileName), bytes);
                var loaded = StateDb.Load(caseDir);

                // Then it loads (possibly empty) and never answers a lookup with a malformed oid
                var hit = loaded.Lookup("a/b.csv", stat);
                Assert.True(hit is null || Hashing.Oid.IsValid(hit));
            }, _ => false);

            _output.WriteLine(report.ToString());
        }
        finally
        {
            TempDir.Delete(dir);
        }
    }
}
