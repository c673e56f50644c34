namespace GitMl.Core.Remotes;

/// <summary>What the checkout half of <c>pull</c> did.</summary>
/// <param name="Written">Files written from the cache.</param>
/// <param name="Unchanged">Files already holding the pointer's bytes.</param>
/// <param name="KeptModified">Tracked paths whose workspace changes are not in the cache and were left alone.</param>
/// <param name="NotInCache">Outs that could not be written because their objects are not in the cache.</param>
public sealed record FetchedCheckoutResult(int Written, int Unchanged, IReadOnlyList<string> KeptModified, int NotInCache);
