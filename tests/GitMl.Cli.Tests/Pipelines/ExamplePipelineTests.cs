using System.Text.Json;
using GitMl.Core.Pipelines;
using GitMl.Testing;

namespace GitMl.Cli.Tests.Pipelines;

/// <summary>The C# example pipeline (examples/pipeline) run for real: its stages are built with this test project.</summary>
public class ExamplePipelineTests
{
    [Fact]
    public void ExamplePipeline_ReproChangeParamRevert_TrainsSkipsUsesRunCacheAndVerifiesReproducible()
    {
        // Given a repository with the example's gitml.yaml and params.yaml, and its two tools tracked as data
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        var example = Path.Combine(FindSourceRoot(), "examples", "pipeline");
        File.Copy(Path.Combine(example, "gitml.yaml"), repo.PathOf("gitml.yaml"));
        File.Copy(Path.Combine(example, "params.yaml"), repo.PathOf("params.yaml"));
        CopyTool("Prepare", repo.PathOf(".tools/prepare"));
        CopyTool("Train", repo.PathOf(".tools/train"), "Google.Protobuf.dll");
        CliRunner.Ok(repo.Root, "add", ".tools/prepare", ".tools/train");

        // When the pipeline runs
        var first = CliRunner.Ok(repo.Root, "repro");

        // Then both stages ran and wrote a model, metrics with a useful accuracy, and a per-step log
        Assert.Contains("Running stage 'prepare'", first);
        Assert.Contains("Running stage 'train'", first);
        Assert.True(new FileInfo(repo.PathOf("model.onnx")).Length > 100);
        var accuracy = JsonDocument.Parse(File.ReadAllText(repo.PathOf("metrics.json"))).RootElement.GetProperty("val").GetProperty("accuracy").GetDouble();
        Assert.InRange(accuracy, 0.8, 1.0);
        var log = File.ReadAllLines(repo.PathOf("logs/train.tsv"));
        Assert.Equal("step\ttrain_loss\tval_loss\tval_accuracy", log[0]);
        Assert.Equal(61, log.Length);
        repo.CommitAll("baseline run");
        var model = File.ReadAllBytes(repo.PathOf("model.onnx"));

        // When a train param changes, then goes back
        var original = File.ReadAllText(repo.PathOf("params.yaml"));
        repo.Write("params.yaml", original.Replace("lr: 0.5", "lr: 0.05", StringComparison.Ordinal));
        var changed = CliRunner.Ok(repo.Root, "repro");
        repo.Write("params.yaml", original);
        var reverted = CliRunner.Ok(repo.Root, "repro");

        // Then prepare was skipped, train re-ran for the new lr, and the revert came from the run cache
        Assert.Contains("Stage 'prepare' is up to date.", changed);
        Assert.Contains("Running stage 'train' (param train.lr 0.5 → 0.05)", changed);
        Assert.Contains("Restored stage 'train' from the run cache (param train.lr 0.05 → 0.5)", reverted);
        Assert.Equal(model, File.ReadAllBytes(repo.PathOf("model.onnx")));

        // And the committed run re-created from scratch in a temporary copy matches its lock, out by out
        var verify = CliRunner.Ok(repo.Root, "repro", "--rev", "HEAD", "--verify");
        Assert.Contains("reproducible: model.onnx", verify);
        Assert.Contains("reproducible: data/prepared", verify);
        Assert.Contains("HEAD is reproducible: all 4 outs match its gitml.lock.", verify);
    }

    private static void CopyTool(string name, string dest, params string[] extra)
    {
        Directory.CreateDirectory(dest);
        foreach (var file in new[] { name + ".dll", name + ".runtimeconfig.json", name + ".deps.json" }.Concat(extra))
        {
            File.Copy(Path.Combine(AppContext.BaseDirectory, file), Path.Combine(dest, file));
        }
    }

    private static string FindSourceRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GitMl.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("GitMl.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void ExamplePipelineFile_Parses_WithPlotAsUncachedOut()
    {
        // Given the example's gitml.yaml
        var pipeline = PipelineFile.Load(Path.Combine(FindSourceRoot(), "examples", "pipeline"));

        // When its train stage is resolved
        var train = PipelineGraph.Resolve(pipeline.Stages.Single(s => s.Name == "train"));

        // Then the model is cached and the metrics and step log are outs kept in Git
        Assert.Equal(["model.onnx:True", "metrics.json:False", "logs/train.tsv:False"], train.Outs.Select(o => $"{o.Path}:{o.Cache}"));
    }
}
