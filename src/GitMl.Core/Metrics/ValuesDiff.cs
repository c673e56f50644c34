using GitMl.Core.Pipelines;

namespace GitMl.Core.Metrics;

/// <summary>How a key changed between two revs.</summary>
public enum ChangeKind
{
    /// <summary>Same value at both revs.</summary>
    Unchanged,

    /// <summary>Present at both revs with different values.</summary>
    Modified,

    /// <summary>Only at the new rev.</summary>
    Added,

    /// <summary>Only at the old rev.</summary>
    Removed,
}

/// <summary>One key of one file compared between two revs.</summary>
/// <param name="Path">Repository-relative file path.</param>
/// <param name="Key">Flattened key.</param>
/// <param name="Old">Value at the old rev, or null when absent.</param>
/// <param name="New">Value at the new rev, or null when absent.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Verdict">Policy verdict (metrics only; null for params).</param>
public sealed record DiffRow(string Path, string Key, MetricValue? Old, MetricValue? New, ChangeKind Kind, Verdict? Verdict)
{
    /// <summary><c>new - old</c> when both are numbers, else null (strings, lists and missing values get no change).</summary>
    public double? Change => Old?.Number is double o && New?.Number is double n ? n - o : null;
}

/// <summary>The comparison of two revs' metrics or params files.</summary>
/// <param name="Old">The old rev.</param>
/// <param name="New">The new rev.</param>
/// <param name="Rows">Rows sorted by path then key (ordinal).</param>
/// <param name="Notes">Missing files and skipped values at either rev.</param>
/// <param name="HasPolicies">True when verdicts were computed (a Verdict column is due).</param>
public sealed record DiffResult(RevisionRef Old, RevisionRef New, IReadOnlyList<DiffRow> Rows, IReadOnlyList<string> Notes, bool HasPolicies)
{
    /// <summary>Rows whose metric regressed beyond tolerance.</summary>
    public IEnumerable<DiffRow> Regressions => Rows.Where(r => r.Verdict == Verdict.Regressed);

    /// <summary>Rows whose metric improved beyond tolerance.</summary>
    public IEnumerable<DiffRow> Improvements => Rows.Where(r => r.Verdict == Verdict.Improved);
}

/// <summary>Compares flattened files of two revs key by key.</summary>
public static class ValuesDiff
{
    /// <summary>
    /// Compares <paramref name="old"/> with <paramref name="new"/>. Only changed keys unless <paramref name="all"/>;
    /// verdicts when <paramref name="policies"/> is given and not empty; <paramref name="include"/> filters (path, key).
    /// </summary>
    public static DiffResult Compare(
        RevisionValues old,
        RevisionValues @new,
        bool all = false,
        IReadOnlyDictionary<string, MetricPolicy>? policies = null,
        Func<string, string, bool>? include = null)
    {
        var rows = new List<DiffRow>();
        var paths = old.Files.Keys.Union(@new.Files.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var judge = policies is { Count: > 0 };
        foreach (var path in paths)
        {
            var a = old.Files.GetValueOrDefault(path)?.Values ?? new Dictionary<string, MetricValue>();
            var b = @new.Files.GetValueOrDefault(path)?.Values ?? new Dictionary<string, MetricValue>();
            foreach (var key in a.Keys.Union(b.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                if (include is not null && !include(path, key))
                {
                    continue;
                }

                var ov = a.GetValueOrDefault(key);
                var nv = b.GetValueOrDefault(key);
                var kind = ov is null ? ChangeKind.Added
                    : nv is null ? ChangeKind.Removed
                    : Same(ov, nv) ? ChangeKind.Unchanged
                    : ChangeKind.Modified;
                if (kind == ChangeKind.Unchanged && !all)
                {
                    continue;
                }

                Verdict? verdict = judge ? Verdicts.Judge(Verdicts.FindPolicy(policies!, path, key), ov?.Number, nv?.Number) : null;
                rows.Add(new DiffRow(path, key, ov, nv, kind, verdict));
            }
        }

        return new DiffResult(old.Rev, @new.Rev, rows, old.Notes.Concat(@new.Notes).Distinct().ToList(), judge);
    }

    private static bool Same(MetricValue a, MetricValue b) =>
        a.Number is double x && b.Number is double y ? x.Equals(y) : a.Number is null && b.Number is null && a.Text == b.Text;
}
