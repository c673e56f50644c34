using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using GitMl.Serving.Http;
using GitMl.Serving.Inference;
using GitMl.Serving.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GitMl.Serving;

/// <summary>
/// Serves one model over the Open Inference Protocol v2 (REST) on Kestrel. The model comes from an
/// <see cref="IModelSource"/>; reloads load and warm the new version before switching, and requests already running
/// finish on the version they started with.
/// </summary>
public sealed class ModelServer : IAsyncDisposable
{
    private const string ServerName = "gitml";
    private static readonly string ServerVersion = typeof(ModelServer).Assembly.GetName().Version?.ToString(3) ?? "0.1.0";

    private readonly IModelSource _source;
    private readonly ServingOptions _options;
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? _app;
    private AccessLog? _accessLog;
    private LoadedModel? _current;
    private Task? _initialLoad;
    private Task? _watchLoop;

    /// <summary>Creates the server; nothing runs until <see cref="StartAsync"/>.</summary>
    public ModelServer(IModelSource source, string modelName, ServingOptions options)
    {
        _source = source;
        _options = options;
        ModelName = modelName;
        Metrics = new ServingMetrics(modelName);
        Stats = new InputStats(options.StatsWindow);
    }

    /// <summary>The model's name in URLs.</summary>
    public string ModelName { get; }

    /// <summary>Prometheus metrics.</summary>
    public ServingMetrics Metrics { get; }

    /// <summary>Per-input drift statistics.</summary>
    public InputStats Stats { get; }

