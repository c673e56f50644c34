using GitMl.Core.Pipelines;

namespace GitMl.Core.Metrics;

/// <summary>
/// Everything <c>metrics diff</c>, <c>params diff</c> and <c>report</c> compute for two revs, in one place so the
/// commands and the report agree.
/// </summary>
/// <param name="Diff">The metrics diff, with verdicts when a policy exists.</param>
/// <param name="Steps">Step-series summaries for both revs, or null when not asked for.</param>
/// <param name="Notes">Missing files and skipped values.</param>
public sealed record MetricsComparison(DiffResult Diff, IReadOnlyList<StepSummary>? Steps, IReadOnlyList<string> Notes)
{
    /// <summary>
    /// The policies that judge a change: the new rev's <c>gitml.yaml</c> <c>metrics:</c>, or the old rev's when the new
    /// one declares none (a commit that deletes the policies must not silence the gate).
    /// </summary>
    public static IReadOnlyDictionary<string, MetricPolicy> Policies(RevisionSource source, RevisionRef oldRev, RevisionRef newRev)
    {
        var policies = source.Pipeline(newRev).MetricPolicies;
        return policies.Count > 0 ? policies : source.Pipeline(oldRev).MetricPolicies;
    }

    /// <summary>Compares the metrics of two revs (and their step series when <paramref name="steps"/>).</summary>
    public static MetricsComparison Run(RevisionSource source, RevisionRef oldRev, RevisionRef newRev, IReadOnlyList<string>? targets, bool all, bool steps)
    {
        var reader = new MetricsReader(source);
        var policies = Policies(source, oldRev, newRev);
        var oldValues = reader.Read(oldRev, targets);
        var newValues = reader.Read(newRev, targets);
        var diff = ValuesDiff.Compare(oldValues, newValues, all, policies);
        var notes = new List<string>(diff.Notes);
        IReadOnlyList<StepSummary>? summaries = null;
        if (steps)
        {
            summaries = new StepSeries(source).Summarize([oldRev, newRev], policies, notes);
        }

        return new MetricsComparison(diff, summaries, notes);
    }

    /// <summary>
    /// Compares the params of two revs; <paramref name="depsOnly"/> keeps params some stage (of either rev) uses.
    /// </summary>
    public static DiffResult Params(RevisionSource source, RevisionRef oldRev, RevisionRef newRev, IReadOnlyList<string>? targets, bool all, bool depsOnly)
    {
        var reader = new ParamsReader(source);
        Func<string, string, bool>? include = null;
        if (depsOnly)
        {
            var pipelines = new[] { source.Pipeline(oldRev), source.Pipeline(newRev) };
            include = (file, key) => pipelines.Any(p => ParamsReader.IsUsed(p, file, key));
        }

        return ValuesDiff.Compare(reader.Read(oldRev, targets), reader.Read(newRev, targets), all, policies: null, include);
    }
}
