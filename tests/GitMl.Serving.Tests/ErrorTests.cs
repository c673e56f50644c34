using System.Text;
using GitMl.Serving.Inference;

namespace GitMl.Serving.Tests;

public class ErrorTests
{
    [Theory]
    [InlineData("bad-json", 400, "not valid JSON")]
    [InlineData("no-inputs", 400, "'inputs'")]
    [InlineData("wrong-shape", 400, "has shape [2, 4], expected [-1, 3]")]
    [InlineData("wrong-datatype", 400, "has datatype INT64, expected FP32")]
    [InlineData("wrong-count", 400, "has 5 values but shape [2, 3] needs 6")]
    [InlineData("wrong-input", 400, "unknown input 'z'; the model expects x FP32 [-1, 3]")]
    [InlineData("bad-value", 400, "is not a valid FP32")]
    [InlineData("unknown-output", 400, "unknown output 'q'")]
    [InlineData("huge-shape", 400, "needs more values than the request body holds")]
    [InlineData("wrong-model", 404, "unknown model 'nope'")]
    [InlineData("wrong-version", 404, "unknown version 'v9.9.9'")]
    [InlineData("too-large", 413, "larger than the limit")]
    [InlineData("no-endpoint", 404, "no such endpoint")]
    public async Task BadRequest_GetsStatusAndErrorSayingWhatWasExpected_AndServerKeepsServing(string scenario, int expected, string message)
    {
        // Given a served model with a 2 KiB body limit
        using var repo = ServingRepo.WithTwoVersions();
        var (server, http) = await repo.ServeAsync("linear#prod", new ServingOptions { MaxRequestBytes = 2048 });
        await using var _ = server;

        // When the bad request is sent
        var (path, body) = scenario switch
        {
            "bad-json" => ("/v2/models/linear/infer", "{\"inputs\": [ oops"),
            "no-inputs" => ("/v2/models/linear/infer", "{}"),
            "wrong-shape" => ("/v2/models/linear/infer", "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4,5,6,7,8]}]}"),
            "wrong-datatype" => ("/v2/models/linear/infer", "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"INT64\",\"data\":[1,2,3]}]}"),
            "wrong-count" => ("/v2/models/linear/infer", "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,3],\"datatype\":\"FP32\",\"data\":[1,2,3,4,5]}]}"),
            "wrong-input" => ("/v2/models/linear/infer", "{\"inputs\":[{\"name\":\"z\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}"),
            "bad-value" => ("/v2/models/linear/infer", "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,\"two\",3]}]}"),
            "unknown-output" => ("/v2/models/linear/infer", Oip.LinearRequest([[1, 2, 3]]).TrimEnd('}') + ",\"outputs\":[{\"name\":\"q\"}]}"),
            "huge-shape" => ("/v2/models/linear/infer", "{\"inputs\":[{\"name\":\"x\",\"shape\":[4611686018427387904,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}"),
            "wrong-model" => ("/v2/models/nope/infer", Oip.LinearRequest([[1, 2, 3]])),
            "wrong-version" => ("/v2/models/linear/versions/v9.9.9/infer", Oip.LinearRequest([[1, 2, 3]])),
            "too-large" => ("/v2/models/linear/infer", Oip.LinearRequest(Enumerable.Repeat(new[] { 1.25f, 2.5f, 3.75f }, 200).ToArray())),
            _ => ("/v3/whatever", "{}"),
        };
        var (status, error) = await Oip.PostAsync(http, path, body);

        // Then the status and a {"error": …} body that names the problem
        Assert.Equal(expected, status);
        Assert.Contains(message, error.GetProperty("error").GetString());

        // And the server still answers a good request
        var (ok, _) = await Oip.PostAsync(http, "/v2/models/linear/infer", Oip.LinearRequest([[1, 2, 3]]));
        Assert.Equal(200, ok);
    }

    [Fact]
    public async Task NotReady_WhileLoading_Answers503ThenServes()
    {
        // Given a server whose model source is still resolving
        using var repo = ServingRepo.WithTwoVersions();
        var gate = new TaskCompletionSource();
        var source = new GatedSource(new RegistryModelSource(repo.Root, "linear#prod", "linear"), gate.Task);
        await using var server = new ModelServer(source, "linear", new ServingOptions { Port = 0 });
        await server.StartAsync(CancellationToken.None);
        using var http = new HttpClient { BaseAddress = server.Address };

        // When health and inference are asked before the model is warm
        var live = await Oip.GetAsync(http, "/v2/health/live");
        var ready = await Oip.GetAsync(http, "/v2/health/ready");
        var modelReady = await Oip.GetAsync(http, "/v2/models/linear/ready");
        var (inferStatus, inferBody) = await Oip.PostAsync(http, "/v2/models/linear/infer", Oip.LinearRequest([[1, 2, 3]]));

        // Then live is 200 but readiness and inference are 503
        Assert.Equal(200, live.Status);
        Assert.Equal(503, ready.Status);
        Assert.Equal(503, modelReady.Status);
        Assert.Equal(503, inferStatus);
        Assert.Contains("not ready", inferBody.GetProperty("error").GetString());

        // And once loading finishes everything is served
        gate.SetResult();
        await server.Ready.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(200, (await Oip.GetAsync(http, "/v2/health/ready")).Status);
        Assert.Equal(200, (await Oip.PostAsync(http, "/v2/models/linear/infer", Oip.LinearRequest([[1, 2, 3]]))).Status);
    }

    [Fact]
    public async Task FileSource_BytesNotMatchingPinnedOid_FailsToLoadWithCorruptedError()
    {
        // Given a model file and an oid of other bytes
        using var repo = new ServingRepo();
        var path = repo.Repo.WriteBytes("m.onnx", OnnxModelBuilder.Linear(ServingRepo.W1, ServingRepo.B1));
        var wrongOid = GitMl.Core.Hashing.Blake3Hasher.Hash(Encoding.UTF8.GetBytes("other"));
        await using var server = new ModelServer(new FileModelSource(path, wrongOid, "m", null, null), "m", new ServingOptions { Port = 0 });

        // When the server starts
        await server.StartAsync(CancellationToken.None);
        var ex = await Assert.ThrowsAsync<GitMl.Core.GitMlException>(() => server.Ready);

        // Then the verification failure names both hashes and nothing is served
        Assert.Equal(GitMl.Core.ExitCode.Corrupted, ex.ExitCode);
        Assert.Contains(wrongOid, ex.Message);
        Assert.Null(server.Current);
    }

    private sealed class GatedSource(IModelSource inner, Task gate) : IModelSource
    {
        public string Reference => inner.Reference;

        public async Task<ModelIdentity> ResolveAsync(CancellationToken cancellationToken)
        {
            await gate.WaitAsync(cancellationToken);
            return await inner.ResolveAsync(cancellationToken);
        }

        public Task<byte[]> ReadAsync(ModelIdentity identity, CancellationToken cancellationToken) => inner.ReadAsync(identity, cancellationToken);
    }
}
