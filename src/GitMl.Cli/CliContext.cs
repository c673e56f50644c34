using GitMl.Core;
using GitMl.Core.Cache;
using GitMl.Core.Remotes;

namespace GitMl.Cli;

/// <summary>What a command needs from the process: output writers, the working directory, and flags.</summary>
internal sealed class CliContext
{
    private readonly IReadOnlyDictionary<string, string>? _environment;

    public CliContext(TextWriter output, TextWriter error, string cwd, bool errorIsTerminal, IReadOnlyDictionary<string, string>? environment = null)
    {
        Out = output;
        Err = error;
        Cwd = cwd;
        ErrorIsTerminal = errorIsTerminal;
        _environment = environment;

        // serve re-opens the repository for each resolve; the fetcher must still read this command's environment.
        ObjectFetcherFactory = repo => RemoteObjectFetcher.ForDefaultRemote(Adopt(repo));
    }

    /// <summary>An environment variable: the overlay given to <see cref="Program.Run"/> first, then the process's.</summary>
    public string? GetEnvironmentVariable(string name) =>
        _environment is not null && _environment.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable(name);

    public TextWriter Out { get; }

    public TextWriter Err { get; }

    /// <summary>Directory the command runs in (tests pass a temp repo; never Environment.CurrentDirectory in Core).</summary>
    public string Cwd { get; }

    /// <summary>True when stderr is a terminal: only then are progress bars drawn.</summary>
    public bool ErrorIsTerminal { get; }

    public bool Verbose { get; set; }

    /// <summary>
    /// Builds the fetcher that brings missing objects from the default remote (wired by the remotes code); null means
    /// no remote support, and commands that need a missing object say to run 'git ml pull'.
    /// </summary>
    public Func<GitMlRepository, IObjectFetcher?> ObjectFetcherFactory { get; set; }

    /// <summary>Prints a diagnostic line to stderr when <c>--verbose</c> is on.</summary>
    public void Debug(string message)
    {
        if (Verbose)
        {
            Err.WriteLine("debug: " + message);
        }
    }

    /// <summary>Prints a warning line to stderr.</summary>
    public void Warn(string message) => Err.WriteLine("warning: " + message);

    /// <summary>A progress sink: a redrawn bar on a terminal, nothing otherwise.</summary>
    public IProgress<WorkProgress>? Progress() => ErrorIsTerminal ? new TerminalProgress(Err) : null;

    /// <summary>Opens the repository containing <see cref="Cwd"/>.</summary>
    public GitMlRepository OpenRepository() => Adopt(GitMlRepository.Open(Cwd));

    /// <summary>Makes every service on <paramref name="repo"/> read remote credentials and endpoints through this command's overlay.</summary>
    private GitMlRepository Adopt(GitMlRepository repo)
    {
        repo.Environment = GetEnvironmentVariable;
        return repo;
    }

    /// <summary>Takes the repository lock, telling the user when it has to wait.</summary>
    public RepoLock Lock(GitMlRepository repo, string command) =>
        repo.Lock(command, msg => Err.WriteLine("note: " + msg), GitMlRepository.LockTimeoutFrom(GetEnvironmentVariable("GITML_LOCK_TIMEOUT")));
}
