using System.Diagnostics;
using System.Globalization;
using GitMl.Serving.Tests;
using Microsoft.ML.OnnxRuntime;

// serve.sh's helper:
//   write-model PATH                    the tiny linear model (x[N,3] -> y[N,2]) the server is measured with
//   inproc PATH SECONDS THREADS         in-process ONNX Runtime Run calls/s on one-row inputs (OrtValue API)
return args[0] switch
{
    "write-model" => WriteModel(args[1]),
    "inproc" => InProcess(args[1], double.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture)),
    _ => 2,
};

static int WriteModel(string path)
{
    File.WriteAllBytes(path, OnnxModelBuilder.Linear([1, 2, 3, 4, 5, 6], [0.5f, -0.5f]));
    return 0;
}

static int InProcess(string path, double seconds, int threads)
{
    using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
    using var session = new InferenceSession(path, options);
    using var runOptions = new RunOptions();
    long total = 0;
    var sw = Stopwatch.StartNew();
    var workers = Enumerable.Range(0, threads).Select(_ => Task.Run(() =>
    {
        var input = new float[] { 1, 2, 3 };
        long n = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            using var x = OrtValue.CreateTensorValueFromMemory(input, [1, 3]);
            using var results = session.Run(runOptions, ["x"], [x], ["y"]);
            n++;
        }

        Interlocked.Add(ref total, n);
    })).ToArray();
    Task.WaitAll(workers);
    Console.WriteLine((total / sw.Elapsed.TotalSeconds).ToString("F0", CultureInfo.InvariantCulture));
    return 0;
}
