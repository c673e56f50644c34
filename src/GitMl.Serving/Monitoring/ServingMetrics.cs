using System.Globalization;
using System.Text;

namespace GitMl.Serving.Monitoring;

/// <summary>A Prometheus histogram with fixed buckets, updated lock-free.</summary>
internal sealed class Histogram
{
    private readonly double[] _bounds;
    private readonly long[] _counts;
    private long _count;
    private long _sumBits;

    public Histogram(double[] bounds)
    {
        _bounds = bounds;
        _counts = new long[bounds.Length];
    }

    public void Observe(double value)
    {
        for (var i = 0; i < _bounds.Length; i++)
        {
            if (value <= _bounds[i])
            {
                Interlocked.Increment(ref _counts[i]);
                break;
            }
        }

        Interlocked.Increment(ref _count);
        while (true)
        {
            var old = Interlocked.Read(ref _sumBits);
            var next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(old) + value);
            if (Interlocked.CompareExchange(ref _sumBits, next, old) == old)
            {
                break;
            }
        }
    }

    public void Write(StringBuilder sb, string name, string labels)
    {
        long cumulative = 0;
        for (var i = 0; i < _bounds.Length; i++)
        {
            cumulative += Interlocked.Read(ref _counts[i]);
            sb.Append(name).Append("_bucket{").Append(labels).Append(labels.Length > 0 ? "," : string.Empty)
              .Append("le=\"").Append(_bounds[i].ToString("R", CultureInfo.InvariantCulture)).Append("\"} ").Append(cumulative).Append('\n');
        }

        var count = Interlocked.Read(ref _count);
        sb.Append(name).Append("_bucket{").Append(labels).Append(labels.Length > 0 ? "," : string.Empty).Append("le=\"+Inf\"} ").Append(count).Append('\n');
        sb.Append(name).Append("_sum{").Append(labels).Append("} ").Append(BitConverter.Int64BitsToDouble(Interlocked.Read(ref _sumBits)).ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(name).Append("_count{").Append(labels).Append("} ").Append(count).Append('\n');
    }
}

/// <summary>
/// The server's Prometheus metrics, written in the text exposition format (version 0.0.4): inference request
/// outcomes, latency and queue-time histograms, batch sizes, reloads, and an info gauge naming the loaded version.
/// </summary>
public sealed class ServingMetrics
{
    private static readonly double[] LatencyBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
    private static readonly double[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256];

    private readonly string _model;
    private readonly Histogram _latency = new(LatencyBuckets);
    private readonly Histogram _queue = new(LatencyBuckets);
    private readonly Histogram _batch = new(BatchBuckets);
    private long _success;
    private long _failure;
    private long _reloads;
    private long _reloadFailures;
    private volatile string _infoLabels = string.Empty;

    /// <summary>Creates the metrics of one served model.</summary>
    public ServingMetrics(string model) => _model = Escape(model);

    /// <summary>Successful inference requests so far.</summary>
    public long Successes => Interlocked.Read(ref _success);

    /// <summary>Failed inference requests so far.</summary>
    public long Failures => Interlocked.Read(ref _failure);

    /// <summary>Records one inference request.</summary>
    public void ObserveRequest(bool success, double seconds)
    {
        Interlocked.Increment(ref success ? ref _success : ref _failure);
        _latency.Observe(seconds);
    }

    /// <summary>Records how long a request waited for its batch.</summary>
    public void ObserveQueue(double seconds) => _queue.Observe(seconds);

    /// <summary>Records the rows one session run processed.</summary>
    public void ObserveBatch(long rows) => _batch.Observe(rows);

    /// <summary>Records a reload attempt.</summary>
    public void ObserveReload(bool success) => Interlocked.Increment(ref success ? ref _reloads : ref _reloadFailures);

