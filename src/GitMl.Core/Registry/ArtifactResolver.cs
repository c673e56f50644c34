using System.Text;
using System.Text.RegularExpressions;
using GitMl.Core.Cache;
using GitMl.Core.Hashing;
using GitMl.Core.Pipelines;
using GitMl.Core.Pointers;

namespace GitMl.Core.Registry;

/// <summary>Where the bytes a model reference names are.</summary>
/// <param name="Reference">The reference as given.</param>
/// <param name="Artifact">Artifact name, or null for <c>rev:path</c>.</param>
/// <param name="Version">Registered version, or null.</param>
/// <param name="Stage">Stage the reference went through, or null.</param>
/// <param name="Commit">Commit whose pointers name the bytes.</param>
/// <param name="Path">Repository-relative path at that commit.</param>
/// <param name="Oid">Object id (<c>.dir</c> for a directory).</param>
/// <param name="Size">Bytes.</param>
/// <param name="GitBlobId">Set when the file is committed to Git itself rather than tracked by GitMl.</param>
public sealed record ArtifactLocation(
    string Reference,
    string? Artifact,
    string? Version,
    string? Stage,
    string Commit,
    string Path,
    string Oid,
    long Size,
    string? GitBlobId)
{
    /// <summary>True for a tracked directory.</summary>
    public bool IsDirectory => Hashing.Oid.IsDir(Oid);
}

/// <summary>
/// Turns model references (<c>name@v1.2.3</c>, <c>name@latest</c>, <c>name#prod</c>, <c>rev:path</c>) into the commit,
/// path and oid they name, and writes or reads those bytes verified by oid (fetching missing objects when a fetcher
/// is configured).
/// </summary>
public sealed partial class ArtifactResolver
{
    private readonly GitMlRepository _repo;

    /// <summary>Creates a resolver over a repository.</summary>
    public ArtifactResolver(GitMlRepository repo) => _repo = repo;

