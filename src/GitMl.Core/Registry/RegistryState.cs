using GitMl.Core.Git;

namespace GitMl.Core.Registry;

/// <summary>One registry event, read from one annotated tag.</summary>
/// <param name="Artifact">Artifact name.</param>
/// <param name="Action">What happened.</param>
/// <param name="Version">The version concerned: the tag's own for register/deregister; for assign/unassign the version
/// registered at the tagged commit, else the commit sha (as GTO does).</param>
/// <param name="Stage">Stage for assign/unassign.</param>
/// <param name="Commit">Tagged commit.</param>
/// <param name="Tag">Tag name.</param>
/// <param name="When">Tagger time.</param>
/// <param name="Author">Tagger name.</param>
/// <param name="AuthorEmail">Tagger email.</param>
/// <param name="Message">Full tag message.</param>
/// <param name="Counter">The tag's <c>#N</c>, if any.</param>
public sealed record RegistryEvent(
    string Artifact,
    RegistryAction Action,
    string? Version,
    string? Stage,
    string Commit,
    string Tag,
    DateTimeOffset When,
    string? Author,
    string? AuthorEmail,
    string Message,
    int? Counter);

/// <summary>A registered version as of some time.</summary>
/// <param name="Version">Version name (<c>v1.2.3</c>).</param>
/// <param name="Commit">Commit it was registered on.</param>
/// <param name="Registration">The register event.</param>
/// <param name="Deregistered">True when a deregister tag withdrew it.</param>
/// <param name="Record">What GitMl recorded in the message (null for tags written by GTO).</param>
/// <param name="Stages">Stages this version holds.</param>
public sealed record VersionState(
    string Version,
    string Commit,
    RegistryEvent Registration,
    bool Deregistered,
    ArtifactRecord? Record,
    IReadOnlyList<string> Stages);

/// <summary>An artifact's registry state at one point in time.</summary>
/// <param name="Name">Artifact name.</param>
/// <param name="Versions">Registered versions, highest first (deregistered ones included, flagged).</param>
/// <param name="Latest">Highest active version, or null.</param>
/// <param name="StageVersions">Stage → version name holding it (a commit sha when the version was never registered).</param>
/// <param name="StageCommits">Stage → commit holding it.</param>
/// <param name="Deprecated">True when the artifact was deprecated and not registered again since.</param>
public sealed record ArtifactSnapshot(
    string Name,
    IReadOnlyList<VersionState> Versions,
    VersionState? Latest,
    IReadOnlyDictionary<string, string> StageVersions,
    IReadOnlyDictionary<string, string> StageCommits,
    bool Deprecated);

/// <summary>
/// The registry read from Git tags: every event per artifact in time order, and snapshots at any time. Events are
/// ordered by tagger time (seconds), then by kind (registrations, then stage moves, then deregistrations and
/// deprecations, the order in which they can be made), then by counter, which keeps tags created in the same second
/// in the order they were made.
/// </summary>
public sealed class RegistryState
{
    private readonly Dictionary<string, List<RegistryEvent>> _events;

    private RegistryState(Dictionary<string, List<RegistryEvent>> events, IReadOnlyDictionary<string, int> maxCounters, IReadOnlySet<string> tagNames)
    {
        _events = events;
        MaxCounters = maxCounters;
        TagNames = tagNames;
    }

    /// <summary>Artifact names, sorted.</summary>
    public IReadOnlyList<string> Artifacts => _events.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>Highest <c>#N</c> used by any tag of each artifact (GTO counts lightweight tags too).</summary>
    public IReadOnlyDictionary<string, int> MaxCounters { get; }

    /// <summary>Every tag name in the repository.</summary>
    public IReadOnlySet<string> TagNames { get; }

    /// <summary>Reads every registry tag. Lightweight tags are ignored for events, as GTO ignores them.</summary>
    public static RegistryState Load(IGitPort git) => FromTags(git.Tags());

    /// <summary>Builds the state from a list of tags.</summary>
    public static RegistryState FromTags(IReadOnlyList<GitTagInfo> tags)
    {
        var parsed = new List<(GitTagInfo Tag, RegistryTag Name)>();
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tags)
        {
            names.Add(t.Name);
            var p = RegistryTagName.TryParse(t.Name);
            if (p is null)
            {
                continue;
            }

            if (p.Counter is { } c)
            {
                counters[p.Artifact] = Math.Max(counters.GetValueOrDefault(p.Artifact), c);
            }

            if (t.IsAnnotated && t.When is not null)
            {
                parsed.Add((t, p));
            }
        }

        // Versions first, so stage tags can name the version registered at their commit, as GTO indexes them.
        var versionAtCommit = new Dictionary<(string, string), string>();
        foreach (var (t, p) in parsed.Where(x => x.Name.Action == RegistryAction.Register).OrderBy(x => x.Tag.When))
        {
            versionAtCommit.TryAdd((p.Artifact, t.TargetSha), p.Version!);
        }

