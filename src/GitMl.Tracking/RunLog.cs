using System.Globalization;
using System.Text;
using System.Text.Json;

namespace GitMl.Tracking;

/// <summary>
/// Records metrics, params and step series from training code in the files GitMl reads:
/// <c>gitml-log/metrics.json</c> (latest value of each metric plus <c>step</c>), <c>gitml-log/params.yaml</c>, and
/// <c>gitml-log/plots/NAME.tsv</c> (<c>step</c>, <c>value</c>, <c>timestamp</c>, one appended line per call).
/// </summary>
/// <remarks>
/// metrics.json and params.yaml are small and replaced atomically (temp file + rename), so a reader never sees a torn
/// file; metrics.json is rewritten on <see cref="Flush"/>/<see cref="Dispose"/> and at most once a second in between,
/// so a tight loop is not bound by renames (the step series on disk are always complete). Step series are appended with one write per
/// line to a file kept open and never rewritten, so thousands of calls cost the same each (a few microseconds); a crash
/// can at worst leave one torn last line, which GitMl's reader skips and counts.
/// One instance is not thread-safe; separate processes coordinate through <see cref="Update"/>.
/// </remarks>
public sealed class RunLog : IDisposable
{
    /// <summary>Default folder name, at the Git work tree root.</summary>
    public const string DefaultDirectoryName = "gitml-log";

    /// <summary>Header of every step series file.</summary>
    public const string SeriesHeader = "step\tvalue\ttimestamp";

    private static readonly UTF8Encoding Utf8NoBom = new(false);
    private static readonly JsonWriterOptions JsonIndented = new() { Indented = true };

    private readonly List<string> _metricOrder = [];
    private readonly Dictionary<string, double> _metrics = new(StringComparer.Ordinal);
    private readonly List<string> _paramOrder = [];
    private readonly Dictionary<string, string> _params = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileStream> _series = new(StringComparer.Ordinal);
    private long _lastMetricsWrite;
    private bool _metricsDirty;

    private RunLog(string directory) => Directory = directory;

    /// <summary>The log folder (full path).</summary>
    public string Directory { get; }

    /// <summary>The current step; metrics logged without an explicit step are recorded at it.</summary>
    public long Step { get; private set; }

    /// <summary>Path of metrics.json.</summary>
    public string MetricsPath => Path.Combine(Directory, "metrics.json");

    /// <summary>Path of params.yaml.</summary>
    public string ParamsPath => Path.Combine(Directory, "params.yaml");

    /// <summary>
    /// Opens a log. <paramref name="resume"/> keeps what is there and continues the step count from metrics.json;
    /// otherwise earlier metrics, params and step series in the folder are removed (a fresh run).
    /// </summary>
    /// <param name="directory">Log folder; null means <c>gitml-log</c> at the enclosing Git work tree root (or the current folder).</param>
    /// <param name="resume">Continue the previous run instead of starting afresh.</param>
    public static RunLog Open(string? directory = null, bool resume = false)
    {
        var dir = Path.GetFullPath(directory ?? Path.Combine(FindWorkTreeRoot(System.IO.Directory.GetCurrentDirectory()), DefaultDirectoryName));
        System.IO.Directory.CreateDirectory(dir);
        EnsureIgnoreFile(dir);
        var log = new RunLog(dir);
        if (resume)
        {
            log.Load();
        }
        else
        {
            log.Clear();
        }

        return log;
    }

    /// <summary>
    /// Runs <paramref name="action"/> on a resumed log while holding an exclusive lock file in the folder, so
    /// concurrent processes (e.g. <c>git ml log</c> from parallel scripts) never lose each other's updates.
    /// </summary>
    public static void Update(string directory, Action<RunLog> action, TimeSpan? timeout = null)
    {
        System.IO.Directory.CreateDirectory(directory);
        using var lockFile = AcquireLock(Path.Combine(directory, ".lock"), timeout ?? TimeSpan.FromSeconds(30));
        using var log = Open(directory, resume: true);
        action(log);
    }

