using System.Text;
using GitMl.Testing;

namespace GitMl.Cli.Tests.Registry;

public sealed class GetFromRemoteTests
{
    [Fact]
    public void Get_InFreshCloneWithEmptyCache_FetchesTheVersionFromTheDefaultRemote()
    {
        // Given a registered, pushed model and a fresh git clone (tags included) whose cache is empty
        using var f = new RegistryFixture();
        var remote = TempDir.Create("registry-remote");
        var cloneParent = TempDir.Create("registry-clone");
        try
        {
            CliRunner.Ok(f.Root, "remote", "add", "-d", "storage", remote);
            var weights = Encoding.UTF8.GetBytes("weights of v1.0.0");
            f.CommitModel(weights, "train v1");
            CliRunner.Ok(f.Root, "model", "register", "churn", "--version", "v1.0.0");
            CliRunner.Ok(f.Root, "push");
            var clone = Path.Combine(cloneParent, "b");
            ProcessRunner.Run("git", ["clone", "-q", f.Root, clone], cloneParent);

            // When the clone asks for churn@v1.0.0
            var r = CliRunner.Run(clone, "get", "churn@v1.0.0", "-o", "model-v1.onnx");

            // Then the bytes come from the remote, verified, and are written where asked
            Assert.True(r.ExitCode == 0, r.StdErr);
            Assert.Equal(weights, File.ReadAllBytes(Path.Combine(clone, "model-v1.onnx")));
        }
        finally
        {
            TempDir.Delete(remote);
            TempDir.Delete(cloneParent);
        }
    }
}
