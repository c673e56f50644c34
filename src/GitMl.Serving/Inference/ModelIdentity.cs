namespace GitMl.Serving.Inference;

/// <summary>Which bytes a served model is: pinned by commit and oid, labelled by its registry version when it has one.</summary>
/// <param name="Name">Model name in URLs.</param>
/// <param name="Reference">The reference it was resolved from (e.g. <c>churn#prod</c>).</param>
/// <param name="Commit">Commit sha whose pointers name the bytes.</param>
/// <param name="Oid">BLAKE3 oid of the .onnx bytes.</param>
/// <param name="Size">Byte count.</param>
/// <param name="RegistryVersion">Registry version (<c>v1.2.3</c>), or null for a plain <c>rev:path</c>.</param>
/// <param name="SourceToken">Whatever the source needs to read the bytes again.</param>
public sealed record ModelIdentity(string Name, string Reference, string Commit, string Oid, long Size, string? RegistryVersion, object? SourceToken = null)
{
    /// <summary>The version clients see: the registry version, else the commit sha.</summary>
    public string Version => RegistryVersion ?? Commit;

    /// <summary>Every version string that names this model: registry version and commit sha.</summary>
    public IReadOnlyList<string> Versions => RegistryVersion is null ? [Commit] : [RegistryVersion, Commit];

    /// <summary>True when <paramref name="version"/> is the registry version, the commit sha, or a 7+ character sha prefix.</summary>
    public bool Matches(string version) =>
        version == RegistryVersion || version == Commit
        || (version.Length >= 7 && Commit.StartsWith(version, StringComparison.OrdinalIgnoreCase));

    /// <summary>Same bytes from the same commit.</summary>
    public bool SameAs(ModelIdentity other) => other.Oid == Oid && other.Commit == Commit && other.RegistryVersion == RegistryVersion;
}

/// <summary>Where the served model comes from; asked again on every reload.</summary>
public interface IModelSource
{
    /// <summary>The reference served (shown in metadata and logs).</summary>
    string Reference { get; }

    /// <summary>Resolves the reference now (cheap: reads tags and pointers, not the bytes).</summary>
    Task<ModelIdentity> ResolveAsync(CancellationToken cancellationToken);

    /// <summary>Reads the bytes of a resolved model, verified by its oid.</summary>
    Task<byte[]> ReadAsync(ModelIdentity identity, CancellationToken cancellationToken);
}
