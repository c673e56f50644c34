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
    private readonly Func<string, string?>? _env;

    /// <summary>Creates a fetcher for a repository's default remote.</summary>
    /// <param name="repo">The repository whose default remote and cache are used.</param>
    /// <param name="env">Reads credentials and endpoint variables (null: the process environment).</param>
    public RemoteObjectFetcher(GitMlRepository repo, Func<string, string?>? env = null)
    {
        _repo = repo;
        _env = env;
    }

    /// <summary>
    /// A fetcher when the repository has a default remote, else null (callers then explain that the object must be
    /// pulled first).
    /// </summary>
    public static IObjectFetcher? ForDefaultRemote(GitMlRepository repo, Func<string, string?>? env = null) =>
        repo.Config.DefaultRemote is null ? null : new RemoteObjectFetcher(repo, env);

    /// <inheritdoc />
    public async Task FetchAsync(IReadOnlyList<string> oids, CancellationToken cancellationToken)
    {
        var settings = new RemoteConfigService(_repo, _env).Resolve(null);
        using var remote = RemoteStorageFactory.Create(settings);
        var outs = oids.Select(oid => new TrackedOut("(artifact)", "artifact", new PointerOut { Path = "artifact", Oid = oid })).ToList();
        var result = await new TransferService(_repo.Cache).FetchAsync(outs, remote, settings.Jobs ?? TransferService.DefaultJobs, null, cancellationToken);
        result.ThrowIfIncomplete();
    }
}
