using GitMl.Core;
using GitMl.Core.Pointers;
using GitMl.Testing;

namespace GitMl.Cli.Tests.Registry;

/// <summary>A temp repository with GitMl initialised and a model tracked by a real pointer file and cache object.</summary>
internal sealed class RegistryFixture : IDisposable
{
    public RegistryFixture(string gitmlYaml = "artifacts:\n  churn:\n    path: model.onnx\n    type: model\n")
    {
        Repo = TempGitRepo.Create();
        CliRunner.Ok(Repo.Root, "init");
        Repo.Write("gitml.yaml", gitmlYaml);
        Repo.Write(".gitignore", "/model.onnx\n");
    }

    public TempGitRepo Repo { get; }

    public string Root => Repo.Root;

    /// <summary>Writes model.onnx with <paramref name="bytes"/>, caches it, writes its pointer and commits; returns the sha.</summary>
    public string CommitModel(byte[] bytes, string message, string path = "model.onnx")
    {
        Repo.WriteBytes(path, bytes);
        using (var repo = GitMlRepository.Open(Root))
        {
            var oid = repo.Cache.PutFile(Repo.PathOf(path));
            var pointer = new PointerFile([new PointerOut { Path = Path.GetFileName(path), Oid = oid, Size = bytes.Length }]);
            Repo.Write(path + PointerFile.Extension, pointer.ToYaml());
        }

        return Repo.CommitAll(message);
    }

    /// <summary>Runs real git with a fixed committer date so tag times are under the test's control.</summary>
    public string GitAt(DateTimeOffset when, params string[] args) => ProcessRunner.Run("git", args, Root, env: new Dictionary<string, string?>
    {
        ["GIT_COMMITTER_DATE"] = when.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) + " +0000",
        ["GIT_COMMITTER_NAME"] = "GTO User",
        ["GIT_COMMITTER_EMAIL"] = "gto@example.invalid",
    }).StdOut;

    public string[] Tags() => Repo.Git("tag", "-l").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public void Dispose() => Repo.Dispose();
}
