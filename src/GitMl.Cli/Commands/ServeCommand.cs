using System.CommandLine;
using GitMl.Core;
using GitMl.Serving;
using GitMl.Serving.Export;
using GitMl.Serving.Inference;

namespace GitMl.Cli.Commands;

/// <summary>
/// <c>git ml serve REF</c>: serve the model a reference names over the Open Inference Protocol v2 on Kestrel, or
/// export Docker/Kubernetes deployment files for it.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliContext ctx)
    {
        var reference = new Argument<string?>("ref") { Description = "name@v1.2.3, name@latest, name#stage, or rev:path", Arity = ArgumentArity.ZeroOrOne };
        var name = new Option<string?>("--name") { Description = "Model name in URLs (default: the artifact name)" };
        var host = new Option<string>("--host") { Description = "Address to bind", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port (0: any free port)", DefaultValueFactory = _ => 8080 };
        var maxBatch = new Option<int>("--max-batch-size") { Description = "Most rows stacked into one run for models with a dynamic batch dimension (1: off)", DefaultValueFactory = _ => 32 };
        var maxDelay = new Option<int>("--max-batch-delay-us") { Description = "Microseconds to wait for more requests after the first of a batch", DefaultValueFactory = _ => 0 };
        var instances = new Option<int>("--instances") { Description = "Concurrent ONNX Runtime runs per model (default: one per core); fewer runs make bigger batches under load", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount) };
        var maxBody = new Option<long>("--max-request-bytes") { Description = "Largest request body accepted (413 above it)", DefaultValueFactory = _ => 16L * 1024 * 1024 };
        var watch = new Option<bool>("--watch") { Description = "Follow the reference (e.g. name#prod): switch when the stage moves" };
        var watchInterval = new Option<double>("--watch-interval") { Description = "Seconds between checks with --watch", DefaultValueFactory = _ => 2.0 };
        var accessLog = new Option<string?>("--access-log") { Description = "JSON-lines access log: a file path, or '-' for stdout (default)" };
        var noAccessLog = new Option<bool>("--no-access-log") { Description = "Write no access log" };
        var statsWindow = new Option<int>("--stats-window") { Description = "Requests per input kept for /v2/models/NAME/stats", DefaultValueFactory = _ => 1000 };
        var export = new Option<string[]>("--export") { Description = "Write deployment files instead of serving: 'docker DIR' or 'k8s DIR'", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var toolPackage = new Option<string?>("--tool-package") { Description = "For --export docker: bake this GitMl .nupkg (from 'dotnet pack src/GitMl.Cli') into the image instead of installing from a NuGet feed" };
        var image = new Option<string?>("--image") { Description = "Container image for --export k8s (default gitml-NAME:VERSION)" };
        var modelFile = new Option<string?>("--model-file") { Description = "Serve this .onnx file instead of a reference (used in exported images); needs --oid" };
        var oid = new Option<string?>("--oid") { Description = "Oid the --model-file must hash to" };
        var modelVersion = new Option<string?>("--model-version") { Description = "Registry version to report for --model-file" };
        var commit = new Option<string?>("--commit") { Description = "Commit to report for --model-file" };
        var command = new Command("serve", "Serve a model over the Open Inference Protocol v2 (REST), with batching, metrics and hot reload")
        {
            reference, name, host, port, maxBatch, maxDelay, instances, maxBody, watch, watchInterval, accessLog, noAccessLog, statsWindow, export, toolPackage, image, modelFile, oid, modelVersion, commit,
        };
        command.SetAction(async (p, ct) =>
        {
            var file = p.GetValue(modelFile);
            var refText = p.GetValue(reference);
            IModelSource source;
            string modelName;
            if (file is not null)
            {
                var expected = p.GetValue(oid) ?? throw new GitMlException("--model-file needs --oid", "pass the oid the file must hash to (b3sum prints it)", ExitCode.Usage);
                modelName = p.GetValue(name) ?? Path.GetFileNameWithoutExtension(file);
                source = new FileModelSource(Path.GetFullPath(Path.Combine(ctx.Cwd, file)), expected, modelName, p.GetValue(modelVersion), p.GetValue(commit));
            }
            else
            {
                if (refText is null)
                {
                    throw new GitMlException("serve needs a model reference", "e.g. 'git ml serve churn#prod' or 'git ml serve HEAD:model.onnx'", ExitCode.Usage);
                }

                using var repo = ctx.OpenRepository();
                modelName = p.GetValue(name) ?? RegistryModelSource.DefaultName(refText);
                source = new RegistryModelSource(repo.WorkDir, refText, modelName, ctx.ObjectFetcherFactory);
            }

            if (p.GetValue(toolPackage) is not null && p.GetValue(export) is not ["docker", _])
            {
                throw new GitMlException("--tool-package only applies to '--export docker DIR'", "add '--export docker DIR', or drop --tool-package", ExitCode.Usage);
            }

            if (p.GetValue(export) is { Length: 2 } exportArgs)
            {
                var package = p.GetValue(toolPackage) is { } pkg ? Path.GetFullPath(Path.Combine(ctx.Cwd, pkg)) : null;
                return await ExportAsync(ctx, source, exportArgs[0], Path.GetFullPath(Path.Combine(ctx.Cwd, exportArgs[1])), p.GetValue(image), package, ct);
            }

            TextWriter? log = null;
            var logPath = p.GetValue(accessLog);
            if (!p.GetValue(noAccessLog))
            {
                log = logPath is null or "-" ? ctx.Out : new StreamWriter(new FileStream(Path.GetFullPath(Path.Combine(ctx.Cwd, logPath)), FileMode.Append, FileAccess.Write, FileShare.Read));
            }

            var options = new ServingOptions
            {
                Host = p.GetValue(host)!,
                Port = p.GetValue(port),
                MaxBatchSize = Math.Max(1, p.GetValue(maxBatch)),
                MaxBatchDelayMicroseconds = Math.Max(0, p.GetValue(maxDelay)),
                BatchWorkers = Math.Max(1, p.GetValue(instances)),
                MaxRequestBytes = p.GetValue(maxBody),
                Watch = p.GetValue(watch),
                WatchInterval = TimeSpan.FromSeconds(Math.Max(0.1, p.GetValue(watchInterval))),
                StatsWindow = p.GetValue(statsWindow),
                AccessLog = log,
                Events = ctx.Err,
            };
            if (options.Watch && refText is not null && !refText.Contains('#', StringComparison.Ordinal) && !refText.EndsWith("@latest", StringComparison.Ordinal))
            {
                ctx.Warn($"--watch on '{refText}': this reference never moves; watch a stage (name#prod) or name@latest");
            }

            await using var server = new ModelServer(source, modelName, options);
            try
            {
                await server.StartAsync(ct);
                await server.Ready.WaitAsync(ct);
                var id = server.Current!;
                ctx.Err.WriteLine($"Serving {modelName} {id.Version} (commit {id.Commit[..12]}, oid {id.Oid[..12]}) at {server.Address.ToString().TrimEnd('/')}");
                ctx.Err.WriteLine($"  infer: POST {server.Address}v2/models/{modelName}/infer   metrics: {server.Address}metrics   Ctrl+C stops");
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                ctx.Err.WriteLine("Stopped.");
            }
            catch (IOException ex) when (ex.InnerException is System.Net.Sockets.SocketException || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                throw new GitMlException($"cannot listen on {options.Host}:{options.Port}: {ex.Message}", "pick another --port, or stop what uses it", ExitCode.IoError, ex);
            }
            finally
            {
                if (log is not null && !ReferenceEquals(log, ctx.Out))
                {
                    await log.DisposeAsync();
                }
            }

            return 0;
        });
        return command;
    }

    private static async Task<int> ExportAsync(CliContext ctx, IModelSource source, string kind, string dir, string? image, string? toolPackage, CancellationToken ct)
    {
        var identity = await source.ResolveAsync(ct);
        IReadOnlyList<string> files;
        switch (kind)
        {
            case "docker":
                var bytes = await source.ReadAsync(identity, ct);
                files = DeploymentExporter.ExportDocker(dir, identity, bytes, typeof(ServeCommand).Assembly.GetName().Version?.ToString(3) ?? "0.1.0", toolPackage);
                break;
            case "k8s":
                files = DeploymentExporter.ExportKubernetes(dir, identity, image);
                break;
            default:
                throw new GitMlException($"unknown export kind '{kind}'", "use '--export docker DIR' or '--export k8s DIR'", ExitCode.Usage);
        }

        ctx.Out.WriteLine($"Wrote {kind} files for {identity.Name} {identity.Version} (oid {identity.Oid[..12]}) to {dir}: {string.Join(", ", files)}");
        return 0;
    }
}
