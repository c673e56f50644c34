using GitMl.Core;
using GitMl.Core.Cache;
using GitMl.Core.Hashing;
using GitMl.Core.Registry;

namespace GitMl.Serving.Inference;

/// <summary>
/// A model named by a registry reference (<c>name@v1.2.3</c>, <c>name@latest</c>, <c>name#prod</c>, <c>rev:path</c>) in a
/// GitMl repository. Each resolve opens the repository afresh so moved stage tags are seen.
/// </summary>
public sealed class RegistryModelSource : IModelSource
{
    private readonly string _workDir;
    private readonly string _name;
    private readonly Func<GitMlRepository, IObjectFetcher?> _fetcherFactory;

    /// <summary>Creates the source.</summary>
    public RegistryModelSource(string workDir, string reference, string name, Func<GitMlRepository, IObjectFetcher?>? fetcherFactory = null)
    {
        _workDir = workDir;
        Reference = reference;
        _name = name;
        _fetcherFactory = fetcherFactory ?? (_ => null);
    }

    /// <inheritdoc />
    public string Reference { get; }

    /// <summary>The name a reference gives a model: the artifact name, else the file name without extension.</summary>
    public static string DefaultName(string reference)
    {
        var at = reference.IndexOfAny(['@', '#']);
        if (at > 0 && RegistryTagName.IsValidArtifactName(reference[..at]))
        {
            return reference[..at].Replace(':', '-').Replace('/', '-');
        }

        var path = reference[(reference.IndexOf(':') + 1)..];
        var stem = Path.GetFileNameWithoutExtension(path);
        return string.IsNullOrEmpty(stem) ? "model" : stem;
    }

    /// <inheritdoc />
    public Task<ModelIdentity> ResolveAsync(CancellationToken cancellationToken)
    {
        using var repo = GitMlRepository.Open(_workDir);
        var location = new ArtifactResolver(repo).Resolve(Reference);
        return Task.FromResult(new ModelIdentity(_name, Reference, location.Commit, location.Oid, location.Size, location.Version, location));
    }

    /// <inheritdoc />
    public async Task<byte[]> ReadAsync(ModelIdentity identity, CancellationToken cancellationToken)
    {
        using var repo = GitMlRepository.Open(_workDir);
        var location = (ArtifactLocation)identity.SourceToken!;
        return await new ArtifactResolver(repo).ReadBytesAsync(location, _fetcherFactory(repo), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>A model file pinned by oid (what an exported container serves); the bytes are verified before loading.</summary>
public sealed class FileModelSource : IModelSource
{
    private readonly string _path;
    private readonly ModelIdentity _identity;

    /// <summary>Creates the source.</summary>
    public FileModelSource(string path, string oid, string name, string? registryVersion, string? commit)
    {
        _path = path;
        Reference = "file:" + path;
        _identity = new ModelIdentity(name, Reference, commit ?? new string('0', 40), Oid.Require(oid, "--oid"), 0, registryVersion);
    }

    /// <inheritdoc />
    public string Reference { get; }

    /// <inheritdoc />
    public Task<ModelIdentity> ResolveAsync(CancellationToken cancellationToken) => Task.FromResult(_identity);

    /// <inheritdoc />
    public async Task<byte[]> ReadAsync(ModelIdentity identity, CancellationToken cancellationToken)
    {
        if (!File.Exists(_path))
        {
            throw new GitMlException($"model file '{_path}' does not exist", "check --model-file", ExitCode.NotFound);
        }

        var bytes = await File.ReadAllBytesAsync(_path, cancellationToken).ConfigureAwait(false);
        var actual = Blake3Hasher.Hash(bytes);
        if (actual != identity.Oid)
        {
            throw new GitMlException(
                $"model file '{_path}' hashes to {actual}, not the pinned oid {identity.Oid}",
                "the image or volume holds other bytes than the ones exported; rebuild it with 'git ml serve REF --export docker DIR'",
                ExitCode.Corrupted);
        }

        return bytes;
    }
}
