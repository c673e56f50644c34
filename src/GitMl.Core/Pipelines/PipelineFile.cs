using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitMl.Core.Pipelines;

/// <summary>A param a stage depends on: a dotted key in a params file.</summary>
public sealed record ParamRef(string File, string Key);

/// <summary>An output of a stage; <see cref="Cache"/> false for outs kept in Git (<c>-O</c>).</summary>
public sealed record OutDefinition(string Path, bool Cache = true);

/// <summary>A plot: a data file with x/y columns and how to draw it.</summary>
public sealed record PlotDefinition
{
    /// <summary>Data file (TSV/CSV/JSON/YAML), repository-relative.</summary>
    public required string Path { get; init; }

    /// <summary>X column; null means <c>step</c>, or the row index when absent.</summary>
    public string? X { get; init; }

    /// <summary>Y columns (empty: every column but x).</summary>
    public IReadOnlyList<string> Y { get; init; } = [];

    /// <summary><c>linear</c> (default), <c>scatter</c>, <c>bar</c> or <c>confusion</c>.</summary>
    public string Template { get; init; } = "linear";

    /// <summary>Optional chart title.</summary>
    public string? Title { get; init; }

    /// <summary>Optional x axis label.</summary>
    public string? XLabel { get; init; }

    /// <summary>Optional y axis label.</summary>
    public string? YLabel { get; init; }
}

/// <summary>A pipeline stage from <c>gitml.yaml</c>.</summary>
public sealed record StageDefinition
{
    /// <summary>Stage name.</summary>
    public required string Name { get; init; }

    /// <summary>Shell command.</summary>
    public required string Cmd { get; init; }

    /// <summary>Working directory, repository-relative (default: root).</summary>
    public string? Wdir { get; init; }

    /// <summary>Dependencies: files, directories or other stages' outs.</summary>
    public IReadOnlyList<string> Deps { get; init; } = [];

    /// <summary>Params used.</summary>
    public IReadOnlyList<ParamRef> Params { get; init; } = [];

    /// <summary>Outputs.</summary>
    public IReadOnlyList<OutDefinition> Outs { get; init; } = [];

    /// <summary>Metrics files (small, committed to Git, not cached).</summary>
    public IReadOnlyList<string> Metrics { get; init; } = [];

    /// <summary>Plots produced by the stage.</summary>
    public IReadOnlyList<PlotDefinition> Plots { get; init; } = [];
}

/// <summary>How to judge a change of one metric.</summary>
public sealed record MetricPolicy(string Key, string Better, double? Tolerance, double? RelativeTolerance);

/// <summary>A registry artifact declared in <c>gitml.yaml</c>.</summary>
public sealed record ArtifactDefinition(string Name, string Path, string? Type, string? Description, IReadOnlyList<string> Labels);

/// <summary>
/// <c>gitml.yaml</c>: stages, metric policies, top-level plots, artifacts and registry settings.
/// Parsed with YamlDotNet's representation model so every error can name its line.
/// </summary>
public sealed class PipelineFile
{
    /// <summary>File name at the repository root.</summary>
    public const string FileName = "gitml.yaml";

    /// <summary>Default params file.</summary>
    public const string DefaultParamsFile = "params.yaml";

    /// <summary>Stages in file order.</summary>
    public IReadOnlyList<StageDefinition> Stages { get; init; } = [];

    /// <summary>Metric policies by flattened key.</summary>
    public IReadOnlyDictionary<string, MetricPolicy> MetricPolicies { get; init; } = new Dictionary<string, MetricPolicy>();

    /// <summary>Top-level plots (outside stages).</summary>
    public IReadOnlyList<PlotDefinition> Plots { get; init; } = [];

    /// <summary>Artifacts by name.</summary>
    public IReadOnlyDictionary<string, ArtifactDefinition> Artifacts { get; init; } = new Dictionary<string, ArtifactDefinition>();

    /// <summary>Allowed registry stage names, or null for any.</summary>
    public IReadOnlyList<string>? RegistryStages { get; init; }

