using GitMl.Testing;

namespace GitMl.Cli.Tests.Reliability;

/// <summary>Credentials of an S3 remote never appear in any output (even with --verbose), log, or committed file.</summary>
public sealed class SecretsTests : IDisposable
{
    private const string Secret = "Sup3r/S3cret+Value=9f2cQx";
    private const string SessionToken = "SessTok-7c1e-NeverPrintMe-42";

    private readonly TempGitRepo _repo = TempGitRepo.Create();
    private readonly MotoServer _moto = new();

    [Fact]
    public void EveryCommand_VerboseAgainstS3RemoteWithCredentials_NeverShowsOrCommitsTheSecret()
    {
        // Given an S3 remote (moto) whose keys and session token sit in config.local
        _moto.RequireRunning();
        _moto.CreateBucket("secret-bucket");
        var outputs = new List<(string Command, CliResult Result)>();
        void Run(params string[] args)
        {
            var r = CliRunner.Run(_repo.Root, [.. args, "--verbose"]);
            outputs.Add((string.Join(' ', args), r));
        }

        Run("init");
        Run("remote", "add", "-d", "storage", "s3://secret-bucket/project");
        Run("remote", "modify", "storage", "endpointurl", _moto.Endpoint);
        Run("remote", "modify", "storage", "access_key_id", "AKIDCHAOSTEST", "--local");
        Run("remote", "modify", "storage", "secret_access_key", Secret, "--local");
        Run("remote", "modify", "storage", "session_token", SessionToken, "--local");

        // When every data, remote, pipeline, metrics and registry command runs with --verbose, including failing ones
        _repo.WriteBytes("data/train.csv", TrackedData.Bytes(50_000, 1));
        _repo.Write("params.yaml", "lr: 0.1\n");
        _repo.Write("metrics.json", "{\"acc\": 0.9}\n");
        Run("remote", "list");
        Run("remote", "list", "--json");
        Run("add", "data/train.csv");
        Run("status");
        Run("status", "--cloud");
        Run("push");
        Run("stage", "add", "-n", "copy", "-d", "data/train.csv", "-o", "out.csv", "--", "cp data/train.csv out.csv");
        Run("repro");
        _repo.CommitAll("tracked");
        Run("status", "--cloud", "--json");
        Run("commit");
        Run("fetch");
        File.Delete(_repo.PathOf("data/train.csv"));
        Run("pull");
        Run("checkout");
        Run("fsck");
        Run("fsck", "--cloud");
        Run("gc", "--dry-run");
        Run("gc");
        Run("metrics", "show");
        Run("params", "diff");
        Run("model", "list");
        Run("remove", "out.csv.gitml");
        Run("remote", "modify", "storage", "url", "s3://no-such-bucket/x");
        Run("push");
        Run("pull");
        Run("remote", "modify", "storage", "secret_access_key", Secret);
        _repo.CommitAll("after");

        // Then no output shows the secret or the token
        Assert.True(outputs.Count > 30);
        foreach (var (command, r) in outputs)
        {
            Assert.DoesNotContain(Secret, r.StdOut + r.StdErr);
            Assert.DoesNotContain(SessionToken, r.StdOut + r.StdErr);
            Assert.DoesNotContain("S3cret", r.StdOut + r.StdErr);
        }

        // And the commands ran for real (the remote worked before it was pointed at a missing bucket)
        Assert.Contains(outputs, o => o.Command == "fsck --cloud" && o.Result.ExitCode == 0);
        Assert.Contains(outputs, o => o.Command == "push" && o.Result.ExitCode == 0);

        // And no file but config.local holds them: not the committed config, not Git history, not logs or temp files
        foreach (var file in Directory.EnumerateFiles(_repo.Root, "*", SearchOption.AllDirectories))
        {
            if (file == _repo.PathOf(".gitml/config.local"))
            {
                continue;
            }

            var text = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(file));
            Assert.False(text.Contains(Secret, StringComparison.Ordinal) || text.Contains(SessionToken, StringComparison.Ordinal), $"secret found in {file}");
        }

        var history = _repo.Git("log", "-p", "--all", "--format=%B");
        Assert.DoesNotContain(Secret, history);
        Assert.DoesNotContain(SessionToken, history);
        Assert.Contains(Secret, File.ReadAllText(_repo.PathOf(".gitml/config.local")));
    }

    public void Dispose()
    {
        _repo.Dispose();
        _moto.Dispose();
    }
}
