using GitMl.Core.Pipelines;
using GitMl.Core.Pointers;
using GitMl.Testing;

namespace GitMl.Cli.Tests.Pipelines;

public class ReproCommandTests
{
    [Fact]
    public void Repro_StagesWrittenInReverseOrder_RunsUpstreamFirst()
    {
        // Given a pipeline whose downstream stage is written before its upstream stage
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.Write("gitml.yaml", """
            stages:
              second:
                cmd: cat a.txt > b.txt && echo second >> order.log
                deps: [a.txt]
                outs: [b.txt]
              first:
                cmd: echo hello > a.txt && echo first >> order.log
                outs: [a.txt]
            """);

        // When repro runs
        CliRunner.Ok(repo.Root, "repro");

        // Then the stage producing a.txt ran before the one reading it
        Assert.Equal(["first", "second"], File.ReadAllLines(repo.PathOf("order.log")));
        Assert.Equal("hello\n", File.ReadAllText(repo.PathOf("b.txt")));
    }

    [Fact]
    public void Repro_NothingChanged_SkipsEveryStage()
    {
        // Given a pipeline that ran once
        using var repo = PipelineRepo.CreateTwoStage();
        CliRunner.Ok(repo.Root, "repro");
        var lockBefore = File.ReadAllText(repo.PathOf("gitml.lock"));

        // When repro runs again
        var output = CliRunner.Ok(repo.Root, "repro");

        // Then no command ran and the lock is the same
        Assert.Equal(1, PipelineRepo.Runs(repo, "prepare"));
        Assert.Equal(1, PipelineRepo.Runs(repo, "train"));
        Assert.Contains("Stage 'train' is up to date.", output);
        Assert.Contains("Everything is up to date.", output);
        Assert.Equal(lockBefore, File.ReadAllText(repo.PathOf("gitml.lock")));
    }

    [Fact]
    public void Repro_FirstRun_WritesLockWithDepsParamsAndOuts()
    {
        // Given a fresh two-stage pipeline
        using var repo = PipelineRepo.CreateTwoStage();

        // When repro runs
        CliRunner.Ok(repo.Root, "repro");

        // Then the lock records each stage's cmd, dep oids, param values and outs; metrics are marked as kept in Git
        var lockFile = LockFile.Parse(File.ReadAllText(repo.PathOf("gitml.lock")), "gitml.lock");
        var train = lockFile.Stages["train"];
        Assert.Equal("data/prepared", Assert.Single(train.Deps).Path);
        Assert.EndsWith(".dir", train.Deps[0].Oid);
        Assert.Equal("0.1", train.Params["params.yaml"]["train.lr"]);
        Assert.Equal(["model.bin", "metrics.json"], train.Outs.Select(o => o.Out.Path));
        Assert.False(train.Outs.Single(o => o.Out.Path == "metrics.json").Cache);

        // And checkout/push see only the cached outs
        var tracked = PointerDiscovery.FromLock(File.ReadAllText(repo.PathOf("gitml.lock"))).Select(t => t.RepoPath).ToList();
        Assert.Equal(["data/prepared", "model.bin"], tracked);

        // And the cached outs are ignored by Git, the metrics file is not
        Assert.Contains("/model.bin", File.ReadAllText(repo.PathOf(".gitignore")));
        Assert.DoesNotContain("metrics.json", File.ReadAllText(repo.PathOf(".gitignore")));
    }

    [Fact]
    public void Repro_ParamOfDownstreamStageChanged_RerunsOnlyThatStage()
    {
        // Given a pipeline that ran once
        using var repo = PipelineRepo.CreateTwoStage();
        CliRunner.Ok(repo.Root, "repro");

        // When train.lr changes and repro runs
        repo.Write("params.yaml", "prepare:\n  scale: 2\ntrain:\n  lr: 0.05\n  epochs: 3\n");
        var output = CliRunner.Ok(repo.Root, "repro");

        // Then only train ran again, saying why
        Assert.Equal(1, PipelineRepo.Runs(repo, "prepare"));
        Assert.Equal(2, PipelineRepo.Runs(repo, "train"));
        Assert.Contains("Running stage 'train' (param train.lr 0.1 → 0.05)", output);
        Assert.Contains("lr: 0.05", File.ReadAllText(repo.PathOf("model.bin")));
    }

