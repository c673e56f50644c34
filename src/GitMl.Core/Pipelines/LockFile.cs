using System.Globalization;
using GitMl.Core.Pointers;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitMl.Core.Pipelines;

/// <summary>An out recorded in <c>gitml.lock</c>; <see cref="Cache"/> false for outs kept in Git (<c>-O</c>, metrics).</summary>
/// <param name="Out">Path (repository-relative), oid, size, nfiles.</param>
/// <param name="Cache">False when Git, not the cache, keeps the file (written as <c>cache: false</c>).</param>
public sealed record LockedOut(PointerOut Out, bool Cache);

/// <summary>What one stage last ran with.</summary>
public sealed record LockEntry
{
    /// <summary>The command that ran.</summary>
    public required string Cmd { get; init; }

    /// <summary>Deps with their oids at run time (repository-relative paths).</summary>
    public IReadOnlyList<PointerOut> Deps { get; init; } = [];

    /// <summary>Param values used: file → dotted key → value text.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Params { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>Outs the run produced.</summary>
    public IReadOnlyList<LockedOut> Outs { get; init; } = [];
}

/// <summary>
/// <c>gitml.lock</c>: per stage, <c>cmd</c>, <c>deps</c> and <c>outs</c> as <c>{path, oid, size, nfiles?, hash}</c>
/// lists and <c>params: {file: {key: value}}</c>. Stages are written in pipeline order; every write is atomic.
/// </summary>
public sealed class LockFile
{
    private readonly Dictionary<string, LockEntry> _stages;

    /// <summary>Creates a lock with the given entries.</summary>
    public LockFile(IReadOnlyDictionary<string, LockEntry>? stages = null) =>
        _stages = stages is null ? new(StringComparer.Ordinal) : new(stages, StringComparer.Ordinal);

    /// <summary>Entries by stage name.</summary>
    public IReadOnlyDictionary<string, LockEntry> Stages => _stages;

    /// <summary>Reads <c>gitml.lock</c> from a work tree; a missing file is an empty lock.</summary>
    public static LockFile Load(string workDir)
    {
        var path = Path.Combine(workDir, PointerDiscovery.LockFileName);
        return File.Exists(path) ? Parse(File.ReadAllText(path), PointerDiscovery.LockFileName) : new LockFile();
    }

    /// <summary>Parses lock text, validating every path and oid; <paramref name="where"/> names it in errors.</summary>
    public static LockFile Parse(string text, string where)
    {
        var stream = new YamlStream();
        try
        {
            stream.LoadBounded(text);
        }
        catch (YamlException ex)
        {
            throw Bad(where, $"line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}");
        }

        var result = new LockFile();
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            return result;
        }

        if (!root.Children.TryGetValue(new YamlScalarNode("stages"), out var stagesNode) || stagesNode is not YamlMappingNode stages)
        {
            return result;
        }

        foreach (var (nameNode, stageNode) in stages.Children)
        {
            var name = (nameNode as YamlScalarNode)?.Value ?? string.Empty;
            if (stageNode is not YamlMappingNode s)
            {
                throw Bad(where, $"stage '{name}' must be a mapping");
            }

            string? cmd = null;
            var deps = new List<PointerOut>();
            var outs = new List<LockedOut>();
            var prms = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
            foreach (var (k, v) in s.Children)
            {
                switch ((k as YamlScalarNode)?.Value)
                {
                    case "cmd":
                        cmd = (v as YamlScalarNode)?.Value;
                        break;
                    case "deps" when v is YamlSequenceNode seq:
                        deps.AddRange(seq.Children.Select(c => PointerFile.ParseOut(c, where)));
                        break;
                    case "outs" when v is YamlSequenceNode seq:
                        foreach (var c in seq.Children)
                        {
                            var o = PointerFile.ParseOut(c, where);
                            var cache = !IsCacheFalse(o);
                            outs.Add(new LockedOut(o with { Extra = o.Extra.Where(e => e.Key != "cache").ToList() }, cache));
                        }

                        break;
                    case "params" when v is YamlMappingNode files:
                        foreach (var (fk, fv) in files.Children)
                        {
                            var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
                            if (fv is YamlMappingNode kv)
                            {
                                foreach (var (pk, pv) in kv.Children)
                                {
                                    values[(pk as YamlScalarNode)?.Value ?? string.Empty] = ValueText(pv);
                                }
                            }

                            prms[(fk as YamlScalarNode)?.Value ?? string.Empty] = values;
                        }

                        break;
                    default:
                        break;
                }
            }

            result._stages[name] = new LockEntry { Cmd = cmd ?? string.Empty, Deps = deps, Outs = outs, Params = prms };
        }

