using GitMl.Serving.Http;
using GitMl.Serving.Inference;
using GitMl.Serving.Monitoring;
using GitMl.Testing;

namespace GitMl.Serving.Tests.Fuzz;

/// <summary>
/// Fuzzes the Open Inference Protocol request parser in-process against real ONNX models: every body must parse to
/// tensors that match the model, or be rejected with a 400 <see cref="InferenceException"/>; never a 500-class crash.
/// </summary>
public class OipRequestFuzzTests
{
    private readonly ITestOutputHelper _output;

    public OipRequestFuzzTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void OipRequestParse_MutatedBodies_ParseToMatchingTensorsOrReject400()
    {
        // Given a linear model (one FP32 input), a two-input model and a model with INT64/INT32/FP64/BOOL inputs
        var options = new ServingOptions { MaxBatchSize = 1 };
        LoadedModel Load(string name, byte[] bytes) =>
            new(new ModelIdentity(name, name, new string('c', 40), new string('a', 64), bytes.Length, null), bytes, options, new ServingMetrics(name));
        LoadedModel[] models =
        [
            Load("linear", OnnxModelBuilder.Linear(ServingRepo.W1, ServingRepo.B1)),
            Load("two", OnnxModelBuilder.TwoInputs()),
            Load("types", OnnxModelBuilder.Types()),
        ];
        string[] corpus =
        [
            """{"id":"r1","inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6]}],"outputs":[{"name":"y"}]}""",
            """{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[[1.5,-2,3e2]]}]}""",
            """{"inputs":[{"name":"a","shape":[1,2],"datatype":"FP32","data":[1,2]},{"name":"b","shape":[1,2],"datatype":"FP32","data":[3,4]}]}""",
            """{"inputs":[{"name":"i64","shape":[1,2],"datatype":"INT64","data":[9223372036854775807,-1]},{"name":"i32","shape":[1,2],"datatype":"INT32","data":[1,2]},{"name":"f64","shape":[1,2],"datatype":"FP64","data":[0.5,1]},{"name":"flag","shape":[1,2],"datatype":"BOOL","data":[true,false]}]}""",
            // The binary tensor extension: raw bytes after the JSON part (see below for the header length).
            """{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","parameters":{"binary_data_size":12}}],"parameters":{"binary_data_output":true}}""" + "\u0000\u0000\u0080?\u0000\u0000\u0000@\u0000\u0000@@",
            """{"inputs":[{"name":"a","shape":[1,2],"datatype":"FP32","parameters":{"binary_data_size":8}},{"name":"b","shape":[1,2],"datatype":"FP32","data":[3,4]}],"outputs":[{"name":"sum","parameters":{"binary_data":true}}]}""" + "\u0000\u0000\u0080?\u0000\u0000\u0000@",
        ];
        var fuzzer = new Fuzzer(Fuzzer.DefaultSeed, corpus);
        var i = 0;

        // When each body is parsed against each model in turn
        var report = fuzzer.Run("OipRequest.Parse", Fuzzer.CaseCount(6000), body =>
        {
            var model = models[i % models.Length];

            // Every other body is parsed as the binary extension would, with the JSON length the header gives: where
            // the JSON seems to end, or (every sixth) a length that may be anywhere, even outside the body.
            var jsonLength = (i % 2, i % 6) switch
            {
                (0, _) => (long?)null,
                (_, 5) => (long)(i * 7919 % (body.Length + 3)) - 1,
                _ => body.AsSpan().LastIndexOf((byte)'}') + 1,
            };
            i++;
            var request = OipRequest.Parse(body, model, jsonLength);

            // Then an accepted request names only the model's inputs, each with as many elements as its shape says
            foreach (var (name, tensor) in request.Inputs)
            {
                Assert.Contains(model.Inputs, s => s.Name == name);
                Assert.All(tensor.Shape, d => Assert.True(d >= 0));
                Assert.Equal(tensor.Shape.Aggregate(1L, (a, b) => a * b), tensor.Data.LongLength);
            }
        }, ex => ex is InferenceException { StatusCode: 400 });

        _output.WriteLine(report.ToString());
    }
}
