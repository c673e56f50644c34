using GitMl.Core.Pointers;

namespace GitMl.Core.Pipelines;

/// <summary>A stage with every path resolved to a repository-relative '/' path (wdir applied, validated).</summary>
public sealed record ResolvedStage
{
    /// <summary>The stage as written.</summary>
    public required StageDefinition Definition { get; init; }

    /// <summary>Stage name.</summary>
    public string Name => Definition.Name;

    /// <summary>Working directory, repository-relative ('' for the root).</summary>
    public required string Wdir { get; init; }

    /// <summary>Deps, repository-relative.</summary>
    public required IReadOnlyList<string> Deps { get; init; }

    /// <summary>Params with repository-relative file names.</summary>
    public required IReadOnlyList<ParamRef> Params { get; init; }

    /// <summary>Every out (cached outs, <c>-O</c> outs, metrics and plot files), repository-relative.</summary>
    public required IReadOnlyList<OutDefinition> Outs { get; init; }
}

/// <summary>
/// The DAG of a pipeline: stage B follows stage A when one of B's deps is, contains or lies inside one of A's outs.
/// Construction validates it: duplicate and overlapping outs, outs tracked by pointer files, cycles (named).
/// </summary>
public sealed class PipelineGraph
{
    private readonly Dictionary<string, List<string>> _upstream;
    private readonly Dictionary<string, List<string>> _downstream;

    private PipelineGraph(IReadOnlyList<ResolvedStage> stages, Dictionary<string, List<string>> upstream)
    {
        Stages = stages;
        _upstream = upstream;
        _downstream = stages.ToDictionary(s => s.Name, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var (stage, ups) in upstream)
        {
            foreach (var u in ups)
            {
                _downstream[u].Add(stage);
            }
        }
    }

    /// <summary>Stages in file order.</summary>
    public IReadOnlyList<ResolvedStage> Stages { get; }

    /// <summary>Looks up a stage by name.</summary>
    public ResolvedStage? Find(string name) => Stages.FirstOrDefault(s => s.Name == name);

    /// <summary>Stages whose outs the given stage depends on.</summary>
    public IReadOnlyList<string> Upstream(string stage) => _upstream[stage];

    /// <summary>
    /// Builds and validates the graph. <paramref name="workDir"/> is used to refuse outs that a pointer file tracks.
    /// </summary>
    public static PipelineGraph Build(PipelineFile pipeline, string workDir)
    {
        var stages = pipeline.Stages.Select(Resolve).ToList();
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in stages)
        {
            foreach (var o in s.Outs)
            {
                if (owner.TryGetValue(o.Path, out var other))
                {
                    throw Invalid(other == s.Name
                        ? $"stage '{s.Name}' lists the out '{o.Path}' twice"
                        : $"the out '{o.Path}' is claimed by two stages: '{other}' and '{s.Name}'",
                        "each path is produced by exactly one stage; rename one out or merge the stages");
                }

                foreach (var (path, st) in owner)
                {
                    if (Overlaps(path, o.Path))
                    {
                        throw Invalid(
                            $"the outs '{path}' (stage '{st}') and '{o.Path}' (stage '{s.Name}') overlap: one lies inside the other",
                            "give each stage its own output path");
                    }
                }

                owner[o.Path] = s.Name;
                if (File.Exists(Path.Combine(workDir, o.Path + PointerFile.Extension)))
                {
                    throw Invalid(
                        $"the out '{o.Path}' of stage '{s.Name}' is also tracked by the pointer file '{o.Path}{PointerFile.Extension}'",
                        $"stop tracking it with 'git ml remove {o.Path}' (the stage will produce it), or drop it from the stage's outs");
                }
            }
        }

