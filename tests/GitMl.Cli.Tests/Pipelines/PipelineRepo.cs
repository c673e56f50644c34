using GitMl.Testing;

namespace GitMl.Cli.Tests.Pipelines;

/// <summary>A temp Git repository with GitMl initialized and a two-stage pipeline whose commands count their runs.</summary>
internal static class PipelineRepo
{
    /// <summary>
    /// prepare: data/raw.csv + param prepare.scale → data/prepared/ (counts in runs/prepare);
    /// train: data/prepared + param train.lr → model.bin, metrics.json (counts in runs/train).
    /// Commands write their run counts outside the outs, so a test can tell whether a command really ran.
    /// </summary>
    public static TempGitRepo CreateTwoStage()
    {
        var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.Write("data/raw.csv", "x,y\n1,2\n3,4\n");
        CliRunner.Ok(repo.Root, "add", "data/raw.csv");
        repo.Write("params.yaml", "prepare:\n  scale: 2\ntrain:\n  lr: 0.1\n  epochs: 3\n");
        repo.Write(".gitignore", "/runs/\n");
        CliRunner.Ok(repo.Root, "stage", "add", "-n", "prepare", "-d", "data/raw.csv", "-p", "prepare.scale", "-o", "data/prepared", "--",
            "mkdir -p data/prepared runs && cp data/raw.csv data/prepared/rows.csv && echo run >> runs/prepare");
        CliRunner.Ok(repo.Root, "stage", "add", "-n", "train", "-d", "data/prepared", "-p", "train.lr", "-o", "model.bin", "-M", "metrics.json", "--",
            "mkdir -p runs && { cat data/prepared/rows.csv; grep 'lr:' params.yaml; } > model.bin && echo '{\"acc\": 0.9}' > metrics.json && echo run >> runs/train");
        return repo;
    }

    /// <summary>How many times a stage's command ran.</summary>
    public static int Runs(TempGitRepo repo, string stage)
    {
        var path = repo.PathOf("runs/" + stage);
        return File.Exists(path) ? File.ReadAllLines(path).Length : 0;
    }
}
