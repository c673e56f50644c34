using System.Diagnostics;
using System.Globalization;
using System.Text;
using GitMl.Serving.Tests;
using Microsoft.ML.OnnxRuntime;

// serve.sh's helper:
//   write-model PATH                    the tiny linear model (x[N,3] -> y[N,2]) the server is measured with
//   body PATH                           an OIP v2 JSON request with one row for the model's first input
//   binary-body PATH OUT                the same row with the binary tensor extension (raw FP32 after the JSON part,
//                                       binary outputs asked for); writes the body to OUT, prints the JSON length
//   parse PATH BODY [JSON-LENGTH]       microseconds per OipRequest.Parse of BODY against the model (no HTTP)
//   inproc PATH SECONDS THREADS [ROWS]  in-process ONNX Runtime rows/s, ROWS (default 1) rows per Run call
//                                       (OrtValue API), each row the one `body` sends
return args[0] switch
{
    "write-model" => WriteModel(args[1]),
    "body" => Body(args[1]),
    "binary-body" => BinaryBody(args[1], args[2]),
    "parse" => Parse(args[1], args[2], args.Length > 3 ? long.Parse(args[3], CultureInfo.InvariantCulture) : null),
    "inproc" => InProcess(args[1], double.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture), args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 1),
    _ => 2,
};

static int WriteModel(string path)
{
    File.WriteAllBytes(path, OnnxModelBuilder.Linear([1, 2, 3, 4, 5, 6], [0.5f, -0.5f]));
    return 0;
}

// One row of deterministic values in [0, 1) for the model's first (float) input, dynamic dimensions set to 1.
static (string Name, long[] Shape, float[] Values) Row(InferenceSession session)
{
    var (name, meta) = session.InputMetadata.First();
    var shape = meta.Dimensions.Select(d => d < 0 ? 1L : d).ToArray();
    var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
    for (var i = 0; i < values.Length; i++)
    {
        values[i] = (i * 37 % 101) / 101f;
    }

    return (name, shape, values);
}

static int Body(string path)
{
    using var session = new InferenceSession(path);
    var (name, shape, values) = Row(session);
    var sb = new StringBuilder();
    sb.Append("{\"inputs\":[{\"name\":\"").Append(name).Append("\",\"shape\":[").Append(string.Join(',', shape)).Append("],\"datatype\":\"FP32\",\"data\":[");
    sb.Append(string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
    sb.Append("]}]}");
    Console.Write(sb.ToString());
    return 0;
}

static int Parse(string path, string bodyPath, long? jsonLength)
{
    var bytes = File.ReadAllBytes(path);
    var model = new GitMl.Serving.Inference.LoadedModel(
        new GitMl.Serving.Inference.ModelIdentity("m", "m", new string('c', 40), new string('a', 64), bytes.Length, null),
        bytes,
        new GitMl.Serving.ServingOptions { MaxBatchSize = 1 },
        new GitMl.Serving.Monitoring.ServingMetrics("m"));
    var body = File.ReadAllBytes(bodyPath);
    for (var i = 0; i < 20_000; i++)
    {
        GitMl.Serving.Http.OipRequest.Parse(body, model, jsonLength);
    }

    var n = 0;
    var sw = Stopwatch.StartNew();
    while (sw.Elapsed.TotalSeconds < 2)
    {
        GitMl.Serving.Http.OipRequest.Parse(body, model, jsonLength);
        n++;
    }

    Console.WriteLine((sw.Elapsed.TotalMicroseconds / n).ToString("F2", CultureInfo.InvariantCulture));
    return 0;
}

static int BinaryBody(string path, string output)
{
    using var session = new InferenceSession(path);
    var (name, shape, values) = Row(session);
    var json = Encoding.UTF8.GetBytes(
        $"{{\"inputs\":[{{\"name\":\"{name}\",\"shape\":[{string.Join(',', shape)}],\"datatype\":\"FP32\",\"parameters\":{{\"binary_data_size\":{values.Length * 4}}}}}],\"parameters\":{{\"binary_data_output\":true}}}}");
    using var file = File.Create(output);
    file.Write(json);
    file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    Console.Write(json.Length);
    return 0;
}

static int InProcess(string path, double seconds, int threads, int rows)
{
    using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
    using var session = new InferenceSession(path, options);
    using var runOptions = new RunOptions();
    var (name, shape, values) = Row(session);
    var outputs = session.OutputMetadata.Keys.ToArray();
    long total = 0;
    var sw = Stopwatch.StartNew();
    var workers = Enumerable.Range(0, threads).Select(_ => Task.Run(() =>
    {
        var input = Enumerable.Repeat(values, rows).SelectMany(v => v).ToArray();
        var batchShape = shape.ToArray();
        batchShape[0] = rows;
        long n = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            using var x = OrtValue.CreateTensorValueFromMemory(input, batchShape);
            using var results = session.Run(runOptions, [name], [x], outputs);
            n += rows;
        }

        Interlocked.Add(ref total, n);
    })).ToArray();
    Task.WaitAll(workers);
    Console.WriteLine((total / sw.Elapsed.TotalSeconds).ToString("F0", CultureInfo.InvariantCulture));
    return 0;
}
