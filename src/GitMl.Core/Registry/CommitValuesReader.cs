using System.Globalization;
using System.Text;
using System.Text.Json;
using GitMl.Core.Git;
using GitMl.Core.Pipelines;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitMl.Core.Registry;

/// <summary>
/// Reads a commit's metrics (the stages' metrics files) and params (params.yaml and other params files the stages
/// name) as flat <c>a.b.c</c> → value pairs. Kept internal so it can later be pointed at the shared metrics reader.
/// </summary>
internal static class CommitValuesReader
{
    public static IReadOnlyList<KeyValuePair<string, string>> Metrics(IGitPort git, string commit, PipelineFile pipeline)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var file in pipeline.AllMetricsFiles)
        {
            result.AddRange(ReadFlat(git, commit, file));
        }

        return result;
    }

    public static IReadOnlyList<KeyValuePair<string, string>> Params(IGitPort git, string commit, PipelineFile pipeline)
    {
        var files = new List<string> { PipelineFile.DefaultParamsFile };
        files.AddRange(pipeline.Stages.SelectMany(s => s.Params).Select(p => p.File).Where(f => f != PipelineFile.DefaultParamsFile).Distinct(StringComparer.Ordinal));
        var result = new List<KeyValuePair<string, string>>();
        foreach (var file in files)
        {
            var prefix = file == PipelineFile.DefaultParamsFile ? string.Empty : file + ":";
            result.AddRange(ReadFlat(git, commit, file).Select(kv => new KeyValuePair<string, string>(prefix + kv.Key, kv.Value)));
        }

        return result;
    }

    /// <summary>Flattens a JSON or YAML file at a commit; a missing or unreadable file gives nothing.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ReadFlat(IGitPort git, string commit, string path)
    {
        if (!SafePath.IsSafeRelative(path))
        {
            return [];
        }

        var bytes = git.ReadFile(commit, path);
        if (bytes is null)
        {
            return [];
        }

        var result = new List<KeyValuePair<string, string>>();
        var text = Encoding.UTF8.GetString(bytes);
        try
        {
            if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            {
                using var doc = JsonDocument.Parse(text);
                Flatten(doc.RootElement, string.Empty, result);
            }
            else
            {
                var stream = new YamlStream();
                stream.LoadBounded(text);
                if (stream.Documents.Count > 0)
                {
                    Flatten(stream.Documents[0].RootNode, string.Empty, result);
                }
            }
        }
        catch (JsonException)
        {
            return [];
        }
        catch (YamlException)
        {
            return [];
        }

        return result;
    }

    private static void Flatten(JsonElement e, string prefix, List<KeyValuePair<string, string>> into)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    Flatten(p.Value, Join(prefix, p.Name), into);
                }

                break;
            case JsonValueKind.Array:
                into.Add(new(prefix, e.GetRawText()));
                break;
            case JsonValueKind.String:
                into.Add(new(prefix, e.GetString() ?? string.Empty));
                break;
            case JsonValueKind.Number:
                into.Add(new(prefix, e.TryGetDouble(out var d) ? d.ToString("R", CultureInfo.InvariantCulture) : e.GetRawText()));
                break;
            default:
                into.Add(new(prefix, e.GetRawText()));
                break;
        }
    }

    private static void Flatten(YamlNode node, string prefix, List<KeyValuePair<string, string>> into)
    {
        switch (node)
        {
            case YamlMappingNode m:
                foreach (var (k, v) in m.Children)
                {
                    Flatten(v, Join(prefix, (k as YamlScalarNode)?.Value ?? string.Empty), into);
                }

                break;
            case YamlSequenceNode s:
                into.Add(new(prefix, "[" + string.Join(", ", s.Children.Select(c => (c as YamlScalarNode)?.Value ?? "…")) + "]"));
                break;
            case YamlScalarNode sc when prefix.Length > 0:
                into.Add(new(prefix, sc.Value ?? string.Empty));
                break;
            default:
                break;
        }
    }

    private static string Join(string prefix, string key) => prefix.Length == 0 ? key : prefix + "." + key;
}
