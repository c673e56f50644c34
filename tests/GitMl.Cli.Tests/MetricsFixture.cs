using GitMl.Testing;

namespace GitMl.Cli.Tests;

/// <summary>
/// A repository with two commits (tagged <c>v1</c>, <c>v2</c>) and workspace edits: nested metrics in JSON and YAML,
/// lists, added and removed keys, a text value, params with stage deps, a step log, and metric policies.
/// </summary>
public sealed class MetricsFixture : IDisposable
{
    public const string Pipeline = """
        stages:
          train:
            cmd: python train.py
            params: [train, model.name]
            metrics: [metrics.json, eval/scores.yaml]
            plots:
            - logs/loss.tsv: {x: step, y: [train_loss, val_loss]}
        metrics:
          val.accuracy: {better: higher, tolerance: 0.005}
          val.loss: {better: lower, relative_tolerance: 0.02}
          eval/scores.yaml:f1: {better: higher}
          val_loss: {better: lower}
          train_loss: {better: lower}
        """;

    public MetricsFixture()
    {
        Repo = TempGitRepo.Create();
        CliRunner.Ok(Repo.Root, "init");
        Repo.Write("gitml.yaml", Pipeline);
        Repo.Write("metrics.json", """{"val": {"accuracy": 0.9012345, "loss": 0.3}, "train": {"loss": 0.25, "time_s": 1234.5}, "classes": [0, 1], "per_class": [{"p": 1}], "status": "ok"}""");
        Repo.Write("eval/scores.yaml", "f1: 0.8\nauc: 0.85\nthreshold: 0.5\n");
        Repo.Write("params.yaml", "train:\n  lr: 0.01\n  epochs: 10\n  optimizer: sgd\nmodel:\n  name: resnet18\n  dropout: 0.1\nseed: 42\n");
        Repo.Write("logs/loss.tsv", "step\ttrain_loss\tval_loss\n0\t1.0\t1.1\n1\t0.6\t0.7\n2\t0.5\t0.65\n3\t0.45\t0.68\n");
        Repo.CommitAll("first run");
        Repo.Git("tag", "v1");

        Repo.Write("metrics.json", """{"val": {"accuracy": 0.9234567, "loss": 0.31}, "train": {"loss": 0.2, "time_s": 1301.25}, "classes": [0, 1, 2], "per_class": [{"p": 1}], "status": "ok", "new_metric": 7}""");
        Repo.Write("eval/scores.yaml", "f1: 0.78\nauc: 0.85\n");
        Repo.Write("params.yaml", "train:\n  lr: 0.02\n  epochs: 10\n  optimizer: adam\nmodel:\n  name: resnet34\n  dropout: 0.2\nseed: 7\n");
        Repo.Write("logs/loss.tsv", "step\ttrain_loss\tval_loss\n0\t0.9\t1.0\n1\t0.5\t0.6\n2\t0.4\t0.55\n3\t0.35\t0.5\n4\t0.3\t0.52\n");
        Repo.CommitAll("second run");
        Repo.Git("tag", "v2");
        Repo.Git("branch", "exp", "v1");

        Repo.Write("metrics.json", """{"val": {"accuracy": 0.8912, "loss": 0.25}, "train": {"loss": 0.2}, "classes": [0, 1, 2], "status": "degraded", "new_metric": 7}""");
    }

    public TempGitRepo Repo { get; }

    public string Root => Repo.Root;

    public void Dispose() => Repo.Dispose();
}
