namespace GitMl.Chaos;

/// <summary>One operation to crash: how to build the state before it, and its command line.</summary>
/// <param name="Name">Operation name used in the summary.</param>
/// <param name="Args">The git-ml command line.</param>
/// <param name="Setup">Builds the state before the operation.</param>
/// <param name="StageOutputs">Path prefixes written by a user's stage command, not by git-ml: a kill may leave them half
/// written, which is fine as long as their previous bytes are still recoverable.</param>
internal sealed record Scenario(string Name, string[] Args, Action<World> Setup, string[]? StageOutputs = null);

/// <summary>The operations of issue 9 on generated data: add, commit, checkout, push, pull, gc (cache and remote), repro.</summary>
internal sealed class Scenarios
{
    private readonly string _cli;
    private readonly int _seed;

    public Scenarios(string cli, int seed)
    {
        _cli = cli;
        _seed = seed;
    }

    public IReadOnlyList<Scenario> All() =>
    [
        new("add", ["add", "data", "model.bin"], w =>
        {
            Init(w);
            WriteData(w, 1);
        }),
        new("commit", ["commit"], w =>
        {
            Init(w);
            Version(w, 1);
            WriteData(w, 2);
        }),
        new("checkout", ["checkout"], w =>
        {
            Init(w);
            Version(w, 1);
            Version(w, 2);
            Git(w, "checkout", "-q", "HEAD~1");
        }),
        new("push", ["push", "--all-commits"], w =>
        {
            Init(w);
            Version(w, 1);
            Version(w, 2);
        }),
        new("pull", ["pull"], w =>
        {
            Init(w);
            Version(w, 1);
            Version(w, 2);
            Ml(w, "push", "--all-commits");

            // A fresh clone: pointers from Git, nothing cached, no data in the workspace.
            World.Delete(Path.Combine(w.Repo, ".gitml", "cache"));
            World.Delete(Path.Combine(w.Repo, "data"));
            File.Delete(Path.Combine(w.Repo, "model.bin"));
        }),
        new("gc", ["gc"], w =>
        {
            Init(w);
            Version(w, 1);
            Version(w, 2);
        }),
        new("gc-cloud", ["gc", "--cloud", "-w", "--keep-recent", "0"], w =>
        {
            // Both versions on the remote; the workspace keeps version 2, so the deletes take version 1's objects.
            Init(w);
            Version(w, 1);
            Version(w, 2);
            Ml(w, "push", "--all-commits");
        }),
        new("repro", ["repro"], w =>
        {
            Init(w);
            Version(w, 1);
            File.WriteAllText(Path.Combine(w.Repo, "gitml.yaml"), """
                stages:
                  build:
                    cmd: mkdir -p out && cat data/*.bin > out/all.bin && cp model.bin out/model-copy.bin
                    deps: [data, model.bin]
                    outs: [out]
                """);
            Git(w, "add", "-A");
            Git(w, "commit", "-q", "-m", "pipeline");
        }, ["out/"]),
    ];

    private void Init(World w)
    {
        Git(w, "init", "-q", "-b", "main");
        Ml(w, "init");
        if (w.S3 is null)
        {
            Ml(w, "remote", "add", "storage", "../remote", "--default");
        }
        else
        {
            // In config.local (not committed): a copied world points its copy at a bucket of its own.
            Ml(w, "remote", "add", "storage", $"s3://{w.Bucket}/{World.Prefix}", "--default", "--local");
            Ml(w, "remote", "modify", "storage", "endpointurl", w.S3.Endpoint, "--local");
            Ml(w, "remote", "modify", "storage", "access_key_id", "chaos", "--local");
            Ml(w, "remote", "modify", "storage", "secret_access_key", "chaos-secret", "--local");
        }

        Git(w, "add", "-A");
        Git(w, "commit", "-q", "-m", "init");
    }

    /// <summary>Writes data version <paramref name="v"/>, tracks it and commits the pointers.</summary>
    private void Version(World w, int v)
    {
        WriteData(w, v);
        Ml(w, "add", "data", "model.bin");
        Git(w, "add", "-A");
        Git(w, "commit", "-q", "-m", "data v" + v);
    }

    /// <summary>
    /// Version 1: 24 files of 1 KiB to 200 KiB under data/ and a 4 MiB model.bin. Version 2 rewrites half the files,
    /// adds two, deletes one and rewrites the model, so every operation has old and new bytes to lose.
    /// </summary>
    private void WriteData(World w, int v)
    {
        var rng = new Random(_seed * 1000 + 7);
        var data = Path.Combine(w.Repo, "data");
        Directory.CreateDirectory(data);
        for (var i = 0; i < 26; i++)
        {
            var size = 1024 + rng.Next(200 * 1024);
            var path = Path.Combine(data, $"f{i:D2}.bin");
            var changed = v >= 2 && i % 2 == 0;
            if (i >= 24 && v < 2)
            {
                continue;
            }

            if (v >= 2 && i == 1)
            {
                File.Delete(path);
                continue;
            }

            File.Delete(path);
            File.WriteAllBytes(path, Bytes(size, (_seed * 7919) + (i * 31) + (changed ? v : 1)));
        }

        File.Delete(Path.Combine(w.Repo, "model.bin"));
        File.WriteAllBytes(Path.Combine(w.Repo, "model.bin"), Bytes(4 << 20, (_seed * 104729) + v));
    }

    private static byte[] Bytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static void Git(World w, params string[] args) => Proc.Ok("git", w.Repo, args);

    private void Ml(World w, params string[] args) => Proc.Ok(_cli, w.Repo, args);
}
