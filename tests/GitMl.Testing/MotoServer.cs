using Xunit;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GitMl.Testing;

/// <summary>
/// A real S3 server for tests: <c>moto_server</c> on 127.0.0.1 and a free port, started on construction, reset
/// between tests with <c>POST /moto-api/reset</c>, killed on dispose. When it cannot start, tests are skipped, except
/// under <c>CI=true</c> where they fail: CI must never pass by skipping the S3 suite.
/// </summary>
public sealed class MotoServer : IDisposable
{
    // Generous: on a loaded 2-core CI machine moto can take seconds to reset its state.
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly IDictionary<string, string?> _env;
    private Process? _process;
    private string? _startError;

    /// <summary>Starts a server with moto's defaults (no signature checks).</summary>
    public MotoServer()
        : this(new Dictionary<string, string?>())
    {
    }

    private MotoServer(IDictionary<string, string?> env)
    {
        _env = env;
        Port = FreePort();
        Start();
    }

    /// <summary>Starts a server with extra environment, e.g. <c>INITIAL_NO_AUTH_ACTION_COUNT=0</c> to enforce signatures.</summary>
    public static MotoServer StartWith(IDictionary<string, string?> env) => new(env);

    /// <summary>The port it listens on.</summary>
    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT</c>.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>True when the server answers.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Skips the calling test when the server is not available (fails it when <c>CI=true</c>).</summary>
    public void RequireRunning()
    {
        if (IsRunning)
        {
            return;
        }

        var why = $"moto_server could not be started: {_startError ?? "it exited"}";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(why + " (CI=true: the S3 suite must run)");
        }

        Assert.Skip(why);
    }

    /// <summary>Forgets every bucket and object.</summary>
    public void Reset()
    {
        RequireRunning();
        using var r = Http.PostAsync(Endpoint + "/moto-api/reset", null).GetAwaiter().GetResult();
        r.EnsureSuccessStatusCode();
    }

    /// <summary>Creates a bucket with an unsigned request (moto accepts those unless signatures are enforced).</summary>
    public void CreateBucket(string name)
    {
        RequireRunning();
        using var r = Http.PutAsync($"{Endpoint}/{name}", null).GetAwaiter().GetResult();
        r.EnsureSuccessStatusCode();
    }

    /// <summary>Kills the server (to simulate a crash mid-transfer).</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Starts the server again on the same port (its state starts empty, like a restarted moto).</summary>
    public void Restart()
    {
        Kill();
        Start();
        RequireRunning();
    }

    /// <inheritdoc />
    public void Dispose() => Kill();

    private void Start()
    {
        try
        {
            var psi = new ProcessStartInfo("moto_server")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "-H", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            {
                psi.ArgumentList.Add(a);
            }

            foreach (var (k, v) in _env)
            {
                psi.Environment[k] = v;
            }

            var p = Process.Start(psi)!;

            // Drain output so a chatty server never blocks on a full pipe.
            p.OutputDataReceived += (_, _) => { };
            p.ErrorDataReceived += (_, _) => { };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            _process = p;
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                if (p.HasExited)
                {
                    _startError = $"exited with code {p.ExitCode}";
                    return;
                }

                if (Answers())
                {
                    return;
                }

                Thread.Sleep(100);
            }

            _startError = "did not answer within 30 s";
            Kill();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            _startError = ex.Message;
            _process = null;
        }
    }

    private bool Answers()
    {
        try
        {
            using var r = Http.GetAsync(Endpoint + "/moto-api/").GetAwaiter().GetResult();
            return r.StatusCode != HttpStatusCode.ServiceUnavailable;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>A TCP port nobody listens on right now.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
