namespace GitMl.Serving;

/// <summary>How <see cref="ModelServer"/> runs.</summary>
public sealed record ServingOptions
{
    /// <summary>Address to bind (loopback unless told otherwise).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Port; 0 picks a free one (see <see cref="ModelServer.Address"/>).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>Largest number of rows one batched run may stack; 1 turns batching off.</summary>
    public int MaxBatchSize { get; init; } = 32;

    /// <summary>How long the batcher waits for more requests after the first one of a batch.</summary>
    public int MaxBatchDelayMicroseconds { get; init; }

    /// <summary>Concurrent batch runners per model.</summary>
    public int BatchWorkers { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>ONNX Runtime intra-op threads per session (1 suits many concurrent small requests).</summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>Largest accepted request body in bytes (413 above it).</summary>
    public long MaxRequestBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Requests per input kept for the drift statistics window.</summary>
    public int StatsWindow { get; init; } = 1000;

    /// <summary>Poll interval when following a stage with <see cref="Watch"/>.</summary>
    public TimeSpan WatchInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Re-resolve the reference periodically and switch when it names other bytes.</summary>
    public bool Watch { get; init; }

    /// <summary>Where JSON-lines access log entries go (null: none).</summary>
    public TextWriter? AccessLog { get; init; }

    /// <summary>Where lifecycle messages (loaded, reloaded, reload failed) go.</summary>
    public TextWriter? Events { get; init; }
}