    /// <summary>Sets the info gauge's labels to the loaded version.</summary>
    public void SetLoaded(string version, string commit, string oid, string reference) =>
        _infoLabels = $"model=\"{_model}\",version=\"{Escape(version)}\",commit=\"{Escape(commit)}\",oid=\"{Escape(oid)}\",reference=\"{Escape(reference)}\"";

    /// <summary>The exposition text.</summary>
    public string Render()
    {
        var labels = $"model=\"{_model}\"";
        var sb = new StringBuilder(4096);
        sb.Append("# HELP gitml_inference_requests_total Inference requests by outcome.\n# TYPE gitml_inference_requests_total counter\n");
        sb.Append("gitml_inference_requests_total{").Append(labels).Append(",outcome=\"success\"} ").Append(Successes).Append('\n');
        sb.Append("gitml_inference_requests_total{").Append(labels).Append(",outcome=\"failure\"} ").Append(Failures).Append('\n');
        sb.Append("# HELP gitml_inference_request_duration_seconds Inference request latency, parse to response.\n# TYPE gitml_inference_request_duration_seconds histogram\n");
        _latency.Write(sb, "gitml_inference_request_duration_seconds", labels);
        sb.Append("# HELP gitml_inference_queue_duration_seconds Time a request waited for its batch.\n# TYPE gitml_inference_queue_duration_seconds histogram\n");
        _queue.Write(sb, "gitml_inference_queue_duration_seconds", labels);
        sb.Append("# HELP gitml_inference_batch_size Rows per ONNX Runtime run.\n# TYPE gitml_inference_batch_size histogram\n");
        _batch.Write(sb, "gitml_inference_batch_size", labels);
        sb.Append("# HELP gitml_model_reloads_total Model reloads by outcome.\n# TYPE gitml_model_reloads_total counter\n");
        sb.Append("gitml_model_reloads_total{").Append(labels).Append(",outcome=\"success\"} ").Append(Interlocked.Read(ref _reloads)).Append('\n');
        sb.Append("gitml_model_reloads_total{").Append(labels).Append(",outcome=\"failure\"} ").Append(Interlocked.Read(ref _reloadFailures)).Append('\n');
        sb.Append("# HELP gitml_model_info The model version being served.\n# TYPE gitml_model_info gauge\n");
        if (_infoLabels.Length > 0)
        {
            sb.Append("gitml_model_info{").Append(_infoLabels).Append("} 1\n");
        }

        // Runtime figures that explain tail latency (GC pauses) and memory growth, as the .NET exporters name them.
        sb.Append("# HELP dotnet_gc_collections_total Garbage collections by generation.\n# TYPE dotnet_gc_collections_total counter\n");
        for (var g = 0; g <= GC.MaxGeneration; g++)
        {
            sb.Append("dotnet_gc_collections_total{generation=\"").Append(g).Append("\"} ").Append(GC.CollectionCount(g)).Append('\n');
        }

        sb.Append("# HELP dotnet_gc_pause_seconds_total Time the runtime was paused for garbage collection.\n# TYPE dotnet_gc_pause_seconds_total counter\n");
        sb.Append("dotnet_gc_pause_seconds_total ").Append(GC.GetTotalPauseDuration().TotalSeconds.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("# HELP dotnet_gc_heap_size_bytes Managed heap size after the last collection.\n# TYPE dotnet_gc_heap_size_bytes gauge\n");
        sb.Append("dotnet_gc_heap_size_bytes ").Append(GC.GetGCMemoryInfo().HeapSizeBytes).Append('\n');
        sb.Append("# HELP dotnet_total_allocated_bytes Bytes allocated on the managed heap since start.\n# TYPE dotnet_total_allocated_bytes counter\n");
        sb.Append("dotnet_total_allocated_bytes ").Append(GC.GetTotalAllocatedBytes()).Append('\n');
        sb.Append("# HELP process_resident_memory_bytes Resident memory.\n# TYPE process_resident_memory_bytes gauge\n");
        sb.Append("process_resident_memory_bytes ").Append(Environment.WorkingSet).Append('\n');

        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