    /// <summary>Every plot: stage plots then top-level plots.</summary>
    public IEnumerable<PlotDefinition> AllPlots => Stages.SelectMany(s => s.Plots).Concat(Plots);

    /// <summary>Every metrics file named by a stage.</summary>
    public IEnumerable<string> AllMetricsFiles => Stages.SelectMany(s => s.Metrics).Distinct(StringComparer.Ordinal);

    /// <summary>Loads <c>gitml.yaml</c> from a work tree; a missing file is an empty pipeline.</summary>
    public static PipelineFile Load(string workDir)
    {
        var path = Path.Combine(workDir, FileName);
        return File.Exists(path) ? Parse(File.ReadAllText(path), FileName) : new PipelineFile();
    }

    /// <summary>Parses <c>gitml.yaml</c> text; <paramref name="where"/> names it in errors.</summary>
    public static PipelineFile Parse(string text, string where)
    {
        var stream = new YamlStream();
        try
        {
            stream.LoadBounded(text);
        }
        catch (YamlException ex)
        {
            throw Bad(where, ex.Start, ex.Message);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return new PipelineFile();
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw Bad(where, stream.Documents[0].RootNode.Start, "expected a mapping with 'stages', 'metrics', 'plots', 'artifacts'");
        }

        var stages = new List<StageDefinition>();
        var policies = new Dictionary<string, MetricPolicy>(StringComparer.Ordinal);
        var plots = new List<PlotDefinition>();
        var artifacts = new Dictionary<string, ArtifactDefinition>(StringComparer.Ordinal);
        List<string>? registryStages = null;

        foreach (var (k, v) in root.Children)
        {
            switch (Key(k))
            {
                case "stages":
                    foreach (var (sk, sv) in Map(v, where, "stages"))
                    {
                        stages.Add(ParseStage(Key(sk), sv, where));
                    }

                    break;
                case "metrics":
                    foreach (var (mk, mv) in Map(v, where, "metrics"))
                    {
                        policies[Key(mk)] = ParsePolicy(Key(mk), mv, where);
                    }

                    break;
                case "plots":
                    plots.AddRange(ParsePlots(v, where));
                    break;
                case "artifacts":
                    foreach (var (ak, av) in Map(v, where, "artifacts"))
                    {
                        var a = ParseArtifact(Key(ak), av, where);
                        artifacts[a.Name] = a;
                    }

                    break;
                case "registry":
                    foreach (var (rk, rv) in Map(v, where, "registry"))
                    {
                        if (Key(rk) == "stages")
                        {
                            registryStages = StringList(rv, where, "registry.stages");
                        }
                    }

                    break;
                default:
                    break;
            }
        }

        return new PipelineFile
        {
            Stages = stages,
            MetricPolicies = policies,
            Plots = plots,
            Artifacts = artifacts,
            RegistryStages = registryStages,
        };
    }

    private static StageDefinition ParseStage(string name, YamlNode node, string where)
    {
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            throw Bad(where, node.Start, $"invalid stage name '{name}' (letters, digits, '_' and '-')");
        }

        string? cmd = null, wdir = null;
        var deps = new List<string>();
        var prms = new List<ParamRef>();
        var outs = new List<OutDefinition>();
        var metrics = new List<string>();
        var plots = new List<PlotDefinition>();
        foreach (var (k, v) in Map(node, where, $"stage '{name}'"))
        {
            switch (Key(k))
            {
                case "cmd":
                    cmd = v is YamlSequenceNode cmdList
                        ? string.Join(" && ", cmdList.Children.Select(c => Scalar(c, where, "cmd")))
                        : Scalar(v, where, "cmd");
                    break;
                case "wdir":
                    wdir = Scalar(v, where, "wdir");
                    break;
                case "deps":
                    deps.AddRange(StringList(v, where, $"stages.{name}.deps"));
                    break;
                case "params":
                    prms.AddRange(ParseParams(v, where, name));
                    break;
                case "outs":
                    outs.AddRange(ListWithOptions(v, where, $"stages.{name}.outs").Select(x => new OutDefinition(x.Path, x.Cache ?? true)));
                    break;
                case "metrics":
                    metrics.AddRange(ListWithOptions(v, where, $"stages.{name}.metrics").Select(x => x.Path));
                    break;
                case "plots":
                    plots.AddRange(ParsePlots(v, where));
                    break;
                default:
                    break;
            }
        }

