using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GitMl.Core;
using GitMl.Core.Pointers;
using GitMl.Core.Registry;
using GitMl.Serving.Inference;
using GitMl.Testing;

namespace GitMl.Serving.Tests;

/// <summary>A real Git repository with GitMl, models tracked by pointer files and registered with real tags.</summary>
internal sealed class ServingRepo : IDisposable
{
    public static readonly float[] W1 = [1, 2, 3, 4, 5, 6];
    public static readonly float[] B1 = [0.5f, -0.5f];
    public static readonly float[] W2 = [-1, 0, 0, -1, 2, 2];
    public static readonly float[] B2 = [10, 20];

    public ServingRepo()
    {
        Repo = TempGitRepo.Create();
        GitMlRepository.Init(Repo.Root).Dispose();
        Repo.Write("gitml.yaml", "artifacts:\n  linear: {path: model.onnx, type: model}\n");
        Repo.Write(".gitignore", "/model.onnx\n");
    }

    public TempGitRepo Repo { get; }

    public string Root => Repo.Root;

    /// <summary>Tracks <paramref name="bytes"/> at <paramref name="path"/> (cache + pointer file) and commits.</summary>
    public string CommitModel(byte[] bytes, string message, string path = "model.onnx")
    {
        Repo.WriteBytes(path, bytes);
        using var repo = GitMlRepository.Open(Root);
        var oid = repo.Cache.PutFile(Repo.PathOf(path));
        Repo.Write(path + PointerFile.Extension, new PointerFile([new PointerOut { Path = Path.GetFileName(path), Oid = oid, Size = bytes.Length }]).ToYaml());
        return Repo.CommitAll(message);
    }

    public void Register(string version)
    {
        using var repo = GitMlRepository.Open(Root);
        new ModelRegistry(repo).Register("linear", null, new RegisterOptions { Version = version });
    }

    public void Assign(string version, string stage)
    {
        using var repo = GitMlRepository.Open(Root);
        new ModelRegistry(repo).Assign("linear", stage, version, null, null, force: false, push: false);
    }

    /// <summary>v1 (W1, B1) and v2 (W2, B2) of the linear model, prod on v1.</summary>
    public static ServingRepo WithTwoVersions()
    {
        var r = new ServingRepo();
        r.CommitModel(OnnxModelBuilder.Linear(W1, B1), "v1");
        r.Register("v1.0.0");
        r.CommitModel(OnnxModelBuilder.Linear(W2, B2), "v2");
        r.Register("v2.0.0");
        r.Assign("v1.0.0", "prod");
        return r;
    }

    public async Task<(ModelServer Server, HttpClient Http)> ServeAsync(string reference, ServingOptions? options = null, string? name = null)
    {
        var source = new RegistryModelSource(Root, reference, name ?? RegistryModelSource.DefaultName(reference));
        var server = new ModelServer(source, name ?? RegistryModelSource.DefaultName(reference), (options ?? new ServingOptions()) with { Port = 0 });
        await server.StartAsync(CancellationToken.None);
        await server.Ready.WaitAsync(TimeSpan.FromSeconds(30));
        return (server, new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) });
    }

    public void Dispose() => Repo.Dispose();
}

/// <summary>Small helpers for OIP requests.</summary>
internal static class Oip
{
    public static string LinearRequest(float[][] rows, string? id = null)
    {
        var data = string.Join(",", rows.Select(r => "[" + string.Join(",", r.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]"));
        var idPart = id is null ? string.Empty : $"\"id\":\"{id}\",";
        return $"{{{idPart}\"inputs\":[{{\"name\":\"x\",\"shape\":[{rows.Length},3],\"datatype\":\"FP32\",\"data\":[{data}]}}]}}";
    }

    public static async Task<(int Status, JsonElement Body)> PostAsync(HttpClient http, string path, string json)
    {
        using var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<(int Status, JsonElement Body)> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static float[] Floats(JsonElement output) => output.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();

    /// <summary>x·W + b computed the way the model does (row-major W[3,2]).</summary>
    public static float[] Expected(float[][] rows, float[] w, float[] b) =>
        rows.SelectMany(r => new[] { r[0] * w[0] + r[1] * w[2] + r[2] * w[4] + b[0], r[0] * w[1] + r[1] * w[3] + r[2] * w[5] + b[1] }).ToArray();
}