        var events = new Dictionary<string, List<RegistryEvent>>(StringComparer.Ordinal);
        foreach (var (t, p) in parsed)
        {
            var version = p.Action is RegistryAction.Assign or RegistryAction.Unassign
                ? versionAtCommit.GetValueOrDefault((p.Artifact, t.TargetSha), t.TargetSha)
                : p.Version;
            if (!events.TryGetValue(p.Artifact, out var list))
            {
                events[p.Artifact] = list = [];
            }

            list.Add(new RegistryEvent(p.Artifact, p.Action, version, p.Stage, t.TargetSha, t.Name, t.When!.Value, t.TaggerName, t.TaggerEmail, t.Message ?? string.Empty, p.Counter));
        }

        foreach (var list in events.Values)
        {
            list.Sort(CompareEvents);
        }

        return new RegistryState(events, counters, names);
    }

    /// <summary>Events of one artifact (or all), oldest first.</summary>
    public IReadOnlyList<RegistryEvent> History(string? artifact = null)
    {
        if (artifact is not null)
        {
            return _events.TryGetValue(artifact, out var list) ? list : [];
        }

        var all = _events.Values.SelectMany(l => l).ToList();
        all.Sort(CompareEvents);
        return all;
    }

    /// <summary>True when the artifact has any event.</summary>
    public bool Contains(string artifact) => _events.ContainsKey(artifact);

    /// <summary>The artifact's state as of <paramref name="asOf"/> (null: now).</summary>
    public ArtifactSnapshot Snapshot(string artifact, DateTimeOffset? asOf = null)
    {
        var versions = new Dictionary<string, (RegistryEvent Reg, bool Deregistered)>(StringComparer.Ordinal);

        // Per stage, the versions assigned to it in assignment order; the last active one holds the stage.
        var stageQueues = new Dictionary<string, List<(string Version, string Commit)>>(StringComparer.Ordinal);
        var deprecated = false;
        foreach (var e in History(artifact))
        {
            if (asOf is not null && e.When > asOf.Value)
            {
                break;
            }

            switch (e.Action)
            {
                case RegistryAction.Register:
                    versions.TryAdd(e.Version!, (e, false));
                    deprecated = false;
                    break;
                case RegistryAction.Deregister:
                    if (versions.TryGetValue(e.Version!, out var v))
                    {
                        versions[e.Version!] = (v.Reg, true);
                    }

                    foreach (var q in stageQueues.Values)
                    {
                        q.RemoveAll(x => x.Version == e.Version);
                    }

                    break;
                case RegistryAction.Assign:
                    var queue = stageQueues.TryGetValue(e.Stage!, out var existing) ? existing : stageQueues[e.Stage!] = [];
                    queue.RemoveAll(x => x.Version == e.Version);
                    queue.Add((e.Version!, e.Commit));
                    break;
                case RegistryAction.Unassign:
                    if (stageQueues.TryGetValue(e.Stage!, out var uq))
                    {
                        uq.RemoveAll(x => x.Version == e.Version);
                    }

                    break;
                case RegistryAction.Deprecate:
                    deprecated = true;
                    break;
            }
        }

        var stageVersions = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var stageCommits = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (stage, queue) in stageQueues)
        {
            if (queue.Count > 0)
            {
                stageVersions[stage] = queue[^1].Version;
                stageCommits[stage] = queue[^1].Commit;
            }
        }

        var states = versions
            .Select(kv => new VersionState(
                kv.Key,
                kv.Value.Reg.Commit,
                kv.Value.Reg,
                kv.Value.Deregistered,
                RegistryTagMessage.Parse(kv.Value.Reg.Message),
                stageVersions.Where(s => s.Value == kv.Key).Select(s => s.Key).ToList()))
            .OrderByDescending(s => SemVer.TryParse(s.Version), Comparer<SemVer?>.Default)
            .ToList();
        var latest = states.FirstOrDefault(s => !s.Deregistered);
        return new ArtifactSnapshot(artifact, states, latest, stageVersions, stageCommits, deprecated);
    }

    /// <summary>Next <c>#N</c> for a new counted tag of <paramref name="artifact"/>: the highest in use plus one.</summary>
    public int NextCounter(string artifact) => MaxCounters.GetValueOrDefault(RegistryTagName.InTag(artifact).Replace('=', ':')) + 1;

    private static int Priority(RegistryAction a) => a switch
    {
        RegistryAction.Register => 0,
        RegistryAction.Assign or RegistryAction.Unassign => 1,
        RegistryAction.Deregister => 2,
        _ => 3,
    };

    private static int CompareEvents(RegistryEvent a, RegistryEvent b)
    {
        var c = a.When.ToUnixTimeSeconds().CompareTo(b.When.ToUnixTimeSeconds());
        if (c == 0)
        {
            c = Priority(a.Action).CompareTo(Priority(b.Action));
        }

        if (c == 0)
        {
            c = (a.Counter ?? 0).CompareTo(b.Counter ?? 0);
        }

        return c != 0 ? c : string.CompareOrdinal(a.Tag, b.Tag);
    }
}