        if (string.IsNullOrWhiteSpace(cmd))
        {
            throw Bad(where, node.Start, $"stage '{name}' has no cmd");
        }

        return new StageDefinition
        {
            Name = name,
            Cmd = cmd,
            Wdir = wdir,
            Deps = deps,
            Params = prms,
            Outs = outs,
            Metrics = metrics,
            Plots = plots,
        };
    }

    private static IEnumerable<ParamRef> ParseParams(YamlNode node, string where, string stage)
    {
        if (node is not YamlSequenceNode seq)
        {
            throw Bad(where, node.Start, $"stages.{stage}.params must be a list");
        }

        foreach (var item in seq.Children)
        {
            if (item is YamlScalarNode s)
            {
                yield return new ParamRef(DefaultParamsFile, s.Value ?? string.Empty);
            }
            else if (item is YamlMappingNode m)
            {
                foreach (var (fk, fv) in m.Children)
                {
                    foreach (var key in StringList(fv, where, $"stages.{stage}.params"))
                    {
                        yield return new ParamRef(Key(fk), key);
                    }
                }
            }
            else
            {
                throw Bad(where, item.Start, $"stages.{stage}.params entries are keys or {{file: [keys]}}");
            }
        }
    }

    private static IEnumerable<PlotDefinition> ParsePlots(YamlNode node, string where)
    {
        if (node is YamlMappingNode map)
        {
            foreach (var (k, v) in map.Children)
            {
                yield return ParsePlot(Key(k), v, where);
            }

            yield break;
        }

        if (node is not YamlSequenceNode seq)
        {
            throw Bad(where, node.Start, "plots must be a list");
        }

        foreach (var item in seq.Children)
        {
            if (item is YamlScalarNode s)
            {
                yield return new PlotDefinition { Path = s.Value ?? string.Empty };
            }
            else if (item is YamlMappingNode m)
            {
                foreach (var (k, v) in m.Children)
                {
                    yield return ParsePlot(Key(k), v, where);
                }
            }
            else
            {
                throw Bad(where, item.Start, "each plot is a path or {path: {x, y, template, title, x_label, y_label}}");
            }
        }
    }

    private static PlotDefinition ParsePlot(string path, YamlNode options, string where)
    {
        var plot = new PlotDefinition { Path = path };
        if (options is YamlScalarNode { Value: null or "" })
        {
            return plot;
        }

        foreach (var (k, v) in Map(options, where, $"plot '{path}'"))
        {
            plot = Key(k) switch
            {
                "x" => plot with { X = Scalar(v, where, "x") },
                "y" => plot with { Y = v is YamlSequenceNode ? StringList(v, where, "y") : [Scalar(v, where, "y")] },
                "template" => plot with { Template = Scalar(v, where, "template") },
                "title" => plot with { Title = Scalar(v, where, "title") },
                "x_label" => plot with { XLabel = Scalar(v, where, "x_label") },
                "y_label" => plot with { YLabel = Scalar(v, where, "y_label") },
                _ => plot,
            };
        }

        if (plot.Template is not ("linear" or "scatter" or "bar" or "confusion"))
        {
            throw Bad(where, options.Start, $"unknown plot template '{plot.Template}' (linear, scatter, bar, confusion)");
        }

        return plot;
    }

    private static MetricPolicy ParsePolicy(string key, YamlNode node, string where)
    {
        string? better = null;
        double? tol = null, rel = null;
        foreach (var (k, v) in Map(node, where, $"metrics.{key}"))
        {
            switch (Key(k))
            {
                case "better":
                    better = Scalar(v, where, "better");
                    break;
                case "tolerance":
                    tol = Number(v, where, "tolerance");
                    break;
                case "relative_tolerance":
                    rel = Number(v, where, "relative_tolerance");
                    break;
                default:
                    break;
            }
        }

        if (better is not ("higher" or "lower"))
        {
            throw Bad(where, node.Start, $"metrics.{key}.better must be 'higher' or 'lower'");
        }

        if (tol < 0 || rel < 0)
        {
            throw Bad(where, node.Start, $"metrics.{key}: tolerances must not be negative");
        }

        return new MetricPolicy(key, better, tol, rel);
    }

    private static ArtifactDefinition ParseArtifact(string name, YamlNode node, string where)
    {
        string? path = null, type = null, desc = null;
        var labels = new List<string>();
        foreach (var (k, v) in Map(node, where, $"artifacts.{name}"))
        {
            switch (Key(k))
            {
                case "path":
                    path = Scalar(v, where, "path");
                    break;
                case "type":
                    type = Scalar(v, where, "type");
                    break;
                case "desc":
                case "description":
                    desc = Scalar(v, where, "desc");
                    break;
                case "labels":
                    labels = StringList(v, where, "labels");
                    break;
                default:
                    break;
            }
        }

        if (string.IsNullOrEmpty(path))
        {
            throw Bad(where, node.Start, $"artifact '{name}' has no path");
        }

        return new ArtifactDefinition(name, path, type, desc, labels);
    }

    private static List<(string Path, bool? Cache)> ListWithOptions(YamlNode node, string where, string what)
    {
        var result = new List<(string, bool?)>();
        if (node is not YamlSequenceNode seq)
        {
            throw Bad(where, node.Start, $"{what} must be a list");
        }

        foreach (var item in seq.Children)
        {
            if (item is YamlScalarNode s)
            {
                result.Add((s.Value ?? string.Empty, null));
            }
            else if (item is YamlMappingNode m && m.Children.Count == 1)
            {
                var (k, v) = m.Children.First();
                bool? cache = null;
                if (v is YamlMappingNode opts)
                {
                    foreach (var (ok, ov) in opts.Children)
                    {
                        if (Key(ok) == "cache")
                        {
                            cache = Scalar(ov, where, "cache") is "true" or "True";
                        }
                    }
                }

                result.Add((Key(k), cache));
            }
            else
            {
                throw Bad(where, item.Start, $"{what} entries are paths or {{path: {{cache: false}}}}");
            }
        }

        return result;
    }

    private static IEnumerable<KeyValuePair<YamlNode, YamlNode>> Map(YamlNode node, string where, string what) =>
        node switch
        {
            YamlMappingNode m => m.Children,
            YamlScalarNode { Value: null or "" } => [],
            _ => throw Bad(where, node.Start, $"{what} must be a mapping"),
        };

    private static List<string> StringList(YamlNode node, string where, string what) => node switch
    {
        YamlSequenceNode seq => seq.Children.Select(c => Scalar(c, where, what)).ToList(),
        YamlScalarNode s when !string.IsNullOrEmpty(s.Value) => [s.Value!],
        _ => throw Bad(where, node.Start, $"{what} must be a list of strings"),
    };

    private static string Key(YamlNode node) => (node as YamlScalarNode)?.Value ?? string.Empty;

    private static string Scalar(YamlNode node, string where, string what) =>
        node is YamlScalarNode s ? s.Value ?? string.Empty : throw Bad(where, node.Start, $"{what} must be a string");

    private static double Number(YamlNode node, string where, string what) =>
        double.TryParse(Scalar(node, where, what), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d
            : throw Bad(where, node.Start, $"{what} must be a number");

    private static GitMlException Bad(string where, Mark mark, string why) =>
        new($"invalid {where} (line {mark.Line}, column {mark.Column}): {why}", "fix gitml.yaml; docs/pipelines.md shows its format", ExitCode.InvalidInput);
}
