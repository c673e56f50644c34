using Microsoft.Extensions.Logging;

namespace GitMl.Core.Data;

/// <summary>
/// What the parts of one command's data work share: the repository, the state database and the linker (both loaded on
/// first use, once, whichever thread gets there first), progress and log.
/// </summary>
internal sealed class DataRun
{
    private StateDb? _state;
    private WorkspaceLinker? _linker;

    public DataRun(GitMlRepository repo, IProgress<WorkProgress>? progress, ILogger logger)
    {
        Repo = repo;
        Progress = progress;
        Logger = logger;
    }

    public GitMlRepository Repo { get; }

    public IProgress<WorkProgress>? Progress { get; }

    public ILogger Logger { get; }

    // Both are first touched inside parallel loops (hashing records state, checkout links files): one instance each,
    // or a link type dropped by one thread and the objects verified by another would be forgotten.
    public StateDb State => LazyInitializer.EnsureInitialized(ref _state, () => StateDb.Load(Repo.TmpDir));

    public WorkspaceLinker Linker => LazyInitializer.EnsureInitialized(ref _linker, () => new WorkspaceLinker(Repo.Cache, WorkspaceLinker.Parse(Repo.Config.CacheTypes)));

    /// <summary>Saves the state database if this run loaded it.</summary>
    public void SaveState() => _state?.Save();

    /// <summary>Runs <paramref name="body"/> for 0..count-1 on all cores; a failure surfaces as itself, not wrapped.</summary>
    public static void InParallel(int count, Action<int> body)
    {
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, body);
        }
        catch (AggregateException ex)
        {
            var first = ex.Flatten().InnerExceptions.OrderBy(e => e is GitMlException ? 0 : 1).First();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
    }

    /// <summary>Up to ten paths for an error message, then how many more.</summary>
    public static string Names(IReadOnlyList<string> paths) =>
        paths.Count <= 10 ? string.Join(", ", paths) : string.Join(", ", paths.Take(10)) + $" and {paths.Count - 10} more";
}