        var upstream = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var s in stages)
        {
            var ups = new List<string>();
            foreach (var d in s.Deps)
            {
                foreach (var (path, st) in owner)
                {
                    if ((d == path || Overlaps(d, path)) && !ups.Contains(st))
                    {
                        ups.Add(st);
                    }
                }
            }

            upstream[s.Name] = ups;
        }

        var graph = new PipelineGraph(stages, upstream);
        graph.CheckCycles();
        return graph;
    }

    /// <summary>
    /// The stages to consider, in run order (upstream first, then file order). No targets: every stage. Targets: those
    /// stages and everything upstream of them; with <paramref name="downstream"/>, the targets and everything after them.
    /// </summary>
    public IReadOnlyList<ResolvedStage> Order(IReadOnlyList<string>? targets, bool downstream)
    {
        HashSet<string> wanted;
        if (targets is null || targets.Count == 0)
        {
            wanted = Stages.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        }
        else
        {
            foreach (var t in targets)
            {
                if (Find(t) is null)
                {
                    throw new GitMlException(
                        $"unknown stage '{t}'",
                        Stages.Count == 0 ? "gitml.yaml has no stages; add one with 'git ml stage add'" : "stages: " + string.Join(", ", Stages.Select(s => s.Name)),
                        ExitCode.NotFound);
                }
            }

            wanted = new HashSet<string>(StringComparer.Ordinal);
            var edges = downstream ? _downstream : _upstream;
            var stack = new Stack<string>(targets);
            while (stack.Count > 0)
            {
                var n = stack.Pop();
                if (wanted.Add(n))
                {
                    foreach (var next in edges[n])
                    {
                        stack.Push(next);
                    }
                }
            }
        }

        var result = new List<ResolvedStage>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        void Visit(ResolvedStage s)
        {
            if (!done.Add(s.Name))
            {
                return;
            }

            foreach (var u in _upstream[s.Name])
            {
                Visit(Find(u)!);
            }

            if (wanted.Contains(s.Name))
            {
                result.Add(s);
            }
        }

        foreach (var s in Stages)
        {
            Visit(s);
        }

        return result;
    }

    /// <summary>True when one '/' path equals or lies inside the other.</summary>
    public static bool Overlaps(string a, string b) =>
        a == b || a.StartsWith(b + "/", StringComparison.Ordinal) || b.StartsWith(a + "/", StringComparison.Ordinal);

    /// <summary>Resolves a stage's paths against its wdir, refusing paths that leave the repository.</summary>
    public static ResolvedStage Resolve(StageDefinition s)
    {
        var wdir = s.Wdir is null or "" or "." ? string.Empty : Normalize(s.Wdir, string.Empty, s.Name, "wdir");
        return new ResolvedStage
        {
            Definition = s,
            Wdir = wdir,
            Deps = s.Deps.Select(d => Normalize(d, wdir, s.Name, "dep")).Distinct(StringComparer.Ordinal).ToList(),
            Params = s.Params.Select(p => p with { File = Normalize(p.File, wdir, s.Name, "params file") }).ToList(),
            Outs = s.Outs.Select(o => o with { Path = Normalize(o.Path, wdir, s.Name, "out") })
                .Concat(s.Metrics.Select(m => new OutDefinition(Normalize(m, wdir, s.Name, "metrics file"), Cache: false)))
                .Concat(s.Plots.Select(p => new OutDefinition(Normalize(p.Path, wdir, s.Name, "plot file"), Cache: false)))
                .DistinctBy(o => o.Path)
                .ToList(),
        };
    }

    private static string Normalize(string path, string wdir, string stage, string what)
    {
        var p = path.Replace('\\', '/').TrimEnd('/');
        var parts = new List<string>(wdir.Length == 0 ? [] : wdir.Split('/'));
        foreach (var seg in p.Split('/'))
        {
            if (seg is "" or ".")
            {
                continue;
            }

            if (seg == "..")
            {
                if (parts.Count == 0)
                {
                    throw Invalid($"the {what} '{path}' of stage '{stage}' leaves the repository", "stage paths are relative to the repository root (or the stage's wdir)");
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(seg);
        }

        var result = string.Join('/', parts);
        if (path.StartsWith('/') || (result.Length == 0 && what != "wdir") || !SafePath.IsSafeRelative(result.Length == 0 ? "x" : result))
        {
            throw Invalid($"the {what} '{path}' of stage '{stage}' is not a path inside the repository", "stage paths are relative to the repository root (or the stage's wdir)");
        }

        var first = result.Split('/')[0];
        if (first is ".git" or GitMlRepository.DirName)
        {
            throw Invalid($"the {what} '{path}' of stage '{stage}' is inside {first}/", "stage paths name files of the work tree");
        }

        return result;
    }

    private void CheckCycles()
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<string>();
        void Dfs(string n)
        {
            state[n] = 1;
            path.Add(n);
            foreach (var u in _upstream[n])
            {
                if (state.GetValueOrDefault(u) == 1)
                {
                    // path holds the chain of "depends on" links; the cycle is from u back to u, shown in run order.
                    var cycle = path.Skip(path.IndexOf(u)).Append(u).Reverse().ToList();
                    throw Invalid(
                        $"the pipeline has a cycle: {string.Join(" -> ", cycle)}",
                        "a stage cannot depend (directly or through others) on its own outs; remove one of these deps");
                }

                if (state.GetValueOrDefault(u) == 0)
                {
                    Dfs(u);
                }
            }

            path.RemoveAt(path.Count - 1);
            state[n] = 2;
        }

        foreach (var s in Stages)
        {
            if (state.GetValueOrDefault(s.Name) == 0)
            {
                Dfs(s.Name);
            }
        }
    }

    private static GitMlException Invalid(string message, string hint) => new(message, hint, ExitCode.InvalidInput);
}
