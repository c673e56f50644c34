using System.Text;
using GitMl.Core.Cache;
using GitMl.Core.Pointers;
using GitMl.Core.Registry;
using GitMl.Testing;

namespace GitMl.Core.Tests.Registry;

public class ArtifactResolverTests
{
    [Fact]
    public async Task WriteTo_ObjectOnlyOnRemote_FetchesThroughFetcherAndWritesVerifiedBytes()
    {
        // Given a committed pointer whose object is only in a directory "remote"
        using var t = new Setup();
        var oid = t.CommitPointerWithRemoteObject("model.onnx", Encoding.UTF8.GetBytes("remote bytes"));
        var fetcher = new DirectoryFetcher(t.RemoteRoot, t.Repo.Cache);
        var resolver = new ArtifactResolver(t.Repo);

        // When the rev:path reference is written out
        var location = resolver.Resolve("HEAD:model.onnx");
        var dest = Path.Combine(t.Git.Root, "out", "m.onnx");
        await resolver.WriteToAsync(location, dest, fetcher, CancellationToken.None);

        // Then the fetcher was asked for exactly that oid and the bytes arrived intact
        Assert.Equal([oid], fetcher.Requested);
        Assert.Equal("remote bytes", File.ReadAllText(dest));
        Assert.True(t.Repo.Cache.Contains(oid));
    }

    [Fact]
    public async Task WriteTo_RemoteObjectCorrupted_FailsAndWritesNothing()
    {
        // Given a remote whose copy of the object has other bytes
        using var t = new Setup();
        var oid = t.CommitPointerWithRemoteObject("model.onnx", Encoding.UTF8.GetBytes("good"));
        File.SetAttributes(Path.Combine(t.RemoteRoot, Core.Hashing.Oid.StoragePath(oid)), FileAttributes.Normal);
        File.WriteAllText(Path.Combine(t.RemoteRoot, Core.Hashing.Oid.StoragePath(oid)), "evil");
        var resolver = new ArtifactResolver(t.Repo);
        var dest = Path.Combine(t.Git.Root, "m.onnx");

        // When it is fetched and written
        var ex = await Assert.ThrowsAsync<GitMlException>(() =>
            resolver.WriteToAsync(resolver.Resolve("HEAD:model.onnx"), dest, new DirectoryFetcher(t.RemoteRoot, t.Repo.Cache), CancellationToken.None));

        // Then the corruption is reported and neither the cache nor the destination holds the bad bytes
        Assert.Equal(ExitCode.Corrupted, ex.ExitCode);
        Assert.False(t.Repo.Cache.Contains(oid));
        Assert.False(File.Exists(dest));
    }

    [Fact]
    public async Task WriteTo_TrackedDirectory_WritesEveryFileOfItsManifest()
    {
        // Given a tracked directory (manifest + two files) in the cache
        using var t = new Setup();
        var a = t.Repo.Cache.PutBytes(Encoding.UTF8.GetBytes("A"));
        var b = t.Repo.Cache.PutBytes(Encoding.UTF8.GetBytes("BB"));
        var manifest = new DirectoryManifest([new ManifestEntry("a.txt", a, 1), new ManifestEntry("sub/b.txt", b, 2)]);
        var dirOid = t.Repo.Cache.PutManifest(manifest);
        t.Git.Write("models.gitml", new PointerFile([new PointerOut { Path = "models", Oid = dirOid, Size = 3, NFiles = 2 }]).ToYaml());
        t.Git.CommitAll("dir");
        var resolver = new ArtifactResolver(t.Repo);

        // When it is written out
        var dest = Path.Combine(t.Git.Root, "copy");
        await resolver.WriteToAsync(resolver.Resolve("HEAD:models"), dest, null, CancellationToken.None);

        // Then the folder holds both files
        Assert.Equal("A", File.ReadAllText(Path.Combine(dest, "a.txt")));
        Assert.Equal("BB", File.ReadAllText(Path.Combine(dest, "sub", "b.txt")));
    }

    [Fact]
    public void Resolve_FileCommittedToGitItself_IsLocatedWithItsBlake3Oid()
    {
        // Given a model committed to Git directly (not tracked by GitMl)
        using var t = new Setup();
        t.Git.Write("small.onnx", "tiny");
        t.Git.CommitAll("plain");

        // When its reference is resolved
        var location = new ArtifactResolver(t.Repo).Resolve("HEAD:small.onnx");

        // Then it carries the BLAKE3 oid of the blob and its size
        Assert.Equal(Core.Hashing.Blake3Hasher.Hash(Encoding.UTF8.GetBytes("tiny")), location.Oid);
        Assert.Equal(4, location.Size);
        Assert.NotNull(location.GitBlobId);
    }

    private sealed class Setup : IDisposable
    {
        public Setup()
        {
            Git = TempGitRepo.Create();
            Repo = GitMlRepository.Init(Git.Root);
            RemoteRoot = TempDir.Create("remote");
        }

        public TempGitRepo Git { get; }

        public GitMlRepository Repo { get; }

        public string RemoteRoot { get; }

        public string CommitPointerWithRemoteObject(string path, byte[] bytes)
        {
            var remote = new ObjectStore(RemoteRoot, Path.Combine(RemoteRoot, "tmp"));
            var oid = remote.PutBytes(bytes);
            Git.Write(path + PointerFile.Extension, new PointerFile([new PointerOut { Path = path, Oid = oid, Size = bytes.Length }]).ToYaml());
            Git.CommitAll("pointer");
            return oid;
        }

        public void Dispose()
        {
            Repo.Dispose();
            Git.Dispose();
            TempDir.Delete(RemoteRoot);
        }
    }

    /// <summary>A real fetcher over a directory laid out like a remote (b3/xx/…), storing verified copies.</summary>
    private sealed class DirectoryFetcher(string root, ObjectStore cache) : IObjectFetcher
    {
        public List<string> Requested { get; } = [];

        public Task FetchAsync(IReadOnlyList<string> oids, CancellationToken cancellationToken)
        {
            foreach (var oid in oids)
            {
                Requested.Add(oid);
                using var s = File.OpenRead(Path.Combine(root, Core.Hashing.Oid.StoragePath(oid)));
                cache.PutStream(s, oid, "directory remote");
            }

            return Task.CompletedTask;
        }
    }
}
