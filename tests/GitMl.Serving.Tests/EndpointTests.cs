using System.Text.Json;

namespace GitMl.Serving.Tests;

public class EndpointTests
{
    [Fact]
    public async Task Serve_StageReference_ServesTheVersionTheStageHoldsWithItsCommitInMetadata()
    {
        // Given v1 and v2 registered with prod on v1
        using var repo = ServingRepo.WithTwoVersions();
        var v1Commit = repo.Repo.Git("rev-list", "-n1", "linear@v1.0.0").Trim();

        // When linear#prod is served on a real Kestrel port
        var (server, http) = await repo.ServeAsync("linear#prod");
        await using var _ = server;

        // Then health, server and model metadata endpoints answer as OIP clients expect
        Assert.Equal(200, (await Oip.GetAsync(http, "/v2/health/live")).Status);
        var ready = await Oip.GetAsync(http, "/v2/health/ready");
        Assert.Equal(200, ready.Status);
        Assert.True(ready.Body.GetProperty("ready").GetBoolean());
        Assert.Equal("gitml", (await Oip.GetAsync(http, "/v2")).Body.GetProperty("name").GetString());

        var (status, meta) = await Oip.GetAsync(http, "/v2/models/linear");
        Assert.Equal(200, status);
        Assert.Equal("linear", meta.GetProperty("name").GetString());
        Assert.Equal("onnx_onnxv1", meta.GetProperty("platform").GetString());
        Assert.Equal(["v1.0.0", v1Commit], meta.GetProperty("versions").EnumerateArray().Select(v => v.GetString()!).ToArray());
        var input = meta.GetProperty("inputs")[0];
        Assert.Equal("x", input.GetProperty("name").GetString());
        Assert.Equal("FP32", input.GetProperty("datatype").GetString());
        Assert.Equal([-1L, 3L], input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
        Assert.Equal([-1L, 2L], meta.GetProperty("outputs")[0].GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
        Assert.Equal(v1Commit, meta.GetProperty("parameters").GetProperty("commit").GetString());
        Assert.Equal("v1.0.0", meta.GetProperty("parameters").GetProperty("registry_version").GetString());
        Assert.Equal(64, meta.GetProperty("parameters").GetProperty("oid").GetString()!.Length);

        // And the version is addressable by registry version, commit sha and short sha
        Assert.Equal(200, (await Oip.GetAsync(http, "/v2/models/linear/versions/v1.0.0")).Status);
        Assert.Equal(200, (await Oip.GetAsync(http, $"/v2/models/linear/versions/{v1Commit}/ready")).Status);
        Assert.Equal(200, (await Oip.GetAsync(http, "/v2/models/linear/ready")).Status);
        var rows = new[] { new[] { 1f, 2f, 3f } };
        var (s2, r2) = await Oip.PostAsync(http, $"/v2/models/linear/versions/{v1Commit[..10]}/infer", Oip.LinearRequest(rows));
        Assert.Equal(200, s2);
        Assert.Equal(Oip.Expected(rows, ServingRepo.W1, ServingRepo.B1), Oip.Floats(r2.GetProperty("outputs")[0]));
    }

    [Fact]
    public async Task Infer_NestedAndFlatData_ComputesEchoesIdAndNamesVersion()
    {
        // Given the linear model served by version
        using var repo = ServingRepo.WithTwoVersions();
        var (server, http) = await repo.ServeAsync("linear@v2.0.0", new ServingOptions { MaxBatchSize = 1 });
        await using var _ = server;
        var rows = new[] { new[] { 1f, 2f, 3f }, new[] { -4f, 0.5f, 6f } };

        // When the same rows are sent nested and flat
        var (s1, nested) = await Oip.PostAsync(http, "/v2/models/linear/infer", Oip.LinearRequest(rows, id: "req-42"));
        var (s2, flat) = await Oip.PostAsync(http, "/v2/models/linear/versions/v2.0.0/infer",
            "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,3],\"datatype\":\"FP32\",\"data\":[1,2,3,-4,0.5,6]}]}");

        // Then both give x·W + b with OIP's response shape, the id echoed
        Assert.Equal(200, s1);
        Assert.Equal(200, s2);
        Assert.Equal("req-42", nested.GetProperty("id").GetString());
        Assert.Equal("linear", nested.GetProperty("model_name").GetString());
        Assert.Equal("v2.0.0", nested.GetProperty("model_version").GetString());
        var y = nested.GetProperty("outputs")[0];
        Assert.Equal("y", y.GetProperty("name").GetString());
        Assert.Equal("FP32", y.GetProperty("datatype").GetString());
        Assert.Equal([2L, 2L], y.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
        Assert.Equal(Oip.Expected(rows, ServingRepo.W2, ServingRepo.B2), Oip.Floats(y));
        Assert.Equal(Oip.Floats(y), Oip.Floats(flat.GetProperty("outputs")[0]));
        Assert.False(flat.TryGetProperty("id", out var _));
    }

    [Fact]
    public async Task Infer_TwoInputModelWithOutputSelection_ReturnsOnlyTheNamedOutput()
    {
        // Given a model with inputs a, b and outputs sum, product
        using var repo = new ServingRepo();
        repo.CommitModel(OnnxModelBuilder.TwoInputs(), "two inputs");
        var (server, http) = await repo.ServeAsync("HEAD:model.onnx", name: "pair");
        await using var _ = server;

        // When only 'product' is requested
        var (status, body) = await Oip.PostAsync(http, "/v2/models/pair/infer",
            "{\"inputs\":[{\"name\":\"a\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[[2,3]]},{\"name\":\"b\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[[4,5]]}],\"outputs\":[{\"name\":\"product\"}]}");

        // Then exactly that output comes back, and the version is the commit sha (no registry version)
        Assert.Equal(200, status);
        Assert.Equal(1, body.GetProperty("outputs").GetArrayLength());
        Assert.Equal("product", body.GetProperty("outputs")[0].GetProperty("name").GetString());
        Assert.Equal([8f, 15f], Oip.Floats(body.GetProperty("outputs")[0]));
        Assert.Equal(repo.Repo.Git("rev-parse", "HEAD").Trim(), body.GetProperty("model_version").GetString());
    }

    [Fact]
    public async Task Infer_Int64Int32Fp64Bool_RoundTripEachDatatype()
    {
        // Given a model with one input of each datatype
        using var repo = new ServingRepo();
        repo.CommitModel(OnnxModelBuilder.Types(), "types");
        var (server, http) = await repo.ServeAsync("HEAD:model.onnx", name: "types");
        await using var _ = server;

        // When each is sent
        var (status, body) = await Oip.PostAsync(http, "/v2/models/types/infer", """
            {"inputs":[
              {"name":"i64","shape":[1,2],"datatype":"INT64","data":[4000000000,-3]},
              {"name":"i32","shape":[1,2],"datatype":"INT32","data":[7,-8]},
              {"name":"f64","shape":[1,2],"datatype":"FP64","data":[0.1,1e300]},
              {"name":"flag","shape":[1,2],"datatype":"BOOL","data":[true,false]}]}
            """);

        // Then each output keeps its datatype and value
        Assert.Equal(200, status);
        var outputs = body.GetProperty("outputs").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!);
        Assert.Equal("INT64", outputs["i64_out"].GetProperty("datatype").GetString());
        Assert.Equal([8000000000L, -6L], outputs["i64_out"].GetProperty("data").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        Assert.Equal("INT32", outputs["i32_out"].GetProperty("datatype").GetString());
        Assert.Equal([14, -16], outputs["i32_out"].GetProperty("data").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.Equal("FP64", outputs["f64_out"].GetProperty("datatype").GetString());
        Assert.Equal([0.2, 2e300], outputs["f64_out"].GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray());
        Assert.Equal("BOOL", outputs["flag_out"].GetProperty("datatype").GetString());
        Assert.Equal([false, true], outputs["flag_out"].GetProperty("data").EnumerateArray().Select(e => e.GetBoolean()).ToArray());
    }

    [Fact]
    public async Task Infer_RealMnistModelWithFixedBatch_ReturnsTenScores()
    {
        // Given the ONNX Model Zoo's MNIST (fixed [1,1,28,28] input), tracked and served by rev:path
        using var repo = new ServingRepo();
        repo.CommitModel(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Models", "mnist-8.onnx")), "mnist", "mnist.onnx");
        var (server, http) = await repo.ServeAsync("HEAD:mnist.onnx");
        await using var _ = server;

        // When a blank image is sent as flat data
        var pixels = string.Join(",", Enumerable.Repeat("0", 784));
        var (status, body) = await Oip.PostAsync(http, "/v2/models/mnist/infer", $"{{\"inputs\":[{{\"name\":\"Input3\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\",\"data\":[{pixels}]}}]}}");

        // Then ten finite scores come back, and metadata reports batching off for a fixed batch
        Assert.Equal(200, status);
        var output = body.GetProperty("outputs")[0];
        Assert.Equal("Plus214_Output_0", output.GetProperty("name").GetString());
        Assert.Equal(10, Oip.Floats(output).Length);
        var meta = (await Oip.GetAsync(http, "/v2/models/mnist")).Body;
        Assert.False(meta.GetProperty("parameters").GetProperty("dynamic_batching").GetBoolean());
    }
}
