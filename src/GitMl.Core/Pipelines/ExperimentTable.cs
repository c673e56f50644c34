using System.Globalization;
using GitMl.Core.Git;
using GitMl.Core.Metrics;

namespace GitMl.Core.Pipelines;

/// <summary>A param or metric column of <c>exp show</c>.</summary>
/// <param name="Kind"><c>param</c> or <c>metric</c>.</param>
/// <param name="File">The file the value comes from.</param>
/// <param name="Key">The flattened key.</param>
/// <param name="Label">Column header: the key, or <c>file:key</c> when two files share a key.</param>
public sealed record ExperimentColumn(string Kind, string File, string Key, string Label);

/// <summary>One commit (or the workspace) of <c>exp show</c>.</summary>
/// <param name="Sha">The commit, or null for the workspace.</param>
/// <param name="Name">How the row is named (short sha or <c>workspace</c>).</param>
/// <param name="Date">Author date (null for the workspace).</param>
/// <param name="Subject">First line of the message.</param>
/// <param name="Refs">Branches and tags pointing at the commit.</param>
/// <param name="Values">Values by column label.</param>
public sealed record ExperimentRow(string? Sha, string Name, DateTimeOffset? Date, string Subject, IReadOnlyList<string> Refs, IReadOnlyDictionary<string, MetricValue> Values);

/// <summary>How to pick the rows of <c>exp show</c>.</summary>
/// <param name="Revs">Revs (<c>workspace</c> allowed) and ranges <c>a..b</c>; empty means HEAD's first-parent history.</param>
/// <param name="Count">At most this many commits of HEAD's history (with no revs), or 0 for all.</param>
/// <param name="AllBranches">Add every local branch tip.</param>
/// <param name="AllTags">Add every tagged commit.</param>
public sealed record ExperimentSelection(IReadOnlyList<string> Revs, int Count = 0, bool AllBranches = false, bool AllTags = false);

/// <summary>
/// <c>git ml exp show</c>: one row per commit with every param and metric flattened. Files are read through
/// <see cref="RevisionSource"/>, which parses each distinct Git blob once, so a long history costs one parse per version
/// of each file, not one per commit.
/// </summary>
public sealed class ExperimentTable
{
    private ExperimentTable(IReadOnlyList<ExperimentColumn> columns, IReadOnlyList<ExperimentRow> rows, IReadOnlyList<string> notes)
    {
        Columns = columns;
        Rows = rows;
        Notes = notes;
    }

    /// <summary>Params columns then metrics columns, each in file then key order.</summary>
    public IReadOnlyList<ExperimentColumn> Columns { get; }

    /// <summary>Rows in selection order (or sorted).</summary>
    public IReadOnlyList<ExperimentRow> Rows { get; }

