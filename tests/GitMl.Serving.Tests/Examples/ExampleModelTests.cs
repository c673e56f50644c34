using GitMl.Examples.Train;
using Microsoft.ML.OnnxRuntime;

namespace GitMl.Serving.Tests.Examples;

public class ExampleModelTests
{
    [Fact]
    public void OnnxWriter_LogisticRegression_LoadsInOnnxRuntimeAndComputesSigmoidOfLinearScore()
    {
        // Given a logistic-regression model written by the example's train stage
        float[] w = [1.5f, -2f, 0.75f];
        const float b = 0.25f;
        var bytes = OnnxWriter.LogisticRegression(w, b);

        // When ONNX Runtime loads it and scores two rows
        using var session = new InferenceSession(bytes);
        float[] rows = [0.5f, -1f, 2f, -1f, 1f, 0f];
        using var input = OrtValue.CreateTensorValueFromMemory(rows, [2, 3]);
        using var options = new RunOptions();
        using var results = session.Run(options, ["features"], [input], ["probability"]);

        // Then the declared input/output names and shapes match, and the output is sigmoid(x·w + b)
        Assert.Equal(["features"], session.InputMetadata.Keys);
        Assert.Equal([-1, 3], session.InputMetadata["features"].Dimensions);
        var probs = results[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal([2, 1], results[0].GetTensorTypeAndShape().Shape);
        for (var i = 0; i < 2; i++)
        {
            var z = b + (w[0] * rows[i * 3]) + (w[1] * rows[(i * 3) + 1]) + (w[2] * rows[(i * 3) + 2]);
            Assert.Equal(1 / (1 + Math.Exp(-z)), probs[i], 5);
        }
    }
}
