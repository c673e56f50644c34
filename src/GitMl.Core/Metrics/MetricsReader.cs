using GitMl.Core.Pipelines;

namespace GitMl.Core.Metrics;

/// <summary>The flattened files of one rev: path → values, or null when a file is missing at that rev.</summary>
/// <param name="Rev">The rev read.</param>
/// <param name="Files">Files in ordinal path order.</param>
/// <param name="Notes">What was skipped (missing files, lists of objects), for the user to see.</param>
public sealed record RevisionValues(RevisionRef Rev, IReadOnlyDictionary<string, FlatFile?> Files, IReadOnlyList<string> Notes);

/// <summary>
/// Reads the metrics files of a rev: the files its stages name under <c>metrics:</c>, plus <c>gitml-log/metrics.json</c>
/// when present, or exactly the given targets.
/// </summary>
public sealed class MetricsReader
{
    /// <summary>Where <c>git ml log</c> writes metrics.</summary>
    public const string LogMetricsFile = "gitml-log/metrics.json";

    private readonly RevisionSource _source;

    /// <summary>Creates a reader over a revision source.</summary>
    public MetricsReader(RevisionSource source) => _source = source;

    /// <summary>The metrics file paths of a rev (targets when given).</summary>
    public IReadOnlyList<string> Discover(RevisionRef rev, IReadOnlyList<string>? targets = null)
    {
        if (targets is { Count: > 0 })
        {
            return targets.Select(Normalize).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        }

        var files = new SortedSet<string>(_source.Pipeline(rev).AllMetricsFiles.Select(Normalize), StringComparer.Ordinal);
        if (_source.Read(rev, LogMetricsFile) is not null)
        {
            files.Add(LogMetricsFile);
        }

        return files.ToList();
    }

    /// <summary>Reads and flattens every metrics file of a rev.</summary>
    public RevisionValues Read(RevisionRef rev, IReadOnlyList<string>? targets = null) =>
        ReadFiles(_source, rev, Discover(rev, targets));

    internal static RevisionValues ReadFiles(RevisionSource source, RevisionRef rev, IEnumerable<string> paths)
    {
        var files = new SortedDictionary<string, FlatFile?>(StringComparer.Ordinal);
        var notes = new List<string>();
        foreach (var path in paths)
        {
            var flat = source.ReadFlat(rev, path);
            files[path] = flat;
            if (flat is null)
            {
                notes.Add($"{path} is missing at {rev.Label}");
            }
            else
            {
                notes.AddRange(flat.Notes.Select(n => $"{path} at {rev.Label}: {n}"));
            }
        }

        return new RevisionValues(rev, files, notes);
    }

    internal static string Normalize(string path)
    {
        var p = path.Replace('\\', '/');
        while (p.StartsWith("./", StringComparison.Ordinal))
        {
            p = p[2..];
        }

        return p;
    }
}

/// <summary>
/// Reads the params files of a rev: <c>params.yaml</c>, the files its stages name under <c>params:</c>, and
/// <c>gitml-log/params.yaml</c> when present, or exactly the given targets.
/// </summary>
public sealed class ParamsReader
{
    /// <summary>Where <c>git ml log param</c> writes params.</summary>
    public const string LogParamsFile = "gitml-log/params.yaml";

    private readonly RevisionSource _source;

    /// <summary>Creates a reader over a revision source.</summary>
    public ParamsReader(RevisionSource source) => _source = source;

    /// <summary>The params file paths of a rev (targets when given); files that exist at no point are left out.</summary>
    public IReadOnlyList<string> Discover(RevisionRef rev, IReadOnlyList<string>? targets = null)
    {
        if (targets is { Count: > 0 })
        {
            return targets.Select(MetricsReader.Normalize).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        }

        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var stage in _source.Pipeline(rev).Stages)
        {
            foreach (var p in stage.Params)
            {
                files.Add(MetricsReader.Normalize(p.File));
            }
        }

        foreach (var candidate in new[] { PipelineFile.DefaultParamsFile, LogParamsFile })
        {
            if (_source.Read(rev, candidate) is not null)
            {
                files.Add(candidate);
            }
        }

        return files.ToList();
    }

    /// <summary>Reads and flattens every params file of a rev.</summary>
    public RevisionValues Read(RevisionRef rev, IReadOnlyList<string>? targets = null) =>
        MetricsReader.ReadFiles(_source, rev, Discover(rev, targets));

    /// <summary>
    /// True when some stage of <paramref name="pipeline"/> uses <paramref name="key"/> of <paramref name="file"/>:
    /// a stage naming <c>train</c> uses <c>train.lr</c> too.
    /// </summary>
    public static bool IsUsed(PipelineFile pipeline, string file, string key) =>
        pipeline.Stages.SelectMany(s => s.Params).Any(p =>
            MetricsReader.Normalize(p.File) == file
            && (p.Key == key || key.StartsWith(p.Key + ".", StringComparison.Ordinal)));
}