    /// <summary>What was skipped while reading (malformed or missing files), for the user.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>Reads the selected revs.</summary>
    public static ExperimentTable Build(RevisionSource source, ExperimentSelection selection)
    {
        var git = source.Git;
        var revs = Select(git, selection);
        var refs = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, sha) in git.Branches().OrderBy(b => b.Key, StringComparer.Ordinal))
        {
            Refs(refs, sha).Add(name);
        }

        foreach (var t in git.Tags().OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            Refs(refs, t.TargetSha).Add(t.Name);
        }

        var paramsReader = new ParamsReader(source);
        var metricsReader = new MetricsReader(source);
        var columns = new Dictionary<(string Kind, string File, string Key), int>();
        var raw = new List<(ExperimentRow Row, Dictionary<(string, string, string), MetricValue> Values)>();
        var notes = new List<string>();
        foreach (var rev in revs)
        {
            var values = new Dictionary<(string, string, string), MetricValue>();
            foreach (var (kind, read) in new[] { ("param", paramsReader.Read(rev)), ("metric", metricsReader.Read(rev)) })
            {
                notes.AddRange(read.Notes.Where(n => !n.Contains(" is missing at ", StringComparison.Ordinal)));
                foreach (var (file, flat) in read.Files)
                {
                    if (flat is null)
                    {
                        continue;
                    }

                    foreach (var (key, value) in flat.Values)
                    {
                        values[(kind, file, key)] = value;
                        columns.TryAdd((kind, file, key), columns.Count);
                    }
                }
            }

            var info = rev.Sha is null ? null : git.GetCommit(rev.Sha);
            var row = new ExperimentRow(
                rev.Sha,
                rev.Sha is null ? RevisionRef.Workspace : rev.Sha[..7],
                info?.When,
                info?.Subject ?? string.Empty,
                rev.Sha is not null && refs.TryGetValue(rev.Sha, out var names) ? names : [],
                new Dictionary<string, MetricValue>());
            raw.Add((row, values));
        }

        var ordered = columns.Keys
            .OrderBy(c => c.Kind == "param" ? 0 : 1)
            .ThenBy(c => c.File, StringComparer.Ordinal)
            .ThenBy(c => c.Key, StringComparer.Ordinal)
            .ToList();
        var keyCount = ordered.GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var cols = ordered.Select(c => new ExperimentColumn(c.Kind, c.File, c.Key, keyCount[c.Key] > 1 ? $"{c.File}:{c.Key}" : c.Key)).ToList();
        var rows = raw.Select(r => r.Row with
        {
            Values = cols.Where(c => r.Values.ContainsKey((c.Kind, c.File, c.Key)))
                .ToDictionary(c => c.Label, c => r.Values[(c.Kind, c.File, c.Key)], StringComparer.Ordinal),
        }).ToList();
        return new ExperimentTable(cols, rows, notes.Distinct().ToList());
    }

    /// <summary>Keeps only the columns whose value is not the same in every row.</summary>
    public ExperimentTable OnlyChanged()
    {
        var keep = Columns.Where(c => Rows.Select(r => r.Values.TryGetValue(c.Label, out var v) ? v.Text : null).Distinct().Count() > 1).ToList();
        return new ExperimentTable(keep, Rows, Notes);
    }

    /// <summary>Sorts rows by a column (label or key): numbers numerically, text ordinally, missing values last.</summary>
    public ExperimentTable SortBy(string key, bool descending)
    {
        var col = Columns.FirstOrDefault(c => c.Label == key) ?? Columns.FirstOrDefault(c => c.Key == key)
            ?? Columns.FirstOrDefault(c => $"{c.File}:{c.Key}" == key);
        if (col is null && key is not ("date" or "commit"))
        {
            throw new GitMlException(
                $"cannot sort by '{key}': no such param or metric in these rows",
                Columns.Count == 0 ? "there are no params or metrics in the selected commits" : "columns: " + string.Join(", ", Columns.Take(20).Select(c => c.Label)),
                ExitCode.NotFound);
        }

        var present = Rows.Where(r => col is null || r.Values.ContainsKey(col.Label)).ToList();
        var missing = Rows.Where(r => col is not null && !r.Values.ContainsKey(col.Label)).ToList();
        var comparer = Comparer<ExperimentRow>.Create((a, b) =>
        {
            if (col is null)
            {
                return key == "date" ? Nullable.Compare(a.Date, b.Date) : string.CompareOrdinal(a.Name, b.Name);
            }

            var va = a.Values[col.Label];
            var vb = b.Values[col.Label];
            return va.Number is double x && vb.Number is double y ? x.CompareTo(y) : string.CompareOrdinal(va.Text, vb.Text);
        });
        var sorted = descending ? present.OrderByDescending(r => r, comparer) : present.OrderBy(r => r, comparer);
        return new ExperimentTable(Columns, sorted.Concat(missing).ToList(), Notes);
    }

    /// <summary>The date as shown in tables.</summary>
    public static string DateText(DateTimeOffset? date) =>
        date is { } d ? d.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : string.Empty;

    private static List<string> Refs(Dictionary<string, List<string>> refs, string sha)
    {
        if (!refs.TryGetValue(sha, out var list))
        {
            list = [];
            refs[sha] = list;
        }

        return list;
    }

    private static List<RevisionRef> Select(IGitPort git, ExperimentSelection selection)
    {
        var result = new List<RevisionRef>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(RevisionRef r)
        {
            if (seen.Add(r.Sha ?? RevisionRef.Workspace))
            {
                result.Add(r);
            }
        }

        foreach (var rev in selection.Revs)
        {
            if (rev == RevisionRef.Workspace)
            {
                Add(new RevisionRef(rev, null));
            }
            else if (rev.Contains("..", StringComparison.Ordinal))
            {
                foreach (var sha in Range(git, rev))
                {
                    Add(new RevisionRef(sha, sha));
                }
            }
            else
            {
                Add(new RevisionRef(rev, git.ResolveCommit(rev)));
            }
        }

        if (selection.AllBranches)
        {
            foreach (var (name, sha) in git.Branches().OrderBy(b => b.Key, StringComparer.Ordinal))
            {
                Add(new RevisionRef(name, sha));
            }
        }

        if (selection.AllTags)
        {
            foreach (var t in git.Tags().OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                Add(new RevisionRef(t.Name, t.TargetSha));
            }
        }

        if (selection.Revs.Count == 0 && !selection.AllBranches && !selection.AllTags)
        {
            var head = git.HeadSha ?? throw new GitMlException("the repository has no commits yet", "commit a run first, or pass 'workspace'", ExitCode.NotFound);
            foreach (var c in git.FirstParentLog(head, selection.Count > 0 ? selection.Count : int.MaxValue))
            {
                Add(new RevisionRef(c.Sha, c.Sha));
            }
        }
        else if (selection.Count > 0 && result.Count > selection.Count)
        {
            result.RemoveRange(selection.Count, result.Count - selection.Count);
        }

        return result;
    }

    /// <summary>Commits reachable from b but not from a (<c>a..b</c>; empty sides mean HEAD), newest first.</summary>
    private static List<string> Range(IGitPort git, string range)
    {
        var parts = range.Split("..", 2);
        var from = parts[0].Length == 0 ? "HEAD" : parts[0];
        var to = parts[1].Length == 0 ? "HEAD" : parts[1];
        var exclude = Ancestors(git, git.ResolveCommit(from), null);
        var commits = Ancestors(git, git.ResolveCommit(to), exclude);
        var firstParent = git.FirstParentLog(git.ResolveCommit(to), commits.Count).Select((c, i) => (c.Sha, i)).ToDictionary(x => x.Sha, x => x.i, StringComparer.Ordinal);
        return commits.Select(git.GetCommit)
            .OrderBy(c => firstParent.GetValueOrDefault(c.Sha, int.MaxValue))
            .ThenByDescending(c => c.When)
            .Select(c => c.Sha)
            .ToList();
    }

    private static HashSet<string> Ancestors(IGitPort git, string start, HashSet<string>? stopAt)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        stack.Push(start);
        while (stack.Count > 0)
        {
            var sha = stack.Pop();
            if ((stopAt is not null && stopAt.Contains(sha)) || !result.Add(sha))
            {
                continue;
            }

            foreach (var p in git.GetCommit(sha).Parents)
            {
                stack.Push(p);
            }
        }

        return result;
    }
}
