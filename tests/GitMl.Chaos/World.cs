namespace GitMl.Chaos;

/// <summary>
/// A repository (<c>repo/</c>) and its remote in one folder: a directory remote (<c>remote/</c>, configured as
/// <c>../remote</c>), or with <c>--s3</c> a bucket of its own on the harness's moto server (configured in
/// <c>.gitml/config.local</c>, so a copy can be pointed at its own bucket).
/// </summary>
internal sealed class World
{
    public World(string root, S3Store? s3)
    {
        Root = root;
        S3 = s3;
        Directory.CreateDirectory(Repo);
        Directory.CreateDirectory(RemoteDir);
        if (s3 is not null)
        {
            Bucket = S3Store.BucketFor(root);
        }
    }

    public string Root { get; }

    public string Repo => Path.Combine(Root, "repo");

    public string RemoteDir => Path.Combine(Root, "remote");

    /// <summary>The moto server when this world's remote is S3.</summary>
    public S3Store? S3 { get; }

    /// <summary>This world's bucket (S3 worlds only).</summary>
    public string? Bucket { get; }

    /// <summary>Prefix of the objects inside the bucket, as the remote URL names it.</summary>
    public const string Prefix = "gitml";

    /// <summary>Makes an S3 world's bucket exist and empty (a fresh world).</summary>
    public World Fresh()
    {
        if (S3 is not null)
        {
            S3.ResetBucket(Bucket!);
        }

        return this;
    }

    /// <summary>
    /// Copies the whole world (hard links and modes kept, so the cache stays as the CLI left it); an S3 world's bucket
    /// is copied into the new world's bucket and the copy's config is pointed at it.
    /// </summary>
    public World CopyTo(string root)
    {
        Delete(root);
        Proc.Ok("cp", Path.GetDirectoryName(root)!, "-a", Root, root);
        var copy = new World(root, S3);
        if (S3 is not null)
        {
            S3.CopyBucket(Bucket!, copy.Bucket!);
            var local = Path.Combine(copy.Repo, ".gitml", "config.local");
            File.WriteAllText(local, File.ReadAllText(local).Replace(Bucket!, copy.Bucket!, StringComparison.Ordinal));
        }

        return copy;
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
