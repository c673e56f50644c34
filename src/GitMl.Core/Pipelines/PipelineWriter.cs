using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitMl.Core.Pipelines;

/// <summary>A stage as given to <c>stage add</c>.</summary>
public sealed record StageSpec
{
    /// <summary>Stage name.</summary>
    public required string Name { get; init; }

    /// <summary>Shell command.</summary>
    public required string Cmd { get; init; }

    /// <summary>Working directory, or null for the repository root.</summary>
    public string? Wdir { get; init; }

    /// <summary>Deps.</summary>
    public IReadOnlyList<string> Deps { get; init; } = [];

    /// <summary>Params: <c>key</c> (of params.yaml) or <c>file:key1,key2</c>.</summary>
    public IReadOnlyList<string> Params { get; init; } = [];

    /// <summary>Cached outs.</summary>
    public IReadOnlyList<string> Outs { get; init; } = [];

    /// <summary>Outs kept in Git (not cached).</summary>
    public IReadOnlyList<string> OutsNoCache { get; init; } = [];

    /// <summary>Metrics files.</summary>
    public IReadOnlyList<string> Metrics { get; init; } = [];

    /// <summary>Plot files.</summary>
    public IReadOnlyList<string> Plots { get; init; } = [];
}

/// <summary>
/// Edits <c>gitml.yaml</c> through YamlDotNet's representation model, so other stages, metric policies, artifacts and
/// unknown keys keep their content and order (comments are lost, as with any YamlDotNet rewrite).
/// </summary>
public static class PipelineWriter
{
    /// <summary>
    /// Adds (or with <paramref name="force"/> replaces) a stage in <c>gitml.yaml</c> of <paramref name="workDir"/>. The
    /// result is validated as a whole pipeline (parse, DAG, duplicate outs, cycles) before it is written atomically.
    /// Returns true when an existing stage was replaced.
    /// </summary>
    public static bool AddStage(string workDir, StageSpec spec, bool force)
    {
        var path = Path.Combine(workDir, PipelineFile.FileName);
        var text = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        PipelineFile.Parse(text, PipelineFile.FileName);

        var stream = new YamlStream();
        stream.LoadBounded(text);
        var root = stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode m ? m : new YamlMappingNode();
        var stagesKey = new YamlScalarNode("stages");
        if (!root.Children.TryGetValue(stagesKey, out var stagesNode) || stagesNode is not YamlMappingNode stages)
        {
            stages = new YamlMappingNode();
            root.Children[stagesKey] = stages;
        }

        var nameKey = new YamlScalarNode(spec.Name);
        var replaced = stages.Children.ContainsKey(nameKey);
        if (replaced && !force)
        {
            throw new GitMlException(
                $"stage '{spec.Name}' already exists in {PipelineFile.FileName}",
                "use --force to replace it, or choose another name",
                ExitCode.Conflict);
        }

        stages.Children[nameKey] = ToNode(spec);
        var newText = Pointers.PointerFile.Emit(root);
        var parsed = PipelineFile.Parse(newText, PipelineFile.FileName);
        PipelineGraph.Build(parsed, workDir);
        AtomicFile.WriteAllText(path, newText);
        return replaced;
    }

    private static YamlMappingNode ToNode(StageSpec spec)
    {
        var node = new YamlMappingNode { { "cmd", new YamlScalarNode(spec.Cmd) { Style = spec.Cmd.Contains('\n') ? ScalarStyle.Literal : ScalarStyle.Any } } };
        if (!string.IsNullOrEmpty(spec.Wdir))
        {
            node.Add("wdir", spec.Wdir);
        }

        AddList(node, "deps", spec.Deps.Select(d => (YamlNode)new YamlScalarNode(d)));
        var prms = new List<YamlNode>();
        foreach (var p in spec.Params)
        {
            var colon = p.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                prms.Add(new YamlScalarNode(p));
                continue;
            }

            var file = p[..colon];
            var keys = p[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (file.Length == 0 || keys.Length == 0)
            {
                throw new GitMlException($"invalid param '{p}'", "write a key of params.yaml (train.lr) or FILE:KEY1,KEY2", ExitCode.Usage);
            }

            if (file == PipelineFile.DefaultParamsFile)
            {
                prms.AddRange(keys.Select(k => new YamlScalarNode(k)));
            }
            else
            {
                prms.Add(new YamlMappingNode { { file, new YamlSequenceNode(keys.Select(k => (YamlNode)new YamlScalarNode(k))) } });
            }
        }

        AddList(node, "params", prms);
        AddList(node, "outs", spec.Outs.Select(o => (YamlNode)new YamlScalarNode(o))
            .Concat(spec.OutsNoCache.Select(o => (YamlNode)new YamlMappingNode { { o, new YamlMappingNode { { "cache", "false" } } } })));
        AddList(node, "metrics", spec.Metrics.Select(x => (YamlNode)new YamlScalarNode(x)));
        AddList(node, "plots", spec.Plots.Select(x => (YamlNode)new YamlScalarNode(x)));
        return node;
    }

    private static void AddList(YamlMappingNode node, string key, IEnumerable<YamlNode> items)
    {
        var list = items.ToList();
        if (list.Count > 0)
        {
            node.Add(key, new YamlSequenceNode(list));
        }
    }
}
