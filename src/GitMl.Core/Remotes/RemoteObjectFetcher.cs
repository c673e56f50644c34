using GitMl.Core.Cache;
using GitMl.Core.Pointers;

namespace GitMl.Core.Remotes;

/// <summary>
/// Brings missing objects (files or whole directories) from the default remote into the cache, verified by oid,
/// for commands that read one artifact (<c>get</c>, <c>serve</c>) rather than a workspace's outs.
/// </summary>
public sealed class RemoteObjectFetcher : IObjectFetcher
{
    private readonly GitMlRepository _repo;

    /// <summary>Creates a fetcher for a repository's default remote.</summary>
    public RemoteObjectFetcher(GitMlRepository repo) => _repo = repo;

    /// <summary>
    /// A fetcher when the repository has a default remote, else null (callers then explain that the object must be
    /// pulled first).
    /// </summary>
    public static IObjectFetcher? ForDefaultRemote(GitMlRepository repo) =>
        repo.Config.DefaultRemote is null ? null : new RemoteObjectFetcher(repo);

    /// <inheritdoc />
    public async Task FetchAsync(IReadOnlyList<string> oids, CancellationToken cancellationToken)
    {
        var settings = new RemoteConfigService(_repo).Resolve(null);
        using var remote = RemoteStorageFactory.Create(settings);
        var outs = oids.Select(oid => new TrackedOut("(artifact)", "artifact", new PointerOut { Path = "artifact", Oid = oid })).ToList();
        var result = await new TransferService(_repo.Cache).FetchAsync(outs, remote, settings.Jobs ?? TransferService.DefaultJobs, null, cancellationToken);
        result.ThrowIfIncomplete();
    }
}
