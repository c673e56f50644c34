namespace GitMl.Chaos;

/// <summary>A repository (<c>repo/</c>) and its directory remote (<c>remote/</c>, configured as <c>../remote</c>) in one folder.</summary>
internal sealed class World
{
    public World(string root)
    {
        Root = root;
        Directory.CreateDirectory(Repo);
        Directory.CreateDirectory(RemoteDir);
    }

    public string Root { get; }

    public string Repo => Path.Combine(Root, "repo");

    public string RemoteDir => Path.Combine(Root, "remote");

    /// <summary>Copies the whole world (hard links and modes kept, so the cache stays as the CLI left it).</summary>
    public World CopyTo(string root)
    {
        Delete(root);
        Proc.Ok("cp", Path.GetDirectoryName(root)!, "-a", Root, root);
        return new World(root);
    }

    public static void Delete(string root)
    {
        if (Directory.Exists(root))
        {
            // Cached objects are read-only; rm -rf does not care.
            Proc.Run("rm", ["-rf", root], "/");
        }
    }
}
