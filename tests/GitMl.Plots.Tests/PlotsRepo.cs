using GitMl.Core;
using GitMl.Core.Metrics;
using GitMl.Testing;

namespace GitMl.Plots.Tests;

/// <summary>A real Git repository with five commits (tags r1…r5), each with data for every plot template.</summary>
public sealed class PlotsRepo : IDisposable
{
    public const string Pipeline = """
        stages:
          train:
            cmd: python train.py
            metrics: [metrics.json]
            plots:
            - logs/loss.tsv: {x: step, y: [train_loss, val_loss], title: Training loss, x_label: epoch, y_label: loss value}
            - eval/scores.csv: {template: scatter, x: score, y: label, title: Scores}
            - eval/per_class.json: {template: bar, x: class, y: [f1, recall], title: Per class}
            - eval/confusion.csv: {template: confusion, x: actual, y: predicted, title: Confusion}
        """;

    public PlotsRepo()
    {
        Repo = TempGitRepo.Create();
        GitMlRepository.Init(Repo.Root).Dispose();
        for (var c = 1; c <= 5; c++)
        {
            Repo.Write("gitml.yaml", Pipeline);
            Repo.Write("metrics.json", $"{{\"acc\": {0.8 + (c / 100.0)}, \"loss\": {0.5 - (c / 50.0)}}}");
            var loss = string.Join("\n", Enumerable.Range(0, 6).Select(s => $"{s}\t{1.0 / (s + c):0.####}\t{1.2 / (s + c):0.####}"));
            Repo.Write("logs/loss.tsv", "step\ttrain_loss\tval_loss\n" + loss + "\n");
            Repo.Write("eval/scores.csv", "score,label\n" + string.Join("\n", Enumerable.Range(0, 10).Select(i => $"{(i + c) / 15.0:0.###},{i % 2}")) + "\n");
            Repo.Write("eval/per_class.json", $"[{{\"class\": \"cat\", \"f1\": {0.7 + (c / 50.0)}, \"recall\": 0.6}}, {{\"class\": \"dog\", \"f1\": 0.8, \"recall\": {0.7 + (c / 100.0)}}}]");
            Repo.Write("eval/confusion.csv", "actual,predicted\n" + string.Join("\n", Enumerable.Range(0, 12).Select(i => $"{(i % 3 == 0 ? "cat" : "dog")},{((i + c) % 4 == 0 ? "cat" : "dog")}")) + "\n");
            Repo.CommitAll($"run {c}");
            Repo.Git("tag", $"r{c}");
        }

        Git = GitMlRepository.Open(Repo.Root);
        Source = new RevisionSource(Git.Git, Git.WorkDir);
    }

    public TempGitRepo Repo { get; }

    public GitMlRepository Git { get; }

    public RevisionSource Source { get; }

    public IReadOnlyList<RevisionRef> Revs(int count) => Enumerable.Range(1, count).Select(i => Source.Resolve($"r{i}")).ToList();

    public void Dispose()
    {
        Git.Dispose();
        Repo.Dispose();
    }
}
