namespace GitMl.Core.Cache;

/// <summary>
/// Brings objects that are missing from the local cache into it (from the default remote). Commands that read a
/// registered artifact call it only for oids the cache lacks; implementations must store objects verified by oid.
/// </summary>
public interface IObjectFetcher
{
    /// <summary>Downloads <paramref name="oids"/> into the local cache; throws <see cref="GitMlException"/> on failure.</summary>
    Task FetchAsync(IReadOnlyList<string> oids, CancellationToken cancellationToken);
}