    /// <summary>
    /// Starts a fresh run in <paramref name="directory"/> under the same lock as <see cref="Update"/>: removes earlier
    /// metrics, params and step series so the next calls begin at step 0.
    /// </summary>
    public static void StartFresh(string directory, TimeSpan? timeout = null)
    {
        System.IO.Directory.CreateDirectory(directory);
        using var lockFile = AcquireLock(Path.Combine(directory, ".lock"), timeout ?? TimeSpan.FromSeconds(30));
        Open(directory, resume: false).Dispose();
    }

    /// <summary>The folder GitMl uses by default for a start folder: <c>gitml-log</c> at its Git work tree root.</summary>
    public static string DefaultDirectory(string startDir) => Path.Combine(FindWorkTreeRoot(startDir), DefaultDirectoryName);

    /// <summary>Records a metric's value at <paramref name="step"/> (default: the current step) and appends it to its series.</summary>
    /// <exception cref="ArgumentException">An unsafe name or a value that is not finite.</exception>
    public void LogMetric(string name, double value, long? step = null)
    {
        CheckName(name);
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"metric '{name}' value must be a finite number, got {value}", nameof(value));
        }

        if (step is long s)
        {
            if (s < 0)
            {
                throw new ArgumentException("step must not be negative", nameof(step));
            }

            Step = s;
        }

        if (_metrics.TryAdd(name, value))
        {
            _metricOrder.Add(name);
        }
        else
        {
            _metrics[name] = value;
        }

        AppendSeries(name, Step, value);
        _metricsDirty = true;
        if (Environment.TickCount64 - _lastMetricsWrite >= 1000)
        {
            WriteMetrics();
        }
    }

    /// <summary>Records a param (text).</summary>
    public void LogParam(string key, string value)
    {
        CheckName(key);
        SetParam(key, Quote(value));
    }

    /// <summary>Records a numeric param.</summary>
    public void LogParam(string key, double value)
    {
        CheckName(key);
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"param '{key}' must be a finite number", nameof(value));
        }

        SetParam(key, value.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>Records a boolean param.</summary>
    public void LogParam(string key, bool value)
    {
        CheckName(key);
        SetParam(key, value ? "true" : "false");
    }

    /// <summary>Advances to the next step and returns it.</summary>
    public long NextStep()
    {
        Step++;
        _metricsDirty = true;
        if (Environment.TickCount64 - _lastMetricsWrite >= 1000)
        {
            WriteMetrics();
        }

        return Step;
    }

    /// <summary>Latest value of each metric logged in this run (or resumed).</summary>
    public IReadOnlyDictionary<string, double> Metrics => _metrics;

    /// <summary>Writes metrics.json now if a metric changed since it was last written.</summary>
    public void Flush()
    {
        if (_metricsDirty)
        {
            WriteMetrics();
        }
    }

    /// <summary>Flushes metrics.json and closes the series files.</summary>
    public void Dispose()
    {
        Flush();
        foreach (var fs in _series.Values)
        {
            fs.Dispose();
        }

        _series.Clear();
    }

    /// <summary>True for a name usable as a metric/param key and as a series file name.</summary>
    public static bool IsValidName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 200 || name == "step")
        {
            return false;
        }

        foreach (var segment in name.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or "..")
            {
                return false;
            }
        }

        return name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/');
    }

    private static void CheckName(string name)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException(
                $"invalid name '{name}': use letters, digits, '_', '-', '.', and '/' between parts ('step' is reserved)", nameof(name));
        }
    }

    private void SetParam(string key, string yamlValue)
    {
        if (_params.TryAdd(key, yamlValue))
        {
            _paramOrder.Add(key);
        }
        else
        {
            _params[key] = yamlValue;
        }

        var sb = new StringBuilder();
        foreach (var k in _paramOrder)
        {
            sb.Append(k).Append(": ").Append(_params[k]).Append('\n');
        }

        WriteAtomic(ParamsPath, Utf8NoBom.GetBytes(sb.ToString()));
    }

    private void AppendSeries(string name, long step, double value)
    {
        var path = Path.Combine(Directory, "plots", name.Replace('/', Path.DirectorySeparatorChar) + ".tsv");
        var line = string.Create(CultureInfo.InvariantCulture, $"{step}\t{value:R}\t{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}\n");
        if (!_series.TryGetValue(path, out var fs))
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);

            // No buffer: each line is one write() in append mode, so concurrent appenders interleave whole lines.
            fs = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
            if (fs.Length == 0)
            {
                line = SeriesHeader + "\n" + line;
            }

            _series[path] = fs;
        }

        fs.Write(Utf8NoBom.GetBytes(line));
    }

    private void WriteMetrics()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, JsonIndented))
        {
            w.WriteStartObject();
            w.WriteNumber("step", Step);
            foreach (var name in _metricOrder)
            {
                w.WriteNumber(name, _metrics[name]);
            }

            w.WriteEndObject();
        }

        ms.WriteByte((byte)'\n');
        WriteAtomic(MetricsPath, ms.ToArray());
        _metricsDirty = false;
        _lastMetricsWrite = Environment.TickCount64;
    }

    private void Load()
    {
        if (File.Exists(MetricsPath))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(MetricsPath));
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    if (p.Value.ValueKind != JsonValueKind.Number)
                    {
                        continue;
                    }

                    if (p.Name == "step")
                    {
                        Step = p.Value.GetInt64();
                    }
                    else if (_metrics.TryAdd(p.Name, p.Value.GetDouble()))
                    {
                        _metricOrder.Add(p.Name);
                    }
                }
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"cannot resume: {MetricsPath} is not valid JSON ({ex.Message})", ex);
            }
        }

        if (File.Exists(ParamsPath))
        {
            foreach (var line in File.ReadAllLines(ParamsPath))
            {
                var colon = line.IndexOf(": ", StringComparison.Ordinal);
                if (colon > 0 && !line.StartsWith('#') && _params.TryAdd(line[..colon], line[(colon + 2)..]))
                {
                    _paramOrder.Add(line[..colon]);
                }
            }
        }
    }

    private void Clear()
    {
        File.Delete(MetricsPath);
        File.Delete(ParamsPath);
        var plots = Path.Combine(Directory, "plots");
        if (System.IO.Directory.Exists(plots))
        {
            foreach (var f in System.IO.Directory.EnumerateFiles(plots, "*.tsv", SearchOption.AllDirectories))
            {
                File.Delete(f);
            }
        }
    }

    // A YAML double-quoted scalar: JSON string escaping is a subset YAML accepts.
    private static string Quote(string value)
    {
        var plainSafe = value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/')
            && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            && value is not ("true" or "false" or "null" or "yes" or "no" or "on" or "off" or "~")
            && !char.IsAsciiDigit(value[0]) && value[0] is not ('-' or '.');
        return plainSafe ? value : JsonSerializer.Serialize(value);
    }

    private static void WriteAtomic(string path, byte[] bytes)
    {
        var tmp = path + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            File.WriteAllBytes(tmp, bytes);
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(tmp);
            }
            catch (IOException)
            {
            }

            throw;
        }
    }

    // The lock file and temp files are local machinery; keep them out of 'git add gitml-log'.
    private static void EnsureIgnoreFile(string dir)
    {
        var ignore = Path.Combine(dir, ".gitignore");
        if (!File.Exists(ignore))
        {
            WriteAtomic(ignore, Utf8NoBom.GetBytes("/.lock\n*.tmp\n"));
        }
    }

    private static FileStream AcquireLock(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(5);
            }
        }
    }

    private static string FindWorkTreeRoot(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            if (System.IO.Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git")))
            {
                return dir.FullName;
            }
        }

        return Path.GetFullPath(start);
    }
}