    [Fact]
    public void Repro_UpstreamDepChanged_RerunsItAndItsDownstream()
    {
        // Given a pipeline that ran once
        using var repo = PipelineRepo.CreateTwoStage();
        CliRunner.Ok(repo.Root, "repro");

        // When the raw data changes
        repo.Write("data/raw.csv", "x,y\n5,6\n");
        var output = CliRunner.Ok(repo.Root, "repro");

        // Then both stages ran, the first because of its dep, the second because its dep (prepare's out) changed
        Assert.Equal(2, PipelineRepo.Runs(repo, "prepare"));
        Assert.Equal(2, PipelineRepo.Runs(repo, "train"));
        Assert.Contains("Running stage 'prepare' (dep data/raw.csv changed)", output);
        Assert.Contains("Running stage 'train' (dep data/prepared changed)", output);
    }

    [Fact]
    public void Repro_ParamReverted_RestoresOutsFromRunCacheWithoutRunningCommand()
    {
        // Given a pipeline run with lr 0.1, then with lr 0.05
        using var repo = PipelineRepo.CreateTwoStage();
        CliRunner.Ok(repo.Root, "repro");
        var modelAt01 = File.ReadAllText(repo.PathOf("model.bin"));
        repo.Write("params.yaml", "prepare:\n  scale: 2\ntrain:\n  lr: 0.05\n  epochs: 3\n");
        CliRunner.Ok(repo.Root, "repro");
        Assert.Equal(2, PipelineRepo.Runs(repo, "train"));

        // When lr goes back to 0.1
        repo.Write("params.yaml", "prepare:\n  scale: 2\ntrain:\n  lr: 0.1\n  epochs: 3\n");
        var output = CliRunner.Ok(repo.Root, "repro");

        // Then the model came from the run cache: the command did not run, and the output says so
        Assert.Equal(2, PipelineRepo.Runs(repo, "train"));
        Assert.Contains("Restored stage 'train' from the run cache (param train.lr 0.05 → 0.1); its command did not run.", output);
        Assert.Equal(modelAt01, File.ReadAllText(repo.PathOf("model.bin")));
        Assert.Equal("0.1", LockFile.Load(repo.Root).Stages["train"].Params["params.yaml"]["train.lr"]);

        // And the next repro finds everything up to date
        Assert.Contains("Everything is up to date.", CliRunner.Ok(repo.Root, "repro"));
    }

    [Fact]
    public void Repro_OutDeleted_RestoresItFromRunCache()
    {
        // Given a pipeline that ran once
        using var repo = PipelineRepo.CreateTwoStage();
        CliRunner.Ok(repo.Root, "repro");
        var model = File.ReadAllText(repo.PathOf("model.bin"));

        // When the model is deleted and repro runs
        File.Delete(repo.PathOf("model.bin"));
        var output = CliRunner.Ok(repo.Root, "repro");

        // Then it is back, without running train
        Assert.Equal(model, File.ReadAllText(repo.PathOf("model.bin")));
        Assert.Equal(1, PipelineRepo.Runs(repo, "train"));
        Assert.Contains("out model.bin missing", output);
    }

    [Fact]
    public void Repro_Force_RunsEveryStageAgain()
    {
        // Given a pipeline that ran once
        using var repo = PipelineRepo.CreateTwoStage();
        CliRunner.Ok(repo.Root, "repro");

        // When repro --force runs
        CliRunner.Ok(repo.Root, "repro", "--force");

        // Then both commands ran again (the run cache is not used)
        Assert.Equal(2, PipelineRepo.Runs(repo, "prepare"));
        Assert.Equal(2, PipelineRepo.Runs(repo, "train"));
    }

    [Fact]
    public void Repro_TargetStage_RunsItAndItsUpstreamOnly()
    {
        // Given a fresh pipeline
        using var repo = PipelineRepo.CreateTwoStage();

        // When only prepare is reproduced
        CliRunner.Ok(repo.Root, "repro", "prepare");

        // Then train did not run
        Assert.Equal(1, PipelineRepo.Runs(repo, "prepare"));
        Assert.Equal(0, PipelineRepo.Runs(repo, "train"));
        Assert.False(LockFile.Load(repo.Root).Stages.ContainsKey("train"));
    }

    [Fact]
    public void Repro_Downstream_RunsTargetAndStagesAfterIt()
    {
        // Given a pipeline that ran once
        using var repo = PipelineRepo.CreateTwoStage();
        CliRunner.Ok(repo.Root, "repro");

        // When prepare and its downstream are forced
        CliRunner.Ok(repo.Root, "repro", "prepare", "--downstream", "--force");

        // Then both ran
        Assert.Equal(2, PipelineRepo.Runs(repo, "prepare"));
        Assert.Equal(2, PipelineRepo.Runs(repo, "train"));
    }

