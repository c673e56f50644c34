using System.Diagnostics;
using System.Threading.Channels;
using GitMl.Serving.Monitoring;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace GitMl.Serving.Inference;

/// <summary>An input or output as clients see it: OIP datatype and shape, <c>-1</c> for dynamic dimensions.</summary>
public sealed record TensorSpec(string Name, string Datatype, TensorElementType ElementType, long[] Shape);

/// <summary>A request-level error the server answers with a status code and <c>{"error": …}</c>.</summary>
public sealed class InferenceException : Exception
{
    /// <summary>Creates the error.</summary>
    public InferenceException(int statusCode, string message)
        : base(message) => StatusCode = statusCode;

    /// <summary>HTTP status code.</summary>
    public int StatusCode { get; }
}

/// <summary>
/// One loaded model version: a single <see cref="InferenceSession"/> shared by all requests (Run is thread-safe),
/// its dynamic batcher, and a reference count so a version replaced by a hot reload is disposed only after the last
/// request that acquired it has finished.
/// </summary>
public sealed class LoadedModel
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly Channel<Pending>? _queue;
    private readonly Task[] _workers = [];
    private readonly int _maxBatchSize;
    private readonly long _maxDelayTicks;
    private readonly ServingMetrics _metrics;
    private readonly string[] _allOutputNames;
    private int _refs = 1;

    /// <summary>Creates the session from verified bytes; the model is not warmed yet (see <see cref="WarmUp"/>).</summary>
    public LoadedModel(ModelIdentity identity, byte[] onnxBytes, ServingOptions options, ServingMetrics metrics)
    {
        Identity = identity;
        _metrics = metrics;
        using var so = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = options.IntraOpThreads, InterOpNumThreads = 1 };
        try
        {
            _session = new InferenceSession(onnxBytes, so);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new GitMl.Core.GitMlException(
                $"ONNX Runtime cannot load {identity.Reference} (oid {identity.Oid[..12]}): {ex.Message}",
                "check that the artifact is an .onnx model this ONNX Runtime version supports",
                GitMl.Core.ExitCode.InvalidInput,
                ex);
        }

        Inputs = _session.InputMetadata.Select(kv => Spec(kv.Key, kv.Value)).ToList();
        Outputs = _session.OutputMetadata.Select(kv => Spec(kv.Key, kv.Value)).ToList();
        _allOutputNames = Outputs.Select(o => o.Name).ToArray();
        SupportsBatching = Inputs.Count > 0
            && Inputs.All(i => i.Shape.Length > 0 && i.Shape[0] == -1)
            && Outputs.All(o => o.Shape.Length > 0 && o.Shape[0] == -1);
        _maxBatchSize = options.MaxBatchSize;
        _maxDelayTicks = (long)(options.MaxBatchDelayMicroseconds * Stopwatch.Frequency / 1_000_000.0);
        if (SupportsBatching && _maxBatchSize > 1)
        {
            _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
            _workers = Enumerable.Range(0, Math.Max(1, options.BatchWorkers)).Select(_ => Task.Run(WorkerLoop)).ToArray();
        }
    }

    /// <summary>Which bytes these are.</summary>
    public ModelIdentity Identity { get; }

    /// <summary>Inputs in model order.</summary>
    public IReadOnlyList<TensorSpec> Inputs { get; }

    /// <summary>Outputs in model order.</summary>
    public IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>True when every input and output has a dynamic first dimension, so requests can be stacked.</summary>
    public bool SupportsBatching { get; }

    /// <summary>True when requests go through the dynamic batcher.</summary>
    public bool Batching => _queue is not null;

    /// <summary>Runs one inference on zeros (dynamic dimensions set to 1) so the first request pays no warm-up cost.</summary>
    public void WarmUp()
    {
        var inputs = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        foreach (var i in Inputs)
        {
            var shape = i.Shape.Select(d => d < 0 ? 1 : d).ToArray();
            var n = (int)shape.Aggregate(1L, (a, b) => a * b);
            inputs[i.Name] = new TensorData(i.ElementType, shape, TensorData.Allocate(i.ElementType, n));
        }

        Run(inputs, _allOutputNames);
    }

    /// <summary>Takes a reference for one request; false when this version was retired and drained meanwhile.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            var current = Volatile.Read(ref _refs);
            if (current <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _refs, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Drops a reference; the last one disposes the session.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0)
        {
            _queue?.Writer.TryComplete();
            Task.WhenAll(_workers).ContinueWith(_ =>
            {
                _session.Dispose();
                _runOptions.Dispose();
            }, TaskScheduler.Default);
        }
    }

    /// <summary>Infers, through the batcher when enabled. Validated inputs only.</summary>
    public Task<IReadOnlyDictionary<string, TensorData>> InferAsync(IReadOnlyDictionary<string, TensorData> inputs, IReadOnlyList<string> outputs)
    {
        if (_queue is null)
        {
            _metrics.ObserveBatch(inputs.Count == 0 ? 1 : inputs.Values.First().Shape.FirstOrDefault(1));
            return Task.FromResult(Run(inputs, outputs));
        }

        var pending = new Pending(inputs, outputs, Stopwatch.GetTimestamp());
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InferenceException(503, "the model version is being unloaded; retry");
        }

        return pending.Completion.Task;
    }

    /// <summary>Runs the session on the calling thread.</summary>
    public IReadOnlyDictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> inputs, IReadOnlyList<string> outputs)
    {
        var names = new List<string>(inputs.Count);
        var values = new List<OrtValue>(inputs.Count);
        try
        {
            foreach (var (name, tensor) in inputs)
            {
                names.Add(name);
                values.Add(tensor.ToOrtValue());
            }

            using var results = _session.Run(_runOptions, names, values, outputs);
            var map = new Dictionary<string, TensorData>(outputs.Count, StringComparer.Ordinal);
            var k = 0;
            foreach (var r in results)
            {
                map[outputs[k++]] = TensorData.FromOrtValue(r);
            }

            return map;
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InferenceException(400, "ONNX Runtime rejected the inputs: " + ex.Message);
        }
        finally
        {
            foreach (var v in values)
            {
                v.Dispose();
            }
        }
    }

    private async Task WorkerLoop()
    {
        var reader = _queue!.Reader;
        var batch = new List<Pending>(_maxBatchSize);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            long rows = 0;
            long deadline = 0;
            while (rows < _maxBatchSize)
            {
                if (reader.TryRead(out var item))
                {
                    if (batch.Count == 0)
                    {
                        deadline = Stopwatch.GetTimestamp() + _maxDelayTicks;
                    }

                    batch.Add(item);
                    rows += item.Rows;
                    continue;
                }

                var remaining = deadline - Stopwatch.GetTimestamp();
                if (batch.Count == 0 || remaining <= 0)
                {
                    break;
                }

                var more = reader.WaitToReadAsync().AsTask();
                var delay = Task.Delay(TimeSpan.FromTicks(Math.Max(1, remaining * TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
                if (await Task.WhenAny(more, delay).ConfigureAwait(false) != more || !more.Result)
                {
                    break;
                }
            }

            if (batch.Count > 0)
            {
                Execute(batch);
            }
        }
    }

    private void Execute(List<Pending> batch)
    {
        var start = Stopwatch.GetTimestamp();
        foreach (var p in batch)
        {
            _metrics.ObserveQueue((start - p.EnqueuedAt) / (double)Stopwatch.Frequency);
        }

        // Requests stack only when their non-batch dimensions agree; others run in their own group.
        foreach (var group in batch.GroupBy(p => p.Signature))
        {
            var items = group.ToList();
            try
            {
                if (items.Count == 1)
                {
                    _metrics.ObserveBatch(items[0].Rows);
                    items[0].Completion.TrySetResult(Run(items[0].Inputs, items[0].Outputs));
                    continue;
                }

                var merged = new Dictionary<string, TensorData>(StringComparer.Ordinal);
                foreach (var name in items[0].Inputs.Keys)
                {
                    merged[name] = TensorData.Concat(items.Select(i => i.Inputs[name]).ToList());
                }

                var total = items.Sum(i => i.Rows);
                _metrics.ObserveBatch(total);
                var results = Run(merged, _allOutputNames);
                if (results.Values.Any(r => r.Shape.Length == 0 || r.Shape[0] != total))
                {
                    // The model does not keep rows independent; answer each request on its own.
                    foreach (var i in items)
                    {
                        i.Completion.TrySetResult(Run(i.Inputs, i.Outputs));
                    }

                    continue;
                }

                long offset = 0;
                foreach (var i in items)
                {
                    var own = new Dictionary<string, TensorData>(i.Outputs.Count, StringComparer.Ordinal);
                    foreach (var o in i.Outputs)
                    {
                        own[o] = results[o].SliceRows(offset, i.Rows);
                    }

                    offset += i.Rows;
                    i.Completion.TrySetResult(own);
                }
            }
            catch (Exception ex)
            {
                foreach (var i in items)
                {
                    i.Completion.TrySetException(ex);
                }
            }
        }
    }

    private static TensorSpec Spec(string name, NodeMetadata meta)
    {
        var type = meta.IsTensor ? meta.ElementDataType : TensorElementType.DataTypeMax;
        var datatype = OipDatatype.FromOnnx(type) ?? "UNSUPPORTED";
        return new TensorSpec(name, datatype, type, meta.Dimensions.Select(d => d < 0 ? -1L : d).ToArray());
    }

    private sealed class Pending
    {
        public Pending(IReadOnlyDictionary<string, TensorData> inputs, IReadOnlyList<string> outputs, long enqueuedAt)
        {
            Inputs = inputs;
            Outputs = outputs;
            EnqueuedAt = enqueuedAt;
            Rows = inputs.Values.First().Shape[0];
            Signature = string.Join(';', inputs.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + ":" + string.Join(',', kv.Value.Shape.Skip(1))));
        }

        public IReadOnlyDictionary<string, TensorData> Inputs { get; }

        public IReadOnlyList<string> Outputs { get; }

        public long EnqueuedAt { get; }

        public long Rows { get; }

        public string Signature { get; }

        public TaskCompletionSource<IReadOnlyDictionary<string, TensorData>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
