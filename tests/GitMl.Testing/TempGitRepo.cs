using LibGit2Sharp;

namespace GitMl.Testing;

/// <summary>
/// A real Git repository in a fresh temp folder, on branch <c>main</c>, with a test identity; deleted on dispose.
/// </summary>
public sealed class TempGitRepo : IDisposable
{
    private TempGitRepo(string root) => Root = root;

    /// <summary>The work tree root.</summary>
    public string Root { get; }

    /// <summary>Creates an empty repository.</summary>
    public static TempGitRepo Create()
    {
        var root = TempDir.Create("repo");
        Repository.Init(root);
        using (var repo = new Repository(root))
        {
            repo.Config.Set("user.name", "GitMl Test", ConfigurationLevel.Local);
            repo.Config.Set("user.email", "test@gitml.invalid", ConfigurationLevel.Local);
            repo.Refs.UpdateTarget("HEAD", "refs/heads/main");
        }

        return new TempGitRepo(root);
    }

    /// <summary>Full path of a repository-relative path.</summary>
    public string PathOf(string rel) => System.IO.Path.Combine(Root, rel.Replace('/', System.IO.Path.DirectorySeparatorChar));

    /// <summary>Writes a text file (creating folders).</summary>
    public string Write(string rel, string content)
    {
        var path = PathOf(rel);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Writes a binary file (creating folders).</summary>
    public string WriteBytes(string rel, byte[] content)
    {
        var path = PathOf(rel);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Stages everything (<c>git add -A</c>) and commits; returns the sha.</summary>
    public string CommitAll(string message)
    {
        using var repo = new Repository(Root);
        Commands.Stage(repo, "*");
        var sig = new Signature("GitMl Test", "test@gitml.invalid", DateTimeOffset.Now);
        return repo.Commit(message, sig, sig, new CommitOptions { AllowEmptyCommit = true }).Sha;
    }

    /// <summary>Runs the real <c>git</c> executable in the repository and returns stdout; throws on failure.</summary>
    public string Git(params string[] args) => ProcessRunner.Run("git", args, Root).StdOut;

    /// <inheritdoc />
    public void Dispose() => TempDir.Delete(Root);
}
