using System.Diagnostics;
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
    // A plain queue under a lock, not ConcurrentQueue: ConcurrentQueue.TryPeek marks its segment "preserved for
    // observation", after which dequeued slots keep their references and every enqueue starts a new segment. Under
    // load that kept megabytes of finished requests alive past each gen0 collection and made GC pauses of 10 ms.
    private readonly Queue<Pending> _queue = new();
    private readonly Lock _queueGate = new();
    private readonly bool _batching;
    private readonly int _maxRunners;
    private int _runners;
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
        _batching = SupportsBatching && _maxBatchSize > 1;
        _maxRunners = Math.Max(1, options.BatchWorkers);
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
    public bool Batching => _batching;

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
            // Every queued request holds a reference, so nothing can still be waiting to run here.
            _session.Dispose();
            _runOptions.Dispose();
        }
    }

    /// <summary>Infers, through the batcher when enabled. Validated inputs only.</summary>
    public async Task<IReadOnlyDictionary<string, TensorData>> InferAsync(IReadOnlyDictionary<string, TensorData> inputs, IReadOnlyList<string> outputs)
    {
        if (!_batching)
        {
            _metrics.ObserveBatch(inputs.Count == 0 ? 1 : inputs.Values.First().Shape.FirstOrDefault(1));
            return Run(inputs, outputs);
        }

        var pending = new Pending(inputs, outputs, Stopwatch.GetTimestamp());
        lock (_queueGate)
        {
            _queue.Enqueue(pending);
        }

        await DrainAsync().ConfigureAwait(false);
        return await pending.Completion.Task.ConfigureAwait(false);
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

    /// <summary>
    /// Runs queued requests in batches on the calling request's own thread ("combining"): whoever finds a free
    /// runner slot drains the queue; the others wait for their results. A lone request therefore runs inline with
    /// no thread hop, and under load the requests that queued while a run was going are stacked into the next one.
    /// </summary>
    private async Task DrainAsync()
    {
        while (true)
        {
            var running = Volatile.Read(ref _runners);
            if (running >= _maxRunners)
            {
                // Every runner slot is busy; a busy runner re-checks the queue after it releases its slot (below), and
                // this request was queued before we looked, so it will be taken.
                return;
            }

            if (Interlocked.CompareExchange(ref _runners, running + 1, running) != running)
            {
                continue;
            }

            try
            {
                if (_maxDelayTicks > 0 && QueueLength() < _maxBatchSize)
                {
                    await Task.Delay(TimeSpan.FromTicks(Math.Max(1, _maxDelayTicks * TimeSpan.TicksPerSecond / Stopwatch.Frequency))).ConfigureAwait(false);
                }

                var batch = new List<Pending>(_maxBatchSize);
                while (TakeBatch(batch))
                {
                    Execute(batch);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _runners);
            }

            if (QueueLength() == 0)
            {
                return;
            }
        }
    }

    private int QueueLength()
    {
        lock (_queueGate)
        {
            return _queue.Count;
        }
    }

    private bool TakeBatch(List<Pending> batch)
    {
        batch.Clear();
        long rows = 0;
        lock (_queueGate)
        {
            while (rows < _maxBatchSize && _queue.TryPeek(out var next) && (batch.Count == 0 || rows + next.Rows <= _maxBatchSize))
            {
                batch.Add(_queue.Dequeue());
                rows += next.Rows;
            }
        }

        return batch.Count > 0;
    }

    private void Execute(List<Pending> batch)
    {
        var start = Stopwatch.GetTimestamp();
        foreach (var p in batch)
        {
            _metrics.ObserveQueue((start - p.EnqueuedAt) / (double)Stopwatch.Frequency);
        }

        // Requests stack only when their non-batch dimensions agree; others run in their own group.
        // A batch of one (the common case at low load) skips grouping and its allocations.
        IEnumerable<IEnumerable<Pending>> groups = batch.Count == 1 ? [batch] : batch.GroupBy(p => p.Signature);
        foreach (var group in groups)
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
        private readonly IReadOnlyDictionary<string, TensorData> _inputsForSignature;
        private string? _signature;

        public Pending(IReadOnlyDictionary<string, TensorData> inputs, IReadOnlyList<string> outputs, long enqueuedAt)
        {
            Inputs = inputs;
            Outputs = outputs;
            EnqueuedAt = enqueuedAt;
            Rows = inputs.Values.First().Shape[0];
            _inputsForSignature = inputs;
        }

        public IReadOnlyDictionary<string, TensorData> Inputs { get; }

        public IReadOnlyList<string> Outputs { get; }

        public long EnqueuedAt { get; }

        public long Rows { get; }

        /// <summary>Inputs and their non-batch dimensions: requests stack only when these agree. Computed on demand.</summary>
        public string Signature => _signature ??= string.Join(';', _inputsForSignature.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + ":" + string.Join(',', kv.Value.Shape.Skip(1))));

        public TaskCompletionSource<IReadOnlyDictionary<string, TensorData>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