    [GeneratedRegex(@"^(?<artifact>([a-z0-9-_./]+:)?[a-z0-9]([a-z0-9-/]*[a-z0-9])?)(#(?<stage>[a-z0-9]([a-z0-9-/]*[a-z0-9])?)|@(?<version>latest|greatest|v" + SemVer.Pattern + "))$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex ShortcutRegex();

    /// <summary>Resolves a reference against the current tags (or the tags as of <paramref name="asOf"/>).</summary>
    public ArtifactLocation Resolve(string reference, DateTimeOffset? asOf = null) => Resolve(reference, RegistryState.Load(_repo.Git), asOf);

    /// <summary>Resolves a reference against a loaded registry state.</summary>
    public ArtifactLocation Resolve(string reference, RegistryState state, DateTimeOffset? asOf = null)
    {
        var m = ShortcutRegex().Match(reference);
        if (!m.Success)
        {
            var colon = reference.IndexOf(':');
            if (colon > 0 && colon < reference.Length - 1)
            {
                var rev = reference[..colon];
                var path = reference[(colon + 1)..].TrimStart('/');
                var commit = _repo.Git.ResolveCommit(rev);
                return Locate(reference, null, null, null, commit, SafePath.RequireSafeRelative(path, "reference"));
            }

            throw UnknownReference(reference, "a reference looks like name@v1.2.3, name@latest, name#prod or rev:path");
        }

        var artifact = m.Groups["artifact"].Value;
        if (!state.Contains(artifact))
        {
            throw new GitMlException(
                $"unknown model '{artifact}' in reference '{reference}'",
                "'git ml model list' shows registered models; register one with 'git ml model register NAME'",
                ExitCode.NotFound);
        }

        var snapshot = state.Snapshot(artifact, asOf);
        if (m.Groups["stage"].Success)
        {
            var stage = m.Groups["stage"].Value;
            if (!snapshot.StageVersions.TryGetValue(stage, out var held))
            {
                throw UnknownReference(reference, $"no version of '{artifact}' is in stage '{stage}'; 'git ml model show {artifact}' lists its stages");
            }

            var version = snapshot.Versions.FirstOrDefault(v => v.Version == held);
            return LocateVersion(reference, artifact, version, stage, snapshot.StageCommits[stage], held);
        }

        var wanted = m.Groups["version"].Value;
        VersionState? found;
        if (wanted is "latest" or "greatest")
        {
            found = snapshot.Latest ?? throw UnknownReference(reference, $"'{artifact}' has no active registered version");
        }
        else
        {
            found = snapshot.Versions.FirstOrDefault(v => v.Version == wanted)
                ?? throw UnknownReference(reference, $"'git ml model show {artifact}' lists its versions");
            if (found.Deregistered)
            {
                throw new GitMlException(
                    $"{artifact}@{wanted} was deregistered",
                    $"use another version ('git ml model show {artifact}'), or read its commit directly as {found.Commit[..12]}:<path>",
                    ExitCode.NotFound);
            }
        }

        return LocateVersion(reference, artifact, found, null, found.Commit, found.Version);
    }

    /// <summary>
    /// Finds what GitMl tracks at <paramref name="path"/> in <paramref name="commit"/>: a pointer or lock out, or else a
    /// file committed to Git itself. Throws when the path is not tracked there.
    /// </summary>
    public ArtifactLocation Locate(string reference, string? artifact, string? version, string? stage, string commit, string path)
    {
        var outs = PointerDiscovery.CommitOuts(_repo.Git, commit);
        var hit = outs.FirstOrDefault(o => o.RepoPath == path);
        if (hit is not null)
        {
            return new ArtifactLocation(reference, artifact, version, stage, commit, path, Oid.Require(hit.Out.Oid, hit.Source), hit.Out.Size, null);
        }

        var blobId = _repo.Git.BlobId(commit, path);
        if (blobId is not null)
        {
            var bytes = _repo.Git.ReadBlob(blobId);
            return new ArtifactLocation(reference, artifact, version, stage, commit, path, Blake3Hasher.Hash(bytes), bytes.Length, blobId);
        }

        throw new GitMlException(
            $"'{path}' is not tracked at commit {commit[..12]}",
            $"track it with 'git ml add {path}' and commit the pointer file, or name a commit where it is tracked",
            ExitCode.NotFound);
    }

    /// <summary>
    /// Writes the bytes to <paramref name="destination"/> (a file, or a folder for a tracked directory), verified by
    /// oid; missing objects are fetched through <paramref name="fetcher"/> first.
    /// </summary>
    public async Task WriteToAsync(ArtifactLocation location, string destination, IObjectFetcher? fetcher, CancellationToken cancellationToken)
    {
        if (location.GitBlobId is not null)
        {
            var bytes = ReadGitBlobVerified(location);
            AtomicFile.WriteAllBytes(destination, bytes);
            return;
        }

        if (!location.IsDirectory)
        {
            await EnsureCachedAsync([location.Oid], fetcher, cancellationToken).ConfigureAwait(false);
            _repo.Cache.CopyVerifiedTo(location.Oid, destination);
            return;
        }

        await EnsureCachedAsync([location.Oid], fetcher, cancellationToken).ConfigureAwait(false);
        var manifest = _repo.Cache.ReadManifest(location.Oid);
        await EnsureCachedAsync(manifest.Entries.Select(e => e.Oid).Distinct(StringComparer.Ordinal).ToList(), fetcher, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(destination);
        foreach (var entry in manifest.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var target = SafePath.ResolveUnder(destination, entry.RelPath, $"manifest {location.Oid}");
            _repo.Cache.CopyVerifiedTo(entry.Oid, target);
        }
    }

    /// <summary>Reads a file artifact into memory, verified by oid (the bytes returned are the bytes hashed).</summary>
    public async Task<byte[]> ReadBytesAsync(ArtifactLocation location, IObjectFetcher? fetcher, CancellationToken cancellationToken)
    {
        if (location.IsDirectory)
        {
            throw new GitMlException(
                $"'{location.Path}' is a directory; a single file (e.g. model.onnx) is needed here",
                "point the artifact's path at the model file inside the folder",
                ExitCode.InvalidInput);
        }

        if (location.GitBlobId is not null)
        {
            return ReadGitBlobVerified(location);
        }

        await EnsureCachedAsync([location.Oid], fetcher, cancellationToken).ConfigureAwait(false);
        return _repo.Cache.ReadVerified(location.Oid);
    }

    private ArtifactLocation LocateVersion(string reference, string artifact, VersionState? version, string? stage, string commit, string versionName)
    {
        var path = version?.Record?.Path ?? ArtifactPath(artifact, commit);
        var location = Locate(reference, artifact, version?.Version ?? (SemVer.TryParse(versionName) is null ? null : versionName), stage, commit, path);
        if (version?.Record?.Oid is { } recorded && recorded != location.Oid)
        {
            throw new GitMlException(
                $"{artifact}@{version.Version}: the tag records oid {recorded} but commit {commit[..12]} tracks {location.Oid} at {path}",
                "the tag or the pointer file was rewritten; check 'git show " + RegistryTagName.Register(artifact, version.Version) + "'",
                ExitCode.Corrupted);
        }

        return location;
    }

    /// <summary>The artifact's path as declared in gitml.yaml at the commit, else in the work tree.</summary>
    internal string ArtifactPath(string artifact, string commit)
    {
        var atCommit = _repo.Git.ReadFile(commit, PipelineFile.FileName);
        if (atCommit is not null
            && PipelineFile.Parse(Encoding.UTF8.GetString(atCommit), $"{PipelineFile.FileName} at {commit[..12]}").Artifacts.TryGetValue(artifact, out var a))
        {
            return SafePath.RequireSafeRelative(a.Path, PipelineFile.FileName);
        }

        if (PipelineFile.Load(_repo.WorkDir).Artifacts.TryGetValue(artifact, out var w))
        {
            return SafePath.RequireSafeRelative(w.Path, PipelineFile.FileName);
        }

        throw new GitMlException(
            $"artifact '{artifact}' is not declared in {PipelineFile.FileName}",
            $"declare it: 'artifacts: {{{artifact}: {{path: model.onnx, type: model}}}}' in {PipelineFile.FileName}",
            ExitCode.NotFound);
    }

    private byte[] ReadGitBlobVerified(ArtifactLocation location)
    {
        var bytes = _repo.Git.ReadBlob(location.GitBlobId!);
        if (Blake3Hasher.Hash(bytes) != location.Oid)
        {
            throw ObjectStore.Corrupt(location.Oid);
        }

        return bytes;
    }

    private async Task EnsureCachedAsync(IReadOnlyList<string> oids, IObjectFetcher? fetcher, CancellationToken cancellationToken)
    {
        var missing = oids.Where(o => !_repo.Cache.Contains(o)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        if (fetcher is null)
        {
            throw new GitMlException(
                $"{missing.Count} object(s) needed are not in the cache (first: {missing[0]})",
                "run 'git ml pull' (or 'git ml fetch') to download them from the remote, then try again",
                ExitCode.NotFound);
        }

        await fetcher.FetchAsync(missing, cancellationToken).ConfigureAwait(false);
        var still = missing.FirstOrDefault(o => !_repo.Cache.Contains(o));
        if (still is not null)
        {
            throw ObjectStore.Missing(still);
        }
    }

    private static GitMlException UnknownReference(string reference, string hint) =>
        new($"unknown reference '{reference}'", hint, ExitCode.NotFound);
}