    /// <summary>The base URL the server listens on (after <see cref="StartAsync"/>), e.g. http://127.0.0.1:41234.</summary>
    public Uri Address { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The version being served, or null before the first load.</summary>
    public ModelIdentity? Current => Volatile.Read(ref _current)?.Identity;

    /// <summary>Completes when the first model version is loaded and warmed (faults when that fails).</summary>
    public Task Ready => _ready.Task;

    /// <summary>Starts Kestrel and begins loading the model; <c>/v2/health/ready</c> answers 503 until it is warm.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // The limit is enforced by the handler, which drains a moderately oversized body so the client reads its 413
            // instead of a connection reset; Kestrel only stops bodies far beyond it.
            k.Limits.MaxRequestBodySize = DrainLimit(_options.MaxRequestBytes);
            k.Listen(ParseHost(_options.Host), _options.Port);
        });
        var app = builder.Build();
        _app = app;
        if (_options.AccessLog is not null)
        {
            _accessLog = new AccessLog(_options.AccessLog);
        }

        app.Use(Guard);
        MapEndpoints(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Address = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal));
        _initialLoad = Task.Run(InitialLoadAsync, CancellationToken.None);
        if (_options.Watch)
        {
            _watchLoop = Task.Run(WatchLoopAsync, CancellationToken.None);
        }
    }

    /// <summary>
    /// Resolves the reference again and, when it names other bytes, loads and warms them, then switches. Returns the
    /// identity served afterwards and whether it changed. Failures leave the current version serving.
    /// </summary>
    public async Task<(ModelIdentity Identity, bool Changed)> ReloadAsync(CancellationToken cancellationToken)
    {
        await _reloadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var identity = await _source.ResolveAsync(cancellationToken).ConfigureAwait(false);
            var current = Volatile.Read(ref _current);
            if (current is not null && current.Identity.SameAs(identity))
            {
                return (current.Identity, false);
            }

            var bytes = await _source.ReadAsync(identity, cancellationToken).ConfigureAwait(false);
            var next = new LoadedModel(identity, bytes, _options, Metrics);
            try
            {
                next.WarmUp();
            }
            catch
            {
                next.Release();
                throw;
            }

            var old = Interlocked.Exchange(ref _current, next);
            Metrics.SetLoaded(identity.Version, identity.Commit, identity.Oid, identity.Reference);
            old?.Release();
            if (old is not null)
            {
                Metrics.ObserveReload(true);
            }

            _options.Events?.WriteLine(old is null
                ? $"loaded {ModelName} {identity.Version} (commit {identity.Commit[..12]}, oid {identity.Oid[..12]}, {(next.Batching ? "dynamic batching on" : "batching off")})"
                : $"switched {ModelName} from {old.Identity.Version} to {identity.Version} (commit {identity.Commit[..12]}, oid {identity.Oid[..12]})");
            return (identity, true);
        }
        catch (Exception) when (Volatile.Read(ref _current) is not null)
        {
            Metrics.ObserveReload(false);
            throw;
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_watchLoop is not null)
        {
            await _watchLoop.ConfigureAwait(false);
        }

        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        if (_initialLoad is not null)
        {
            await _initialLoad.ConfigureAwait(false);
        }

        Interlocked.Exchange(ref _current, null)?.Release();
        if (_accessLog is not null)
        {
            await _accessLog.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private async Task InitialLoadAsync()
    {
        try
        {
            await ReloadAsync(_stopping.Token).ConfigureAwait(false);
            _ready.TrySetResult();
        }
        catch (Exception ex)
        {
            _ready.TrySetException(ex);
        }
    }

    private async Task WatchLoopAsync()
    {
        try
        {
            await _ready.Task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            return;
        }

        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.WatchInterval, _stopping.Token).ConfigureAwait(false);
                await ReloadAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex)
            {
                _options.Events?.WriteLine($"watch: keeping {Current?.Version}: {ex.Message}");
            }
        }
    }

    private async Task Guard(HttpContext ctx, RequestDelegate next)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await next(ctx).ConfigureAwait(false);
        }
        catch (InferenceException ex)
        {
            await WriteErrorAsync(ctx, ex.StatusCode, ex.Message).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            await WriteErrorAsync(ctx, ex.StatusCode, ex.StatusCode == 413 ? $"request body is larger than the limit of {_options.MaxRequestBytes} bytes" : ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception ex)
        {
            _options.Events?.WriteLine($"error: {ctx.Request.Path}: {ex.GetType().Name}: {ex.Message}");
            await WriteErrorAsync(ctx, 500, "internal error: " + ex.Message).ConfigureAwait(false);
        }
        finally
        {
            _accessLog?.Write(new AccessLogEntry(
                DateTimeOffset.UtcNow,
                ctx.Request.Method,
                ctx.Request.Path.Value ?? string.Empty,
                ctx.Items.TryGetValue("model", out var m) ? m as string : null,
                ctx.Items.TryGetValue("version", out var v) ? v as string : null,
                ctx.Response.StatusCode,
                Stopwatch.GetElapsedTime(start).TotalMilliseconds,
                ctx.Items.TryGetValue("id", out var id) ? id as string : null));
        }
    }

    private void MapEndpoints(WebApplication app)
    {
        app.MapGet("/v2/health/live", () => Results.Json(new { live = true }));
        app.MapGet("/v2/health/ready", () => Volatile.Read(ref _current) is null
            ? Results.Json(new { ready = false }, statusCode: 503)
            : Results.Json(new { ready = true }));
        app.MapGet("/v2", () => Results.Json(new
        {
            name = ServerName,
            version = ServerVersion,
            extensions = new[] { "model_repository", "statistics", "metrics" },
        }));
        app.MapGet("/v2/models/{name}", (HttpContext ctx, string name) => Metadata(ctx, name, null));
        app.MapGet("/v2/models/{name}/versions/{version}", (HttpContext ctx, string name, string version) => Metadata(ctx, name, version));
        app.MapGet("/v2/models/{name}/ready", (HttpContext ctx, string name) => ModelReady(ctx, name, null));
        app.MapGet("/v2/models/{name}/versions/{version}/ready", (HttpContext ctx, string name, string version) => ModelReady(ctx, name, version));
        app.MapPost("/v2/models/{name}/infer", (HttpContext ctx, string name) => InferAsync(ctx, name, null));
        app.MapPost("/v2/models/{name}/versions/{version}/infer", (HttpContext ctx, string name, string version) => InferAsync(ctx, name, version));
        app.MapGet("/v2/models/{name}/stats", (HttpContext ctx, string name) => StatsResult(ctx, name));
        app.MapPost("/v2/repository/models/{name}/load", (HttpContext ctx, string name) => LoadAsync(ctx, name));
        app.MapGet("/metrics", () => Results.Text(Metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"));
        app.MapFallback((HttpContext ctx) => Results.Json(new { error = $"no such endpoint: {ctx.Request.Method} {ctx.Request.Path}" }, statusCode: 404));
    }

    private IResult Metadata(HttpContext ctx, string name, string? version)
    {
        var model = Resolve(ctx, name, version, requireReady: false);
        if (model is null)
        {
            return Results.Json(new { error = $"model '{name}' is not loaded yet" }, statusCode: 503);
        }

        var id = model.Identity;
        return Results.Json(new
        {
            name = ModelName,
            versions = id.Versions,
            platform = "onnx_onnxv1",
            inputs = model.Inputs.Select(i => new { name = i.Name, datatype = i.Datatype, shape = i.Shape }),
            outputs = model.Outputs.Select(o => new { name = o.Name, datatype = o.Datatype, shape = o.Shape }),
            parameters = new Dictionary<string, object?>
            {
                ["commit"] = id.Commit,
                ["oid"] = id.Oid,
                ["registry_version"] = id.RegistryVersion,
                ["reference"] = id.Reference,
                ["size"] = id.Size,
                ["dynamic_batching"] = model.Batching,
                ["max_batch_size"] = model.Batching ? _options.MaxBatchSize : 0,
            },
        });
    }

    private IResult ModelReady(HttpContext ctx, string name, string? version)
    {
        var model = Resolve(ctx, name, version, requireReady: false);
        return model is null
            ? Results.Json(new { name, ready = false }, statusCode: 503)
            : Results.Json(new { name, ready = true });
    }

    private IResult StatsResult(HttpContext ctx, string name)
    {
        var model = Resolve(ctx, name, null, requireReady: false);
        return Results.Json(new
        {
            model_name = ModelName,
            model_version = model?.Identity.Version,
            window_requests = Stats.Window,
            inference = new { success = Metrics.Successes, failure = Metrics.Failures },
            inputs = Stats.Snapshot().ToDictionary(kv => kv.Key, kv => new { requests = kv.Value.Requests, count = kv.Value.Count, mean = kv.Value.Mean, min = kv.Value.Min, max = kv.Value.Max }),
        });
    }

    private async Task<IResult> LoadAsync(HttpContext ctx, string name)
    {
        if (name != ModelName)
        {
            throw new InferenceException(404, $"unknown model '{name}'; this server serves '{ModelName}'");
        }

        ctx.Items["model"] = name;
        try
        {
            var (identity, changed) = await ReloadAsync(ctx.RequestAborted).ConfigureAwait(false);
            ctx.Items["version"] = identity.Version;
            return Results.Json(new { name, version = identity.Version, commit = identity.Commit, oid = identity.Oid, changed });
        }
        catch (GitMl.Core.GitMlException ex)
        {
            throw new InferenceException(ex.ExitCode == GitMl.Core.ExitCode.NotFound ? 404 : 400, $"reload failed, still serving {Current?.Version}: {ex.Message}");
        }
    }

    private async Task InferAsync(HttpContext ctx, string name, string? version)
    {
        var start = Stopwatch.GetTimestamp();
        var ok = false;
        LoadedModel? model = null;
        try
        {
            model = Acquire(ctx, name, version);
            var request = ctx.Request;
            if (request.ContentLength is { } len && len > _options.MaxRequestBytes)
            {
                await DrainAsync(request, ctx.RequestAborted).ConfigureAwait(false);
                throw new InferenceException(413, $"request body of {len} bytes is larger than the limit of {_options.MaxRequestBytes} bytes");
            }

            long? jsonLength = null;
            if (request.Headers.TryGetValue(OipRequest.HeaderLengthHeader, out var lengthHeader))
            {
                jsonLength = long.TryParse(lengthHeader.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                    ? n
                    : throw new InferenceException(400, $"{OipRequest.HeaderLengthHeader} must be a non-negative integer (the length of the JSON part of the body)");
            }

            var body = await ReadBodyAsync(request, _options.MaxRequestBytes, ctx.RequestAborted).ConfigureAwait(false);
            OipRequest parsed;
            try
            {
                parsed = OipRequest.Parse(body.AsSpan(0, body.Length), model, jsonLength);
            }
            finally
            {
                body.Return();
            }

            if (parsed.Id is not null)
            {
                ctx.Items["id"] = parsed.Id;
            }

            foreach (var (input, tensor) in parsed.Inputs)
            {
                tensor.Summarize(out var count, out var sum, out var min, out var max);
                Stats.Add(input, count, sum, min, max);
            }

            var results = await model.InferAsync(parsed.Inputs, parsed.Outputs).ConfigureAwait(false);
            ctx.Response.StatusCode = 200;
            if (parsed.BinaryOutputs.Count == 0)
            {
                ctx.Response.ContentType = "application/json";
                await using var writer = new Utf8JsonWriter(ctx.Response.BodyWriter);
                OipRequest.WriteResponse(writer, ModelName, model.Identity.Version, parsed.Id, parsed.Outputs, results);
            }
            else
            {
                await WriteBinaryResponseAsync(ctx.Response, model, parsed, results).ConfigureAwait(false);
            }

            ok = true;
        }
        finally
        {
            model?.Release();
            Metrics.ObserveRequest(ok, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    /// <summary>The binary tensor extension's response: the JSON part, then each binary output's raw bytes in order.</summary>
    private async Task WriteBinaryResponseAsync(HttpResponse response, LoadedModel model, OipRequest parsed, IReadOnlyDictionary<string, TensorData> results)
    {
        var json = new ArrayBufferWriter<byte>(1024);
        await using (var writer = new Utf8JsonWriter(json))
        {
            OipRequest.WriteResponse(writer, ModelName, model.Identity.Version, parsed.Id, parsed.Outputs, results, parsed.BinaryOutputs);
        }

        long length = json.WrittenCount;
        foreach (var name in parsed.Outputs.Where(parsed.BinaryOutputs.Contains))
        {
            length += results[name].AsBytes().Length;
        }

        response.ContentType = "application/octet-stream";
        response.Headers[OipRequest.HeaderLengthHeader] = json.WrittenCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.ContentLength = length;
        var body = response.BodyWriter;
        body.Write(json.WrittenSpan);
        foreach (var name in parsed.Outputs.Where(parsed.BinaryOutputs.Contains))
        {
            body.Write(results[name].AsBytes());
        }

        await body.FlushAsync().ConfigureAwait(false);
    }

    private LoadedModel Acquire(HttpContext ctx, string name, string? version)
    {
        while (true)
        {
            var model = Resolve(ctx, name, version, requireReady: true)!;
            if (model.TryAcquire())
            {
                return model;
            }
        }
    }

    private LoadedModel? Resolve(HttpContext ctx, string name, string? version, bool requireReady)
    {
        ctx.Items["model"] = name;
        if (name != ModelName)
        {
            throw new InferenceException(404, $"unknown model '{name}'; this server serves '{ModelName}'");
        }

        var model = Volatile.Read(ref _current);
        if (model is null)
        {
            if (requireReady)
            {
                throw new InferenceException(503, $"model '{name}' is not ready yet (loading)");
            }

            return null;
        }

        if (version is not null && !model.Identity.Matches(version))
        {
            throw new InferenceException(404, $"unknown version '{version}' of model '{name}'; serving {string.Join(" / commit ", model.Identity.Versions)}");
        }

        ctx.Items["version"] = model.Identity.Version;
        return model;
    }

    private static long DrainLimit(long limit) => Math.Max(limit * 4, limit + (1 << 20));

    private static async Task DrainAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? long.MaxValue))
        {
            return;
        }

        var scratch = ArrayPool<byte>.Shared.Rent(16384);
        try
        {
            while (await request.Body.ReadAsync(scratch, ct).ConfigureAwait(false) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static async Task<PooledBody> ReadBodyAsync(HttpRequest request, long limit, CancellationToken ct)
    {
        var capacity = request.ContentLength is { } n and > 0 ? (int)n : 4096;
        var buffer = ArrayPool<byte>.Shared.Rent(capacity);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    Buffer.BlockCopy(buffer, 0, bigger, 0, length);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > limit)
                {
                    await DrainAsync(request, ct).ConfigureAwait(false);
                    throw new InferenceException(413, $"request body is larger than the limit of {limit} bytes");
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return new PooledBody(buffer, length);
    }

    private static async Task WriteErrorAsync(HttpContext ctx, int status, string message)
    {
        if (ctx.Response.HasStarted)
        {
            return;
        }

        ctx.Response.Clear();
        ctx.Response.StatusCode = status;
        await ctx.Response.WriteAsJsonAsync(new { error = message }).ConfigureAwait(false);
    }

    private static IPAddress ParseHost(string host) => host switch
    {
        "localhost" => IPAddress.Loopback,
        "*" or "+" => IPAddress.Any,
        _ => IPAddress.TryParse(host, out var ip) ? ip : throw new GitMl.Core.GitMlException($"invalid --host '{host}'", "use an IP address such as 127.0.0.1 or 0.0.0.0", GitMl.Core.ExitCode.InvalidInput),
    };

    private readonly record struct PooledBody(byte[] Buffer, int Length)
    {
        public ReadOnlySpan<byte> AsSpan(int start, int length) => Buffer.AsSpan(start, length);

        public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
    }
}