        return result;
    }

    /// <summary>The oid-level outs whose bytes live in the cache, for checkout/push.</summary>
    public static bool IsCacheFalse(PointerOut o) =>
        o.Extra.Any(e => e.Key == "cache" && e.Value is YamlScalarNode { Value: "false" or "False" });

    /// <summary>Returns a copy with <paramref name="stage"/>'s entry set and entries of stages not in <paramref name="order"/> dropped.</summary>
    public LockFile With(string stage, LockEntry entry, IReadOnlyList<string> order)
    {
        var copy = new Dictionary<string, LockEntry>(StringComparer.Ordinal);
        foreach (var name in order)
        {
            if (name == stage)
            {
                copy[name] = entry;
            }
            else if (_stages.TryGetValue(name, out var e))
            {
                copy[name] = e;
            }
        }

        return new LockFile(copy);
    }

    /// <summary>Serializes in the design's format (stages in insertion order).</summary>
    public string ToYaml()
    {
        var stages = new YamlMappingNode();
        foreach (var (name, e) in _stages)
        {
            var m = new YamlMappingNode { { "cmd", new YamlScalarNode(e.Cmd) { Style = e.Cmd.Contains('\n') ? ScalarStyle.Literal : ScalarStyle.Any } } };
            if (e.Deps.Count > 0)
            {
                m.Add("deps", new YamlSequenceNode(e.Deps.Select(d => (YamlNode)PointerFile.OutToNode(d))));
            }

            if (e.Params.Count > 0)
            {
                var files = new YamlMappingNode();
                foreach (var (file, values) in e.Params.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    var kv = new YamlMappingNode();
                    foreach (var (key, value) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
                    {
                        kv.Add(key, ValueNode(value));
                    }

                    files.Add(file, kv);
                }

                m.Add("params", files);
            }

            if (e.Outs.Count > 0)
            {
                m.Add("outs", new YamlSequenceNode(e.Outs.Select(o =>
                {
                    var node = PointerFile.OutToNode(o.Out);
                    if (!o.Cache)
                    {
                        node.Add("cache", "false");
                    }

                    return (YamlNode)node;
                })));
            }

            stages.Add(name, m);
        }

        var root = new YamlMappingNode { { "schema", "1" }, { "stages", stages } };
        return PointerFile.Emit(root);
    }

    /// <summary>Writes the lock atomically to <paramref name="workDir"/>/gitml.lock (only when its text changed).</summary>
    public void Save(string workDir)
    {
        var path = Path.Combine(workDir, PointerDiscovery.LockFileName);
        var text = ToYaml();
        if (!File.Exists(path) || File.ReadAllText(path) != text)
        {
            AtomicFile.WriteAllText(path, text);
        }
    }

    private static string ValueText(YamlNode node) => node switch
    {
        YamlScalarNode s => s.Value ?? string.Empty,
        _ => PointerFile.Emit(node).Trim(),
    };

    private static YamlScalarNode ValueNode(string value)
    {
        // Numbers and booleans stay plain so the lock reads like params.yaml; anything else YAML could misread is quoted.
        var plain = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            || value is "true" or "false"
            || (value.Length > 0 && value.All(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '.' or '/') && !char.IsDigit(value[0])
                && value is not ("null" or "yes" or "no" or "on" or "off" or "True" or "False" or "~"));
        return new YamlScalarNode(value) { Style = plain ? ScalarStyle.Plain : ScalarStyle.DoubleQuoted };
    }

    private static GitMlException Bad(string where, string why) =>
        new($"invalid {where}: {why}", "restore it with 'git checkout -- gitml.lock' or re-run 'git ml repro --force'", ExitCode.InvalidInput);
}
