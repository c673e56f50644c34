using GitMl.Core.Cache;
using GitMl.Core.Config;
using GitMl.Core.Git;

namespace GitMl.Core;

/// <summary>
/// A Git work tree with a <c>.gitml</c> folder: where its cache, temp folder, config and Git port are.
/// Commands open one, take its lock when they write, and hand it to Core services.
/// </summary>
public sealed class GitMlRepository : IDisposable
{
    /// <summary>Name of the GitMl folder at the work tree root.</summary>
    public const string DirName = ".gitml";

    private IGitPort? _git;
    private GitMlConfig? _config;

    private GitMlRepository(string workDir)
    {
        WorkDir = workDir;
        GitMlDir = Path.Combine(workDir, DirName);
        TmpDir = Path.Combine(GitMlDir, "tmp");
        Cache = new ObjectStore(Path.Combine(GitMlDir, "cache"), TmpDir);
    }

    /// <summary>Work tree root (full path).</summary>
    public string WorkDir { get; }

    /// <summary>The <c>.gitml</c> folder.</summary>
    public string GitMlDir { get; }

    /// <summary><c>.gitml/tmp</c>: partial writes, lock, state database.</summary>
    public string TmpDir { get; }

    /// <summary>The local object cache.</summary>
    public ObjectStore Cache { get; }

    /// <summary>Merged config (reloaded by <see cref="ReloadConfig"/>).</summary>
    public GitMlConfig Config => _config ??= GitMlConfig.Load(GitMlDir);

    /// <summary>
    /// Reads environment variables for the services working on this repository (remote credentials and endpoints):
    /// the process environment unless the opener gives another, as the CLI does with its per-command overlay.
    /// </summary>
    public Func<string, string?> Environment { get; set; } = System.Environment.GetEnvironmentVariable;

    /// <summary>The Git port (opened on first use).</summary>
    public IGitPort Git => _git ??= new LibGit2Port(WorkDir);

    /// <summary>Finds the Git work tree containing <paramref name="startDir"/>; throws when there is none.</summary>
    public static string FindWorkDir(string startDir) => LibGit2Port.DiscoverWorkDir(startDir) ?? throw new GitMlException(
        $"not inside a Git repository: {startDir}",
        "run 'git init' first (or cd into your repository), then 'git ml init'",
        ExitCode.NotInitialized);

    /// <summary>Opens the GitMl repository containing <paramref name="startDir"/>.</summary>
    public static GitMlRepository Open(string startDir)
    {
        var workDir = FindWorkDir(startDir);
        if (!Directory.Exists(Path.Combine(workDir, DirName)))
        {
            throw new GitMlException(
                $"GitMl is not initialized in {workDir} (no {DirName}/ folder)",
                "run 'git ml init' at the repository root",
                ExitCode.NotInitialized);
        }

        return new GitMlRepository(workDir);
    }

    /// <summary>Creates <c>.gitml/</c> (config, .gitignore) in the Git work tree containing <paramref name="startDir"/>. Idempotent.</summary>
    public static GitMlRepository Init(string startDir)
    {
        var workDir = FindWorkDir(startDir);
        var repo = new GitMlRepository(workDir);
        Directory.CreateDirectory(repo.GitMlDir);
        Directory.CreateDirectory(repo.Cache.Root);
        Directory.CreateDirectory(repo.TmpDir);
        var ignore = Path.Combine(repo.GitMlDir, ".gitignore");
        if (!File.Exists(ignore))
        {
            AtomicFile.WriteAllText(ignore, "/config.local\n/cache/\n/tmp/\n");
        }

        var config = Path.Combine(repo.GitMlDir, "config");
        if (!File.Exists(config))
        {
            AtomicFile.WriteAllText(config, string.Empty);
        }

        return repo;
    }

    /// <summary>
    /// Takes the repository lock (see <see cref="RepoLock"/>), waiting up to <paramref name="timeout"/> (default 30
    /// seconds; the CLI reads <c>GITML_LOCK_TIMEOUT</c> through <see cref="LockTimeoutFrom"/>).
    /// </summary>
    public RepoLock Lock(string command, Action<string>? onWait = null, TimeSpan? timeout = null)
    {
        var held = RepoLock.Acquire(TmpDir, command, timeout ?? LockTimeoutFrom(null), onWait);
        var swept = TempSweeper.Sweep(this, includeWorkspace: held.RecoveredStale);
        if (swept > 0)
        {
            onWait?.Invoke($"removed {swept} temp file(s) left by an interrupted git ml run");
        }

        return held;
    }

    /// <summary>
    /// The lock wait a <c>GITML_LOCK_TIMEOUT</c> value (seconds, fractions allowed) asks for; 30 seconds when it is unset
    /// or not a non-negative number.
    /// </summary>
    public static TimeSpan LockTimeoutFrom(string? seconds) =>
        double.TryParse(seconds, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) && s >= 0 && s < 86_400
            ? TimeSpan.FromSeconds(s)
            : TimeSpan.FromSeconds(30);

    /// <summary>Drops the cached config so the next access re-reads it.</summary>
    public void ReloadConfig() => _config = null;

    /// <summary>
    /// Converts a user-given path (relative to <paramref name="cwd"/> or absolute) into a '/'-separated path relative to
    /// the work tree, refusing anything outside it or inside <c>.git</c>/<c>.gitml</c>.
    /// </summary>
    public string ToRepoRelative(string userPath, string cwd)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(cwd, userPath)));
        SafePath.EnsureInside(WorkDir, full, "argument");
        var rel = SafePath.ToPortable(Path.GetRelativePath(WorkDir, full));
        if (rel == "." || rel.Length == 0)
        {
            throw new GitMlException("cannot track the repository root itself", "name a file or folder inside it", ExitCode.InvalidInput);
        }

        var first = rel.Split('/')[0];
        if (first is ".git" or DirName)
        {
            throw new GitMlException($"'{rel}' is inside {first}/, which GitMl does not track", null, ExitCode.InvalidInput);
        }

        return rel;
    }

    /// <summary>Full OS path of a repository-relative '/' path (validated).</summary>
    public string FullPath(string repoRelative) => SafePath.ResolveUnder(WorkDir, repoRelative, "repository path");

    /// <inheritdoc />
    public void Dispose() => _git?.Dispose();
}
