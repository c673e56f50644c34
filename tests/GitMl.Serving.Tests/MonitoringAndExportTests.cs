using System.Text.Json;
using GitMl.Serving.Export;
using GitMl.Serving.Inference;
using YamlDotNet.RepresentationModel;

namespace GitMl.Serving.Tests;

public class MonitoringAndExportTests
{
    [Fact]
    public async Task Metrics_AfterSuccessesAndFailures_ExposesCountersHistogramsAndInfoGauge()
    {
        // Given a served model that answered two good requests and one bad one
        using var repo = ServingRepo.WithTwoVersions();
        var commit = repo.Repo.Git("rev-list", "-n1", "linear@v1.0.0").Trim();
        var (server, http) = await repo.ServeAsync("linear#prod");
        await using var _ = server;
        await Oip.PostAsync(http, "/v2/models/linear/infer", Oip.LinearRequest([[1, 2, 3]]));
        await Oip.PostAsync(http, "/v2/models/linear/infer", Oip.LinearRequest([[1, 2, 3], [4, 5, 6]]));
        await Oip.PostAsync(http, "/v2/models/linear/infer", "{\"inputs\":[]}");

        // When /metrics is scraped
        using var response = await http.GetAsync("/metrics", TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        // Then it is Prometheus text with outcome counters, histograms and the loaded version
        Assert.StartsWith("text/plain; version=0.0.4", response.Content.Headers.ContentType!.ToString());
        Assert.Contains("gitml_inference_requests_total{model=\"linear\",outcome=\"success\"} 2\n", text);
        Assert.Contains("gitml_inference_requests_total{model=\"linear\",outcome=\"failure\"} 1\n", text);
        Assert.Contains("# TYPE gitml_inference_request_duration_seconds histogram", text);
        Assert.Contains("gitml_inference_request_duration_seconds_bucket{model=\"linear\",le=\"+Inf\"} 3\n", text);
        Assert.Contains("gitml_inference_request_duration_seconds_count{model=\"linear\"} 3\n", text);
        Assert.Contains("# TYPE gitml_inference_queue_duration_seconds histogram", text);
        Assert.Contains("gitml_inference_batch_size_sum{model=\"linear\"} 3\n", text);
        Assert.Contains($"gitml_model_info{{model=\"linear\",version=\"v1.0.0\",commit=\"{commit}\",oid=\"{server.Current!.Oid}\",reference=\"linear#prod\"}} 1", text);

        // And the runtime figures that explain tail latency and memory are there
        Assert.Contains("dotnet_gc_collections_total{generation=\"0\"} ", text);
        Assert.Matches(@"\ndotnet_gc_pause_seconds_total [0-9.Ee+-]+\n", text);
        Assert.Matches(@"\nprocess_resident_memory_bytes [1-9][0-9]+\n", text);
    }

    [Fact]
    public async Task AccessLogAndStats_RecordEachRequestAndPerInputWindow()
    {
        // Given a server with an access log and a 2-request stats window
        using var repo = ServingRepo.WithTwoVersions();
        var log = new StringWriter();
        var (server, http) = await repo.ServeAsync("linear#prod", new ServingOptions { AccessLog = TextWriter.Synchronized(log), StatsWindow = 2 });

        // When three requests arrive (the first falls out of the window) and one fails
        await Oip.PostAsync(http, "/v2/models/linear/infer", Oip.LinearRequest([[100, 100, 100]]));
        await Oip.PostAsync(http, "/v2/models/linear/infer", Oip.LinearRequest([[1, 2, 3]], id: "a"));
        await Oip.PostAsync(http, "/v2/models/linear/infer", Oip.LinearRequest([[-1, 0, 4], [2, 2, 2]]));
        await Oip.PostAsync(http, "/v2/models/nope/infer", "{}");
        var (status, stats) = await Oip.GetAsync(http, "/v2/models/linear/stats");
        await server.DisposeAsync();

        // Then stats cover the last two requests of input x: 9 values, mean 15/9, min -1, max 4
        Assert.Equal(200, status);
        var x = stats.GetProperty("inputs").GetProperty("x");
        Assert.Equal(2, x.GetProperty("requests").GetInt64());
        Assert.Equal(9, x.GetProperty("count").GetInt64());
        Assert.Equal(15.0 / 9, x.GetProperty("mean").GetDouble(), 6);
        Assert.Equal(-1, x.GetProperty("min").GetDouble());
        Assert.Equal(4, x.GetProperty("max").GetDouble());
        Assert.Equal(3, stats.GetProperty("inference").GetProperty("success").GetInt64());

        // And the access log has one JSON line per request with time, model, version, status and latency
        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var infers = lines.Where(l => l.GetProperty("path").GetString()!.EndsWith("/infer", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, infers.Count);
        Assert.Equal("linear", infers[1].GetProperty("model").GetString());
        Assert.Equal("v1.0.0", infers[1].GetProperty("version").GetString());
        Assert.Equal(200, infers[1].GetProperty("status").GetInt32());
        Assert.Equal("a", infers[1].GetProperty("id").GetString());
        Assert.True(infers[1].GetProperty("latency_ms").GetDouble() >= 0);
        Assert.True(DateTimeOffset.TryParse(infers[1].GetProperty("time").GetString(), out _));
        Assert.Equal(404, infers[3].GetProperty("status").GetInt32());
        Assert.Equal("nope", infers[3].GetProperty("model").GetString());
    }

    [Fact]
    public void ExportDocker_WritesContextWithModelPinnedByOidAndDocumentedSteps()
    {
        // Given a resolved model
        var bytes = OnnxModelBuilder.Linear(ServingRepo.W1, ServingRepo.B1);
        var oid = GitMl.Core.Hashing.Blake3Hasher.Hash(bytes);
        var identity = new ModelIdentity("linear", "linear#prod", new string('c', 40), oid, bytes.Length, "v1.0.0");
        var dir = GitMl.Testing.TempDir.Create("export");
        try
        {
            // When the Docker context is exported
            var files = DeploymentExporter.ExportDocker(dir, identity, bytes, "0.1.0");

            // Then it holds the model bytes (hashing to the oid) and a Dockerfile whose steps are the documented ones
            Assert.Equal(["Dockerfile", ".dockerignore", "gitml-model.json", "model/model.onnx"], files);
            Assert.Equal(oid, GitMl.Core.Hashing.Blake3Hasher.Hash(File.ReadAllBytes(Path.Combine(dir, "model", "model.onnx"))));
            var steps = File.ReadAllLines(Path.Combine(dir, "Dockerfile")).Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("LABEL", StringComparison.Ordinal)).ToList();
            var documented = DocumentedDockerSteps()
                .Select(l => l.Replace("<version>", "0.1.0").Replace("<oid>", oid).Replace("<name>", "linear").Replace("<commit>", identity.Commit).Replace("<registry-version>", "v1.0.0"))
                .ToList();
            Assert.Equal(documented, steps);
            Assert.Equal("v1.0.0", JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "gitml-model.json"))).RootElement.GetProperty("version").GetString());
        }
        finally
        {
            GitMl.Testing.TempDir.Delete(dir);
        }
    }

    [Fact]
    public void ExportDocker_WithToolPackage_BakesThePackageAndInstallsFromIt()
    {
        // Given a resolved model and a GitMl tool package (a zip with a .nuspec naming id GitMl, version 0.2.0-beta)
        var bytes = OnnxModelBuilder.Linear(ServingRepo.W1, ServingRepo.B1);
        var oid = GitMl.Core.Hashing.Blake3Hasher.Hash(bytes);
        var identity = new ModelIdentity("linear", "linear#prod", new string('c', 40), oid, bytes.Length, "v1.0.0");
        var dir = GitMl.Testing.TempDir.Create("export-pkg");
        try
        {
            var package = Path.Combine(dir, "artifacts", "anything.nupkg");
            WritePackage(package, "GitMl", "0.2.0-beta");
            var context = Path.Combine(dir, "image");

            // When the Docker context is exported with --tool-package
            var files = DeploymentExporter.ExportDocker(context, identity, bytes, "0.1.0", package);

            // Then the package is in the context, kept by .dockerignore, and the tool stage installs from it
            Assert.Contains("tool/GitMl.0.2.0-beta.nupkg", files);
            Assert.Equal(File.ReadAllBytes(package), File.ReadAllBytes(Path.Combine(context, "tool", "GitMl.0.2.0-beta.nupkg")));
            Assert.Contains("!tool/GitMl.0.2.0-beta.nupkg", File.ReadAllLines(Path.Combine(context, ".dockerignore")));
            var steps = File.ReadAllLines(Path.Combine(context, "Dockerfile")).Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("LABEL", StringComparison.Ordinal)).ToList();
            var toolStage = DocumentedDockerSteps(block: 1).Select(l => l.Replace("<package-version>", "0.2.0-beta")).ToList();
            Assert.Equal(toolStage, steps.Take(toolStage.Count));
            Assert.Equal(DocumentedDockerSteps(block: 0).Skip(2).Select(l => l.Replace("<oid>", oid).Replace("<name>", "linear").Replace("<commit>", identity.Commit).Replace("<registry-version>", "v1.0.0")), steps.Skip(toolStage.Count));
        }
        finally
        {
            GitMl.Testing.TempDir.Delete(dir);
        }
    }

    [Theory]
    [InlineData("not a zip")]
    [InlineData("no nuspec")]
    [InlineData("other id")]
    [InlineData("missing")]
    public void ExportDocker_BadToolPackage_IsRefusedBeforeWritingAnything(string kind)
    {
        // Given a resolved model and a package that is not the GitMl tool package
        var bytes = OnnxModelBuilder.Linear(ServingRepo.W1, ServingRepo.B1);
        var identity = new ModelIdentity("linear", "linear#prod", new string('c', 40), GitMl.Core.Hashing.Blake3Hasher.Hash(bytes), bytes.Length, "v1.0.0");
        var dir = GitMl.Testing.TempDir.Create("export-bad");
        try
        {
            var package = Path.Combine(dir, "p.nupkg");
            switch (kind)
            {
                case "not a zip":
                    File.WriteAllText(package, "hello");
                    break;
                case "no nuspec":
                    using (var zip = System.IO.Compression.ZipFile.Open(package, System.IO.Compression.ZipArchiveMode.Create))
                    {
                        zip.CreateEntry("readme.txt");
                    }

                    break;
                case "other id":
                    WritePackage(package, "SomethingElse", "1.0.0");
                    break;
            }

            var context = Path.Combine(dir, "image");

            // When the Docker context is exported with it
            var ex = Assert.Throws<GitMl.Core.GitMlException>(() => DeploymentExporter.ExportDocker(context, identity, bytes, "0.1.0", package));

            // Then it is refused with a hint to use 'dotnet pack', and no context was written
            Assert.Equal(kind == "missing" ? GitMl.Core.ExitCode.NotFound : GitMl.Core.ExitCode.InvalidInput, ex.ExitCode);
            Assert.Contains("dotnet pack src/GitMl.Cli", ex.Hint);
            Assert.False(Directory.Exists(context));
        }
        finally
        {
            GitMl.Testing.TempDir.Delete(dir);
        }
    }

    [Fact]
    public void ExportK8s_WritesDeploymentServiceAndHpaProbingOipHealth()
    {
        // Given a resolved model whose artifact name has a '/'
        var identity = new ModelIdentity("team/churn", "team/churn#prod", new string('c', 40), new string('a', 64), 10, "v1.2.0");
        var dir = GitMl.Testing.TempDir.Create("k8s");
        try
        {
            // When Kubernetes manifests are exported
            DeploymentExporter.ExportKubernetes(dir, identity, null);
            YamlMappingNode Load(string f)
            {
                var s = new YamlStream();
                s.Load(new StringReader(File.ReadAllText(Path.Combine(dir, f))));
                return (YamlMappingNode)s.Documents[0].RootNode;
            }

            string At(YamlNode n, params object[] path)
            {
                foreach (var p in path)
                {
                    n = p is int i ? ((YamlSequenceNode)n).Children[i] : ((YamlMappingNode)n).Children[new YamlScalarNode((string)p)];
                }

                return ((YamlScalarNode)n).Value!;
            }

            var deployment = Load("deployment.yaml");
            var service = Load("service.yaml");
            var hpa = Load("hpa.yaml");

            // Then the three objects are well-formed and wired together, with OIP probes and the pinned oid
            Assert.Equal("Deployment", At(deployment, "kind"));
            Assert.Equal("gitml-team-churn", At(deployment, "metadata", "name"));
            Assert.Equal(identity.Oid, At(deployment, "metadata", "annotations", "gitml.io/oid"));
            var container = new object[] { "spec", "template", "spec", "containers", 0 };
            Assert.Equal("gitml-team-churn:v1.2.0", At(deployment, [.. container, "image"]));
            Assert.Equal("/v2/health/ready", At(deployment, [.. container, "readinessProbe", "httpGet", "path"]));
            Assert.Equal("/v2/health/live", At(deployment, [.. container, "livenessProbe", "httpGet", "path"]));
            Assert.Equal("8080", At(deployment, [.. container, "ports", 0, "containerPort"]));
            Assert.Equal("Service", At(service, "kind"));
            Assert.Equal("gitml-team-churn", At(service, "spec", "selector", "app.kubernetes.io/name"));
            Assert.Equal("HorizontalPodAutoscaler", At(hpa, "kind"));
            Assert.Equal("autoscaling/v2", At(hpa, "apiVersion"));
            Assert.Equal("gitml-team-churn", At(hpa, "spec", "scaleTargetRef", "name"));
        }
        finally
        {
            GitMl.Testing.TempDir.Delete(dir);
        }
    }

    private static void WritePackage(string path, string id, string version)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create);
        using (var w = new StreamWriter(zip.CreateEntry(id + ".nuspec").Open()))
        {
            w.Write($"<?xml version=\"1.0\"?><package xmlns=\"http://schemas.microsoft.com/packaging/2012/06/nuspec.xsd\"><metadata><id>{id}</id><version>{version}</version></metadata></package>");
        }

        zip.CreateEntry("tools/net10.0/any/git-ml.dll");
    }

    /// <summary>
    /// The Dockerfile steps docs/cli.md documents: block 0 is the fenced block after 'Dockerfile build steps', block 1
    /// the next one (the tool stage with --tool-package).
    /// </summary>
    private static List<string> DocumentedDockerSteps(int block = 0)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GitMl.sln")))
        {
            dir = dir.Parent;
        }

        var doc = File.ReadAllLines(Path.Combine(dir!.FullName, "docs", "cli.md"));
        var close = Array.FindIndex(doc, l => l.Contains("Dockerfile build steps", StringComparison.Ordinal));
        var open = close;
        for (var b = 0; b <= block; b++)
        {
            open = Array.FindIndex(doc, close + 1, l => l.StartsWith("```", StringComparison.Ordinal));
            close = Array.FindIndex(doc, open + 1, l => l.StartsWith("```", StringComparison.Ordinal));
        }

        return doc[(open + 1)..close].Where(l => l.Length > 0).ToList();
    }
}
