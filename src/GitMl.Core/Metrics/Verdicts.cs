using GitMl.Core.Pipelines;

namespace GitMl.Core.Metrics;

/// <summary>The judgement of one metric change under its <c>gitml.yaml</c> policy.</summary>
public enum Verdict
{
    /// <summary>No policy declares which direction is better.</summary>
    NoPolicy,

    /// <summary>The change is no larger than the tolerance.</summary>
    WithinTolerance,

    /// <summary>Moved in the better direction by more than the tolerance.</summary>
    Improved,

    /// <summary>Moved in the worse direction by more than the tolerance.</summary>
    Regressed,

    /// <summary>A policy exists but one side is missing or not a number, so nothing can be judged.</summary>
    NotComparable,
}

/// <summary>
/// Applies metric policies (<c>better: higher|lower</c>, <c>tolerance</c> absolute, <c>relative_tolerance</c> a
/// fraction of the old value's magnitude). With both tolerances the larger allowance wins, so a change must exceed
/// both to count. Without a tolerance any change counts.
/// </summary>
public static class Verdicts
{
    /// <summary>Finds the policy for a key: <c>path:key</c> first, then the bare key.</summary>
    public static MetricPolicy? FindPolicy(IReadOnlyDictionary<string, MetricPolicy> policies, string path, string key) =>
        policies.TryGetValue(path + ":" + key, out var exact) ? exact : policies.GetValueOrDefault(key);

    /// <summary>Judges a change from <paramref name="old"/> to <paramref name="new"/>.</summary>
    public static Verdict Judge(MetricPolicy? policy, double? old, double? @new)
    {
        if (policy is null)
        {
            return Verdict.NoPolicy;
        }

        if (old is not double o || @new is not double n || double.IsNaN(o) || double.IsNaN(n))
        {
            return Verdict.NotComparable;
        }

        var delta = n - o;
        var allowance = Math.Max(policy.Tolerance ?? 0, (policy.RelativeTolerance ?? 0) * Math.Abs(o));
        if (Math.Abs(delta) <= allowance + (Math.Abs(o) + Math.Abs(n)) * 1e-12)
        {
            return Verdict.WithinTolerance;
        }

        var better = policy.Better == "lower" ? delta < 0 : delta > 0;
        return better ? Verdict.Improved : Verdict.Regressed;
    }

    /// <summary>The word shown in tables and JSON.</summary>
    public static string Text(Verdict verdict) => verdict switch
    {
        Verdict.NoPolicy => "no policy",
        Verdict.WithinTolerance => "within tolerance",
        Verdict.Improved => "improved",
        Verdict.Regressed => "regressed",
        _ => "not comparable",
    };
}
