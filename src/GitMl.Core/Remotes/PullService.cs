using GitMl.Core.Pointers;

namespace GitMl.Core.Remotes;

/// <summary>What a pull did: the fetch, then the files written into the workspace.</summary>
/// <param name="Fetch">The fetch half.</param>
/// <param name="Checkout">The checkout half.</param>
public sealed record PullResult(TransferResult Fetch, FetchedCheckoutResult Checkout);

/// <summary><c>pull</c> = fetch + checkout of the fetched outs into the workspace.</summary>
public sealed class PullService
{
    private readonly GitMlRepository _repo;

    /// <summary>Creates the service for a repository.</summary>
    public PullService(GitMlRepository repo) => _repo = repo;

    /// <summary>Fetches the outs' objects, then writes the workspace files that are missing (never overwriting changes).</summary>
    public async Task<PullResult> PullAsync(IReadOnlyList<TrackedOut> outs, IRemoteStorage remote, int jobs, IProgress<WorkProgress>? progress, CancellationToken ct)
    {
        var fetch = await new TransferService(_repo.Cache).FetchAsync(outs, remote, jobs, progress, ct);

        // Only outs of the workspace are written: revisions from --all-* flags are fetched into the cache only.
        var workspaceOuts = PointerDiscovery.WorkspaceOuts(_repo.WorkDir).Select(o => (o.RepoPath, o.Out.Oid)).ToHashSet();
        var toWrite = outs.Where(o => workspaceOuts.Contains((o.RepoPath, o.Out.Oid))).ToList();

        // TODO(merge): use DataService checkout from issue 2
        var checkout = FetchedCheckout.WriteMissingFiles(_repo, toWrite);
        return new PullResult(fetch, checkout);
    }
}
