using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using GitMl.Serving.Http;
using GitMl.Serving.Inference;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace GitMl.Serving.Tests;

/// <summary>The binary tensor extension Triton and KServe clients use (<c>Inference-Header-Content-Length</c>).</summary>
public class BinaryTensorTests
{
    [Fact]
    public async Task Infer_BinaryInputAndMixedOutputs_MatchesTheJsonAnswer()
    {
        // Given the two-input model served, and a: binary, b: JSON; sum asked as binary, product as JSON
        using var repo = new ServingRepo();
        repo.CommitModel(OnnxModelBuilder.TwoInputs(), "two inputs");
        var (server, http) = await repo.ServeAsync("HEAD:model.onnx", name: "two");
        await using var _ = server;
        float[] a = [1.5f, -2, 3, 4];
        float[] b = [10, 20, 30, 40.25f];
        var json = "{\"id\":\"bin-1\",\"inputs\":[" +
            "{\"name\":\"a\",\"shape\":[2,2],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":16}}," +
            "{\"name\":\"b\",\"shape\":[2,2],\"datatype\":\"FP32\",\"data\":[10,20,30,40.25]}]," +
            "\"outputs\":[{\"name\":\"sum\",\"parameters\":{\"binary_data\":true}},{\"name\":\"product\"}]}";

        // When it is posted with the JSON length header and a's raw bytes after the JSON
        var response = await PostBinaryAsync(http, "/v2/models/two/infer", json, MemoryMarshal.AsBytes(a.AsSpan()).ToArray());

        // Then the answer is the JSON part (sum without data, with its size) followed by sum's raw bytes
        Assert.Equal(200, response.Status);
        Assert.Equal("application/octet-stream", response.ContentType);
        var header = response.Json;
        Assert.Equal("bin-1", header.GetProperty("id").GetString());
        var sum = header.GetProperty("outputs")[0];
        Assert.Equal("sum", sum.GetProperty("name").GetString());
        Assert.False(sum.TryGetProperty("data", out var _));
        Assert.Equal(16, sum.GetProperty("parameters").GetProperty("binary_data_size").GetInt32());
        Assert.Equal(a.Zip(b, (x, y) => x + y).ToArray(), MemoryMarshal.Cast<byte, float>(response.Binary).ToArray());
        Assert.Equal(a.Zip(b, (x, y) => x * y).ToArray(), Oip.Floats(header.GetProperty("outputs")[1]));
    }

    [Fact]
    public async Task Infer_BinaryEveryDatatype_RoundTripsBytesExactly()
    {
        // Given the model with one INT64, INT32, FP64 and BOOL input, all sent as binary, all outputs asked as binary
        using var repo = new ServingRepo();
        repo.CommitModel(OnnxModelBuilder.Types(), "types");
        var (server, http) = await repo.ServeAsync("HEAD:model.onnx", name: "types");
        await using var _ = server;
        long[] i64 = [long.MaxValue / 4, -3];
        int[] i32 = [7, int.MinValue / 2];
        double[] f64 = [0.1, -1e300];
        byte[] flag = [1, 0];
        var json = "{\"inputs\":[" +
            "{\"name\":\"i64\",\"shape\":[1,2],\"datatype\":\"INT64\",\"parameters\":{\"binary_data_size\":16}}," +
            "{\"name\":\"i32\",\"shape\":[1,2],\"datatype\":\"INT32\",\"parameters\":{\"binary_data_size\":8}}," +
            "{\"name\":\"f64\",\"shape\":[1,2],\"datatype\":\"FP64\",\"parameters\":{\"binary_data_size\":16}}," +
            "{\"name\":\"flag\",\"shape\":[1,2],\"datatype\":\"BOOL\",\"parameters\":{\"binary_data_size\":2}}]," +
            "\"parameters\":{\"binary_data_output\":true}}";
        var binary = MemoryMarshal.AsBytes(i64.AsSpan()).ToArray()
            .Concat(MemoryMarshal.AsBytes(i32.AsSpan()).ToArray())
            .Concat(MemoryMarshal.AsBytes(f64.AsSpan()).ToArray())
            .Concat(flag).ToArray();

        // When it is posted
        var response = await PostBinaryAsync(http, "/v2/models/types/infer", json, binary);

        // Then every output comes back as raw bytes in output order, each doubled (BOOL negated)
        Assert.Equal(200, response.Status);
        var sizes = response.Json.GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("parameters").GetProperty("binary_data_size").GetInt32()).ToArray();
        Assert.Equal([16, 8, 16, 2], sizes);
        var raw = response.Binary;
        Assert.Equal(i64.Select(v => v * 2).ToArray(), MemoryMarshal.Cast<byte, long>(raw.AsSpan(0, 16)).ToArray());
        Assert.Equal(i32.Select(v => v * 2).ToArray(), MemoryMarshal.Cast<byte, int>(raw.AsSpan(16, 8)).ToArray());
        Assert.Equal(f64.Select(v => v * 2).ToArray(), MemoryMarshal.Cast<byte, double>(raw.AsSpan(24, 16)).ToArray());
        Assert.Equal([0, 1], raw[40..42]);
    }

    [Theory]
    [InlineData("100000", "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":12}}]}", 12, "Inference-Header-Content-Length is 100000")]
    [InlineData("abc", "{\"inputs\":[]}", 0, "Inference-Header-Content-Length must be a non-negative integer")]
    [InlineData(null, "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":12}}]}", 0, "has no Inference-Header-Content-Length header")]
    [InlineData("", "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":8}}]}", 8, "binary_data_size 8, but shape [1, 3] of FP32 needs 12 bytes")]
    [InlineData("", "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":12}}]}", 8, "needs 12 bytes of binary data, but only 8 remain")]
    [InlineData("", "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":12}}]}", 20, "holds 20 bytes, but the inputs' binary_data_size add up to 12")]
    [InlineData("", "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":-12}}]}", 12, "binary_data_size must be a non-negative integer")]
    [InlineData("", "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}],\"parameters\":{\"binary_data_output\":\"yes\"}}", 0, "parameter 'binary_data_output' must be true or false")]
    public async Task Infer_BadBinaryRequest_Answers400SayingWhatWasExpected(string? headerValue, string json, int binaryBytes, string expected)
    {
        // Given the linear model served
        using var repo = ServingRepo.WithTwoVersions();
        var (server, http) = await repo.ServeAsync("linear@v1.0.0");
        await using var _ = server;

        // When a malformed binary request is posted ("" means: the header holds the true JSON length)
        var jsonBytes = Encoding.UTF8.GetBytes(json);
        using var content = new ByteArrayContent(jsonBytes.Concat(new byte[binaryBytes]).ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (headerValue is not null)
        {
            content.Headers.TryAddWithoutValidation(OipRequest.HeaderLengthHeader, headerValue.Length == 0 ? jsonBytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) : headerValue);
        }

        using var response = await http.PostAsync("/v2/models/linear/infer", content, TestContext.Current.CancellationToken);

        // Then it is a 400 whose error says what was expected, and the server keeps serving
        Assert.Equal(400, (int)response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error").GetString();
        Assert.Contains(expected, error);
        Assert.Equal(200, (await Oip.PostAsync(http, "/v2/models/linear/infer", Oip.LinearRequest([[1, 2, 3]]))).Status);
    }

    [Fact]
    public async Task Batching_AfterRequestsFinish_KeepsNoReferenceToTheirTensors()
    {
        // Given a loaded model with dynamic batching and requests that went through the batch queue
        var model = new LoadedModel(
            new ModelIdentity("linear", "test", new string('c', 40), new string('0', 64), 1, null),
            OnnxModelBuilder.Linear(ServingRepo.W1, ServingRepo.B1),
            new ServingOptions { MaxBatchSize = 8, BatchWorkers = 1 },
            new Monitoring.ServingMetrics("linear"));
        var weak = await RunBatchedAsync(model);

        // When the garbage collector runs
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // Then no finished request's input is still reachable from the queue (a queue that kept them alive made every
        // gen0 collection copy megabytes of dead requests, the cause of 10 ms p99 latencies)
        Assert.DoesNotContain(weak, w => w.IsAlive);
        model.Release();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(784)]
    [InlineData(1001)]
    public void Summarize_FloatsOfAnyLength_MatchesTheScalarDefinition(int length)
    {
        // Given floats with negatives, a large magnitude and a minimum and maximum at the very ends
        var values = Enumerable.Range(0, length).Select(i => (float)Math.Sin(i) * (i % 13 == 0 ? 1000 : 1)).ToArray();
        if (length > 2)
        {
            values[0] = -5000;
            values[^1] = 6000;
        }

        // When they are summarized
        new TensorData(TensorElementType.Float, [length], values).Summarize(out var count, out var sum, out var min, out var max);

        // Then count, sum, min and max are those of the plain loop
        Assert.Equal(length, count);
        Assert.Equal(values.Sum(v => (double)v), sum, 6);
        Assert.Equal(length == 0 ? double.PositiveInfinity : values.Min(), min);
        Assert.Equal(length == 0 ? double.NegativeInfinity : values.Max(), max);
    }

    [Fact]
    public void Summarize_IntegerDoubleAndBoolTensors_GiveCountSumMinMax()
    {
        // Given one tensor of each non-float datatype the stats endpoint summarizes
        var cases = new (TensorData Tensor, double Sum, double Min, double Max)[]
        {
            (new TensorData(TensorElementType.Int64, [3], new long[] { -7, 1L << 40, 2 }), -7 + (double)(1L << 40) + 2, -7, 1L << 40),
            (new TensorData(TensorElementType.Int32, [3], new[] { 5, -3, 9 }), 11, -3, 9),
            (new TensorData(TensorElementType.Double, [2], new[] { 0.5, -1.25 }), -0.75, -1.25, 0.5),
            (new TensorData(TensorElementType.Bool, [3], new[] { true, false, true }), 2, 0, 1),
        };

        foreach (var (tensor, expectedSum, expectedMin, expectedMax) in cases)
        {
            // When each is summarized
            tensor.Summarize(out var count, out var sum, out var min, out var max);

            // Then the figures are those of its values as doubles
            Assert.Equal(tensor.Length, count);
            Assert.Equal(expectedSum, sum);
            Assert.Equal(expectedMin, min);
            Assert.Equal(expectedMax, max);
        }
    }

    private static async Task<List<WeakReference>> RunBatchedAsync(LoadedModel model)
    {
        var weak = new List<WeakReference>();
        var tasks = new List<Task>();
        for (var i = 0; i < 20; i++)
        {
            var data = new float[] { i, 2, 3 };
            weak.Add(new WeakReference(data));
            var inputs = new Dictionary<string, TensorData> { ["x"] = new(TensorElementType.Float, [1, 3], data) };
            tasks.Add(model.InferAsync(inputs, ["y"]));
        }

        await Task.WhenAll(tasks);
        return weak;
    }

    private static async Task<(int Status, string? ContentType, JsonElement Json, byte[] Binary)> PostBinaryAsync(HttpClient http, string path, string json, byte[] binary)
    {
        var jsonBytes = Encoding.UTF8.GetBytes(json);
        using var content = new ByteArrayContent(jsonBytes.Concat(binary).ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.TryAddWithoutValidation(OipRequest.HeaderLengthHeader, jsonBytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await http.PostAsync(path, content);
        var body = await response.Content.ReadAsByteArrayAsync();
        var headerLength = response.Headers.TryGetValues(OipRequest.HeaderLengthHeader, out var values)
            ? int.Parse(values.First(), System.Globalization.CultureInfo.InvariantCulture)
            : body.Length;
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, JsonDocument.Parse(body.AsMemory(0, headerLength)).RootElement.Clone(), body[headerLength..]);
    }
}