    [Fact]
    public void Repro_DryRun_ExplainsWhyAndChangesNothing()
    {
        // Given a pipeline that ran once and a changed param
        using var repo = PipelineRepo.CreateTwoStage();
        CliRunner.Ok(repo.Root, "repro");
        repo.Write("params.yaml", "prepare:\n  scale: 2\ntrain:\n  lr: 0.05\n  epochs: 3\n");
        var lockBefore = File.ReadAllText(repo.PathOf("gitml.lock"));

        // When repro --dry-run runs
        var output = CliRunner.Ok(repo.Root, "repro", "--dry-run");

        // Then it says what would run and why, and nothing ran or changed
        Assert.Contains("Stage 'prepare' is up to date.", output);
        Assert.Contains("Would run stage 'train': param train.lr 0.1 → 0.05", output);
        Assert.Equal(1, PipelineRepo.Runs(repo, "train"));
        Assert.Equal(lockBefore, File.ReadAllText(repo.PathOf("gitml.lock")));
    }

    [Fact]
    public void Repro_DryRunJson_ListsActionsAndReasons()
    {
        // Given a pipeline that ran once and changed raw data
        using var repo = PipelineRepo.CreateTwoStage();
        CliRunner.Ok(repo.Root, "repro");
        repo.Write("data/raw.csv", "x,y\n9,9\n");

        // When repro --dry-run --json runs
        var json = System.Text.Json.JsonDocument.Parse(CliRunner.Ok(repo.Root, "repro", "--dry-run", "--json")).RootElement;

        // Then prepare would run because of its dep and train because its upstream will run
        var stages = json.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal("would-run", stages[0].GetProperty("action").GetString());
        Assert.Equal("dep data/raw.csv changed", stages[0].GetProperty("reasons")[0].GetString());
        Assert.Equal("upstream stage 'prepare' will run", stages[1].GetProperty("reasons")[0].GetString());
    }

    [Fact]
    public void Repro_CommandFails_ShowsExitCodeAndStderrAndLeavesLockUntouched()
    {
        // Given a pipeline that ran once, whose train command now fails
        using var repo = PipelineRepo.CreateTwoStage();
        CliRunner.Ok(repo.Root, "repro");
        var lockBefore = File.ReadAllText(repo.PathOf("gitml.lock"));
        var model = File.ReadAllText(repo.PathOf("model.bin"));
        CliRunner.Ok(repo.Root, "stage", "add", "-f", "-n", "train", "-d", "data/prepared", "-p", "train.lr", "-o", "model.bin", "-M", "metrics.json", "--",
            "echo partial > model.bin; echo 'loss is NaN at step 7' >&2; exit 3");

        // When repro runs
        var r = CliRunner.Run(repo.Root, "repro");

        // Then it fails with the stage exit code, the last stderr line, and the lock is unchanged
        Assert.Equal(11, r.ExitCode);
        Assert.Contains("error: stage 'train' failed with exit code 3; last stderr lines: loss is NaN at step 7", r.StdErr);
        Assert.Contains("hint: ", r.StdErr);
        Assert.Equal(lockBefore, File.ReadAllText(repo.PathOf("gitml.lock")));

        // And the previous model is still restorable from the cache
        CliRunner.Ok(repo.Root, "checkout", "--force");
        Assert.Equal(model, File.ReadAllText(repo.PathOf("model.bin")));
    }

    [Fact]
    public void Repro_CommandSucceedsWithoutWritingOut_FailsAndLeavesLockUntouched()
    {
        // Given a stage that does not write its out
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        CliRunner.Ok(repo.Root, "stage", "add", "-n", "lazy", "-o", "never.txt", "--", "true");

        // When repro runs
        var r = CliRunner.Run(repo.Root, "repro");

        // Then it fails naming the out, and no lock was written
        Assert.Equal(11, r.ExitCode);
        Assert.Contains("did not create its out 'never.txt'", r.StdErr);
        Assert.False(File.Exists(repo.PathOf("gitml.lock")));
    }

    [Fact]
    public void Repro_Cycle_NamesTheCycle()
    {
        // Given two stages that depend on each other's outs
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.Write("gitml.yaml", "stages:\n  a:\n    cmd: cp b.txt a.txt\n    deps: [b.txt]\n    outs: [a.txt]\n  b:\n    cmd: cp a.txt b.txt\n    deps: [a.txt]\n    outs: [b.txt]\n");

        // When repro runs
        var r = CliRunner.Run(repo.Root, "repro");

        // Then the error names the cycle
        Assert.Equal(4, r.ExitCode);
        Assert.Contains("error: the pipeline has a cycle: a -> b -> a", r.StdErr);
    }

