using System.Text.Json;
using System.Threading.Channels;

namespace GitMl.Serving.Monitoring;

/// <summary>One access-log line.</summary>
/// <param name="Time">When the request ended (UTC).</param>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">Request path.</param>
/// <param name="Model">Model name, when the request named one.</param>
/// <param name="Version">Version that answered, when one did.</param>
/// <param name="Status">HTTP status.</param>
/// <param name="LatencyMs">Server-side latency in milliseconds.</param>
/// <param name="Id">The request's OIP <c>id</c>, if any.</param>
public sealed record AccessLogEntry(DateTimeOffset Time, string Method, string Path, string? Model, string? Version, int Status, double LatencyMs, string? Id);

/// <summary>
/// Writes access-log entries as JSON lines from a background task, so a slow log sink never holds up a request.
/// </summary>
public sealed class AccessLog : IAsyncDisposable
{
    private readonly Channel<AccessLogEntry> _queue = Channel.CreateBounded<AccessLogEntry>(new BoundedChannelOptions(65536) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly TextWriter _writer;
    private readonly Task _pump;

    /// <summary>Starts writing to <paramref name="writer"/>.</summary>
    public AccessLog(TextWriter writer)
    {
        _writer = writer;
        _pump = Task.Run(Pump);
    }

    /// <summary>Queues an entry (dropped if the sink is 65536 entries behind).</summary>
    public void Write(AccessLogEntry entry) => _queue.Writer.TryWrite(entry);

    /// <summary>Formats one entry as a JSON line.</summary>
    public static string Format(AccessLogEntry e)
    {
        using var ms = new MemoryStream(256);
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("time", e.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("method", e.Method);
            w.WriteString("path", e.Path);
            w.WriteString("model", e.Model);
            w.WriteString("version", e.Version);
            w.WriteNumber("status", e.Status);
            w.WriteNumber("latency_ms", Math.Round(e.LatencyMs, 3));
            if (e.Id is not null)
            {
                w.WriteString("id", e.Id);
            }

            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _pump.ConfigureAwait(false);
    }

    private async Task Pump()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var e))
            {
                await _writer.WriteLineAsync(Format(e)).ConfigureAwait(false);
            }

            await _writer.FlushAsync().ConfigureAwait(false);
        }
    }
}
