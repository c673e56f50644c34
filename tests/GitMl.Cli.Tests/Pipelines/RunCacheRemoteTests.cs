using GitMl.Testing;

namespace GitMl.Cli.Tests.Pipelines;

public class RunCacheRemoteTests
{
    [Fact]
    public void PullRunCache_InAClone_RestoresAnUncommittedRunWithoutRunningIt()
    {
        // Given a run with lr 0.05 that was never committed (only lr 0.1 is), pushed with --run-cache
        using var repo = PipelineRepo.CreateTwoStage();
        var remote = TempDir.Create("remote");
        var clone = TempDir.Create("clone");
        try
        {
            CliRunner.Ok(repo.Root, "remote", "add", "-d", "storage", remote);
            repo.Write("params.yaml", "prepare:\n  scale: 2\ntrain:\n  lr: 0.05\n  epochs: 3\n");
            CliRunner.Ok(repo.Root, "repro");
            var model005 = File.ReadAllText(repo.PathOf("model.bin"));
            repo.Write("params.yaml", "prepare:\n  scale: 2\ntrain:\n  lr: 0.1\n  epochs: 3\n");
            CliRunner.Ok(repo.Root, "repro");
            repo.CommitAll("lr 0.1");
            var push = CliRunner.Ok(repo.Root, "push", "--run-cache");
            Assert.Contains("run cache: 3 of 3 run(s) pushed", push);

            // When a clone pulls with --run-cache and tries lr 0.05
            ProcessRunner.Run("git", ["clone", "-q", repo.Root, clone], Path.GetTempPath());
            CliRunner.Ok(clone, "pull", "--run-cache");
            File.WriteAllText(Path.Combine(clone, "params.yaml"), "prepare:\n  scale: 2\ntrain:\n  lr: 0.05\n  epochs: 3\n");
            var output = CliRunner.Ok(clone, "repro");

            // Then the model of that run came from the pulled run cache; train never ran in the clone
            Assert.Contains("Restored stage 'train' from the run cache (param train.lr 0.1 → 0.05)", output);
            Assert.Equal(model005, File.ReadAllText(Path.Combine(clone, "model.bin")));
            Assert.False(File.Exists(Path.Combine(clone, "runs", "train")));
        }
        finally
        {
            TempDir.Delete(remote);
            TempDir.Delete(clone);
        }
    }
}