    [Fact]
    public void Repro_TwoStagesClaimOneOut_Fails()
    {
        // Given two stages with the same out
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.Write("gitml.yaml", "stages:\n  a:\n    cmd: echo 1 > x\n    outs: [x]\n  b:\n    cmd: echo 2 > x\n    outs: [x]\n");

        // When repro runs
        var r = CliRunner.Run(repo.Root, "repro");

        // Then it names the out and both stages
        Assert.Equal(4, r.ExitCode);
        Assert.Contains("error: the out 'x' is claimed by two stages: 'a' and 'b'", r.StdErr);
    }

    [Fact]
    public void StageAdd_OutTrackedByPointerFile_FailsAndWritesNothing()
    {
        // Given data tracked with 'git ml add'
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.Write("data.csv", "1\n");
        CliRunner.Ok(repo.Root, "add", "data.csv");

        // When a stage claims it as an out
        var r = CliRunner.Run(repo.Root, "stage", "add", "-n", "gen", "-o", "data.csv", "--", "echo 2 > data.csv");

        // Then it is refused and gitml.yaml is not created
        Assert.Equal(4, r.ExitCode);
        Assert.Contains("is also tracked by the pointer file 'data.csv.gitml'", r.StdErr);
        Assert.False(File.Exists(repo.PathOf("gitml.yaml")));
    }

    [Fact]
    public void Repro_MissingDep_FailsNamingIt()
    {
        // Given a stage reading a file that does not exist
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        CliRunner.Ok(repo.Root, "stage", "add", "-n", "s", "-d", "nope.csv", "-o", "out.txt", "--", "cp nope.csv out.txt");

        // When repro runs
        var r = CliRunner.Run(repo.Root, "repro");

        // Then it names the dep and the stage
        Assert.Equal(5, r.ExitCode);
        Assert.Contains("error: dep 'nope.csv' of stage 's' does not exist", r.StdErr);
    }

    [Fact]
    public void Repro_MissingParamKey_FailsNamingFileAndKey()
    {
        // Given a stage using a key params.yaml lacks
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.Write("params.yaml", "train:\n  lr: 0.1\n");
        CliRunner.Ok(repo.Root, "stage", "add", "-n", "s", "-p", "train.momentum", "-o", "out.txt", "--", "echo > out.txt");

        // When repro runs
        var r = CliRunner.Run(repo.Root, "repro");

        // Then the error names the key and the file
        Assert.Equal(5, r.ExitCode);
        Assert.Contains("error: param 'train.momentum' of stage 's' is not in params.yaml", r.StdErr);
    }

    [Fact]
    public void Repro_MalformedPipelineFile_NamesLineAndColumn()
    {
        // Given a gitml.yaml with a bad indentation on line 3
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.Write("gitml.yaml", "stages:\n  a:\n   cmd: [unclosed\n    outs: [x]\n");

        // When repro runs
        var r = CliRunner.Run(repo.Root, "repro");

        // Then the error names the file, a line and a column, in one line
        Assert.Equal(4, r.ExitCode);
        Assert.Matches(@"^error: invalid gitml\.yaml \(line \d+, column \d+\): ", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Fact]
    public void StageAdd_ExistingPipelineFile_KeepsOtherSectionsAndStages()
    {
        // Given a gitml.yaml with a stage, metric policies and an artifact
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.Write("gitml.yaml", "stages:\n  first:\n    cmd: echo 1 > one.txt\n    outs: [one.txt]\nmetrics:\n  val.accuracy: {better: higher, tolerance: 0.005}\nartifacts:\n  churn: {path: model.onnx, type: model}\n");

        // When a stage is added
        CliRunner.Ok(repo.Root, "stage", "add", "-n", "second", "-d", "one.txt", "-p", "other.yaml:a.b,c", "-O", "notes.txt", "--", "cp one.txt notes.txt");

        // Then the old content is still there, in order, and the new stage is parsed as written
        var pipeline = PipelineFile.Load(repo.Root);
        Assert.Equal(["first", "second"], pipeline.Stages.Select(s => s.Name));
        Assert.Equal("higher", pipeline.MetricPolicies["val.accuracy"].Better);
        Assert.Equal("model.onnx", pipeline.Artifacts["churn"].Path);
        var second = pipeline.Stages[1];
        Assert.Equal("cp one.txt notes.txt", second.Cmd);
        Assert.Equal([new ParamRef("other.yaml", "a.b"), new ParamRef("other.yaml", "c")], second.Params);
        Assert.False(Assert.Single(second.Outs).Cache);

        // And adding it again without --force is refused
        var again = CliRunner.Run(repo.Root, "stage", "add", "-n", "second", "--", "true");
        Assert.Equal(8, again.ExitCode);
    }
}
