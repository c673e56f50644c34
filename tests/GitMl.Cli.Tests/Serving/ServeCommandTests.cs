using System.Diagnostics;
using System.Text;
using System.Text.Json;
using GitMl.Cli.Tests.Registry;

namespace GitMl.Cli.Tests.Serving;

public class ServeCommandTests
{
    // y[N,2] = x[N,3]·W + b with W = [[1,2],[3,4],[5,6]] and b = [0.5, -0.5] (a real .onnx, built by hand).
    private static byte[] TinyModel() => GitMl.Serving.Tests.OnnxModelBuilder.Linear([1, 2, 3, 4, 5, 6], [0.5f, -0.5f]);

    [Fact]
    public void ServeExportDocker_ThroughTheCli_WritesContextForTheStageVersion()
    {
        // Given prod on v1.0.0 of a tracked model
        using var f = new RegistryFixture();
        f.CommitModel(TinyModel(), "one");
        CliRunner.Ok(f.Root, "model", "register", "churn", "--version", "v1.0.0");
        CliRunner.Ok(f.Root, "model", "assign", "churn", "--version", "v1.0.0", "--stage", "prod");

        // When the CLI exports a Docker context and k8s manifests
        var outText = CliRunner.Ok(f.Root, "serve", "churn#prod", "--export", "docker", "image");
        CliRunner.Ok(f.Root, "serve", "churn#prod", "--export", "k8s", "deploy");

        // Then the context pins the version's oid and the manifests exist
        var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(f.Root, "image", "gitml-model.json"))).RootElement;
        Assert.Equal("v1.0.0", meta.GetProperty("version").GetString());
        Assert.Contains(meta.GetProperty("oid").GetString()!, File.ReadAllText(Path.Combine(f.Root, "image", "Dockerfile")));
        Assert.Equal(TinyModel(), File.ReadAllBytes(Path.Combine(f.Root, "image", "model", "model.onnx")));
        Assert.True(File.Exists(Path.Combine(f.Root, "deploy", "hpa.yaml")));
        Assert.Contains("Wrote docker files for churn v1.0.0", outText);
    }

    [Fact]
    public void ServeExportDocker_ToolPackageWithoutDockerExport_IsAUsageErrorAndWritesNothing()
    {
        // Given prod on v1.0.0 of a tracked model
        using var f = new RegistryFixture();
        f.CommitModel(TinyModel(), "one");
        CliRunner.Ok(f.Root, "model", "register", "churn", "--version", "v1.0.0");

        // When --tool-package is given to a k8s export
        var result = CliRunner.Run(f.Root, "serve", "churn@v1.0.0", "--export", "k8s", "deploy", "--tool-package", "GitMl.0.1.0.nupkg");

        // Then it is a usage error naming the option, and no manifests were written
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: --tool-package only applies to '--export docker DIR'", result.StdErr);
        Assert.False(Directory.Exists(Path.Combine(f.Root, "deploy")));
    }

    [Fact]
    public void Serve_WithoutReferenceOrUnknownReference_FailsWithUsageOrNotFound()
    {
        // Given a repository with no registered model
        using var f = new RegistryFixture();

        // When serve runs without a reference, and with an unknown one
        var none = CliRunner.Run(f.Root, "serve");
        var unknown = CliRunner.Run(f.Root, "serve", "churn#prod", "--export", "k8s", "out");

        // Then usage (2) and not-found (5) errors with hints
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("hint: ", none.StdErr);
        Assert.Equal(5, unknown.ExitCode);
        Assert.StartsWith("error: unknown model 'churn'", unknown.StdErr);
    }

    [Fact]
    public async Task Serve_RealProcess_BindsLoopbackAnswersInferenceAndStopsOnSigterm()
    {
        // Given a registered model and the built git-ml
        using var f = new RegistryFixture();
        f.CommitModel(TinyModel(), "one");
        CliRunner.Ok(f.Root, "model", "register", "churn", "--version", "v1.0.0");
        var dll = Path.Combine(AppContext.BaseDirectory, "git-ml.dll");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = f.Root, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "serve", "churn@latest", "--port", "0" })
        {
            psi.ArgumentList.Add(a);
        }

        // When it is started as a real process
        using var p = Process.Start(psi)!;
        try
        {
            string? address = null;
            var stderr = new StringBuilder();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (address is null && DateTime.UtcNow < deadline)
            {
                var line = await p.StandardError.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
                if (line is null)
                {
                    break;
                }

                stderr.AppendLine(line);
                var at = line.IndexOf(" at http://", StringComparison.Ordinal);
                if (line.StartsWith("Serving churn v1.0.0", StringComparison.Ordinal) && at > 0)
                {
                    address = line[(at + 4)..].Trim();
                }
            }

            Assert.True(address is not null, "no 'Serving' line; stderr:\n" + stderr);
            Assert.StartsWith("http://127.0.0.1:", address);
            using var http = new HttpClient { BaseAddress = new Uri(address + "/") };
            var body = "{\"id\":\"1\",\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}";
            using var response = await http.PostAsync("v2/models/churn/infer", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

            // Then it answers over OIP and logs the request as a JSON line on stdout
            Assert.Equal(200, (int)response.StatusCode);
            var y = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("outputs")[0].GetProperty("data");
            Assert.Equal([22.5f, 27.5f], y.EnumerateArray().Select(e => e.GetSingle()).ToArray());
            var logLine = await p.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            Assert.Equal(200, JsonDocument.Parse(logLine!).RootElement.GetProperty("status").GetInt32());

            // And SIGTERM stops it cleanly
            GitMl.Testing.ProcessRunner.Run("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], f.Root);
            Assert.True(p.WaitForExit(15000));
            Assert.Equal(0, p.ExitCode);
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }
        }
    }
}
