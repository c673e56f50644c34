using GitMl.Core.Metrics;

namespace GitMl.Core.Pipelines;

/// <summary>
/// Reads the param values a stage uses from the workspace's params files (flattened with <see cref="StructuredFile"/>).
/// A key naming a section (<c>train</c>) stands for every key under it (<c>train.lr</c>, <c>train.epochs</c>).
/// </summary>
public sealed class ParamValues
{
    private readonly string _workDir;
    private readonly Dictionary<string, FlatFile> _files = new(StringComparer.Ordinal);

    /// <summary>Creates a reader over a work tree; files are read once per instance.</summary>
    public ParamValues(string workDir) => _workDir = workDir;

    /// <summary>Drops what was read, so files changed by a stage are read again.</summary>
    public void Clear() => _files.Clear();

    /// <summary>The values of a stage's params: file → dotted key → value text. Throws naming the file and key when missing.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> For(ResolvedStage stage)
    {
        var result = new SortedDictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var group in stage.Params.GroupBy(p => p.File))
        {
            var flat = Read(group.Key, stage.Name);
            var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in group)
            {
                if (flat.Values.TryGetValue(p.Key, out var v))
                {
                    values[p.Key] = v.Text;
                    continue;
                }

                var prefix = p.Key + ".";
                var under = flat.Values.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList();
                if (under.Count == 0)
                {
                    throw new GitMlException(
                        $"param '{p.Key}' of stage '{stage.Name}' is not in {group.Key}",
                        $"add '{p.Key}' to {group.Key} (nested keys are written as sections: 'train: {{lr: 0.1}}' is train.lr), or fix the stage's params",
                        ExitCode.NotFound);
                }

                foreach (var (k, value) in under)
                {
                    values[k] = value.Text;
                }
            }

            result[group.Key] = values;
        }

        return result;
    }

    private FlatFile Read(string file, string stage)
    {
        if (_files.TryGetValue(file, out var flat))
        {
            return flat;
        }

        var full = SafePath.ResolveUnder(_workDir, file, $"params of stage '{stage}'");
        if (!File.Exists(full))
        {
            throw new GitMlException(
                $"params file '{file}' of stage '{stage}' does not exist",
                $"create {file} with the stage's keys, or fix the stage's params in gitml.yaml",
                ExitCode.NotFound);
        }

        flat = StructuredFile.Flatten(File.ReadAllBytes(full), file);
        _files[file] = flat;
        return flat;
    }
}
