using System.Diagnostics;
using System.Text;
using GitMl.Core.Pipelines;

namespace GitMl.Core.Registry;

/// <summary>The outcome of a registry write: the tag created and what it points to.</summary>
/// <param name="Tag">Tag name.</param>
/// <param name="Artifact">Artifact name.</param>
/// <param name="Version">Version concerned, if any.</param>
/// <param name="Stage">Stage concerned, if any.</param>
/// <param name="Commit">Tagged commit.</param>
/// <param name="Record">What was recorded about the bytes (register only).</param>
/// <param name="Pushed">True when the tag was pushed.</param>
public sealed record RegistryChange(string Tag, string Artifact, string? Version, string? Stage, string Commit, ArtifactRecord? Record, bool Pushed);

/// <summary>Options of <see cref="ModelRegistry.Register"/>.</summary>
public sealed record RegisterOptions
{
    /// <summary>Explicit version (<c>v1.2.3</c>); exclusive with <see cref="Bump"/>.</summary>
    public string? Version { get; init; }

    /// <summary><c>major</c>, <c>minor</c> or <c>patch</c>: bump the latest version.</summary>
    public string? Bump { get; init; }

    /// <summary>Tag message summary (default: GTO's).</summary>
    public string? Message { get; init; }

    /// <summary>Allow a version lower than the latest, or a second version on the same commit.</summary>
    public bool Force { get; init; }

    /// <summary>Push the tag to <see cref="Remote"/>.</summary>
    public bool Push { get; init; }

    /// <summary>Git remote to push to.</summary>
    public string Remote { get; init; } = "origin";
}

/// <summary>
/// Writes the model registry as annotated Git tags with exactly the names and default messages GTO writes
/// (gto/registry.py), so GTO and GitMl can share a repository's registry.
/// </summary>
public sealed class ModelRegistry
{
    private readonly GitMlRepository _repo;
    private readonly Func<DateTimeOffset> _clock;

    /// <summary>Creates the service; <paramref name="clock"/> stamps tags (default: now).</summary>
    public ModelRegistry(GitMlRepository repo, Func<DateTimeOffset>? clock = null)
    {
        _repo = repo;
        _clock = clock ?? (() => DateTimeOffset.Now);
    }

    /// <summary>Reads the registry from the repository's tags.</summary>
    public RegistryState Load() => RegistryState.Load(_repo.Git);

    /// <summary>Registers the artifact's bytes at <paramref name="rev"/> as a new version.</summary>
    public RegistryChange Register(string artifact, string? rev, RegisterOptions options)
    {
        RegistryTagName.RequireArtifactName(artifact);
        if (options.Version is not null && options.Bump is not null)
        {
            throw new GitMlException("--version and --bump cannot be used together", "give an explicit version or a part to bump", ExitCode.InvalidInput);
        }

        var commit = _repo.Git.ResolveCommit(rev ?? "HEAD");
        var state = Load();
        var snapshot = state.Snapshot(artifact);
        var onCommit = snapshot.Versions.FirstOrDefault(v => v.Commit == commit && !v.Deregistered);
        if (onCommit is not null && !options.Force)
        {
            throw new GitMlException(
                $"commit {commit[..12]} already has {artifact}@{onCommit.Version} registered",
                "register a different commit, or pass --force to add another version on the same commit",
                ExitCode.Conflict);
        }

        SemVer version;
        if (options.Version is not null)
        {
            version = SemVer.Parse(options.Version);
        }
        else if (options.Bump is not null)
        {
            var latest = snapshot.Latest is null ? null : SemVer.TryParse(snapshot.Latest.Version);
            version = latest?.Bump(options.Bump) ?? throw new GitMlException(
                $"cannot bump: '{artifact}' has no registered version yet",
                "give the first version explicitly with --version v1.0.0 (or omit both to get v0.0.1)",
                ExitCode.InvalidInput);
        }
        else
        {
            var latest = snapshot.Latest is null ? null : SemVer.TryParse(snapshot.Latest.Version);
            version = latest?.Bump("patch") ?? SemVer.Minimal;
        }

        var name = version.ToString();
        var tag = RegistryTagName.Register(artifact, name);
        if (state.TagNames.Contains(tag) || snapshot.Versions.Any(v => v.Version == name))
        {
            throw new GitMlException(
                $"version {name} of '{artifact}' is already registered (tag {tag})",
                "choose another version, or use --bump patch|minor|major",
                ExitCode.Conflict);
        }

        var highest = snapshot.Versions.Select(v => SemVer.TryParse(v.Version)).Where(v => v is not null).Max();
        if (highest is not null && version.CompareTo(highest) < 0 && !options.Force)
        {
            throw new GitMlException(
                $"version {name} is lower than the latest registered version {highest} of '{artifact}'",
                "use a higher version (e.g. --bump patch), or pass --force to register it anyway",
                ExitCode.InvalidInput);
        }

        var resolver = new ArtifactResolver(_repo);
        var path = resolver.ArtifactPath(artifact, commit);
        var location = resolver.Locate(tag, artifact, name, null, commit, path);
        var pipeline = PipelineAt(commit);
        var record = new ArtifactRecord(
            path,
            location.Oid,
            location.Size,
            CommitValuesReader.Metrics(_repo.Git, commit, pipeline),
            CommitValuesReader.Params(_repo.Git, commit, pipeline));
        var message = RegistryTagMessage.Format(options.Message ?? $"Registering artifact {artifact} version {name}", record);
        CreateTag(tag, commit, message);
        var pushed = options.Push && Push(tag, options.Remote);
        return new RegistryChange(tag, artifact, name, null, commit, record, pushed);
    }

    /// <summary>Assigns <paramref name="stage"/> to a registered version (by name, or the one registered at <paramref name="rev"/>).</summary>
    public RegistryChange Assign(string artifact, string stage, string? version, string? rev, string? message, bool force, bool push, string remote = "origin")
    {
        RegistryTagName.RequireArtifactName(artifact);
        RequireAllowedStage(stage);
        var state = Load();
        var snapshot = state.Snapshot(artifact);
        var target = FindVersion(artifact, snapshot, version, rev);
        if (!force && snapshot.StageVersions.TryGetValue(stage, out var holder) && holder == target.Version)
        {
            throw new GitMlException(
                $"{artifact}@{target.Version} is already in stage '{stage}'",
                "pass --force to create a new assignment tag anyway",
                ExitCode.Conflict);
        }

        var tag = RegistryTagName.Assign(artifact, stage, state.NextCounter(artifact));
        CreateTag(tag, target.Commit, RegistryTagMessage.Format(message ?? $"Assigning stage {stage} to artifact {artifact} version {target.Version}", null));
        return new RegistryChange(tag, artifact, target.Version, stage, target.Commit, null, push && Push(tag, remote));
    }

    /// <summary>Takes <paramref name="stage"/> away from a version (default: the version holding it).</summary>
    public RegistryChange Unassign(string artifact, string stage, string? version, string? message, bool force, bool push, string remote = "origin")
    {
        RegistryTagName.RequireArtifactName(artifact);
        RegistryTagName.RequireStageName(stage);
        var state = Load();
        RequireKnown(state, artifact);
        var snapshot = state.Snapshot(artifact);
        var held = snapshot.StageVersions.GetValueOrDefault(stage);
        var name = version ?? held ?? throw new GitMlException(
            $"no version of '{artifact}' is in stage '{stage}'",
            $"'git ml model show {artifact}' lists its stages",
            ExitCode.NotFound);
        var target = FindVersion(artifact, snapshot, name, null);
        if (!force && held != target.Version)
        {
            throw new GitMlException(
                $"stage '{stage}' is not assigned to {artifact}@{target.Version}",
                held is null ? $"no version holds '{stage}'" : $"{artifact}@{held} holds it; pass that version or --force",
                ExitCode.InvalidInput);
        }

        var tag = RegistryTagName.Unassign(artifact, stage, state.NextCounter(artifact));
        CreateTag(tag, target.Commit, RegistryTagMessage.Format(message ?? $"Unassigning stage '{stage}' to artifact '{artifact}' version '{target.Version}'", null));
        return new RegistryChange(tag, artifact, target.Version, stage, target.Commit, null, push && Push(tag, remote));
    }

    /// <summary>Withdraws a registered version (<c>name@v1.2.3!</c> on its commit).</summary>
    public RegistryChange Deregister(string artifact, string version, string? message, bool push, string remote = "origin")
    {
        RegistryTagName.RequireArtifactName(artifact);
        var state = Load();
        RequireKnown(state, artifact);
        var target = FindVersion(artifact, state.Snapshot(artifact), SemVer.Parse(version).ToString(), null);
        var tag = RegistryTagName.Deregister(artifact, target.Version);
        CreateTag(tag, target.Commit, RegistryTagMessage.Format(message ?? $"Deregistering artifact {artifact} version {target.Version}", null));
        return new RegistryChange(tag, artifact, target.Version, null, target.Commit, null, push && Push(tag, remote));
    }

    /// <summary>Retires an artifact (<c>name@deprecated</c> on the commit of its latest event, as GTO does).</summary>
    public RegistryChange Deprecate(string artifact, string? message, bool push, string remote = "origin")
    {
        RegistryTagName.RequireArtifactName(artifact);
        var state = Load();
        RequireKnown(state, artifact);
        if (state.Snapshot(artifact).Deprecated)
        {
            throw new GitMlException($"'{artifact}' is already deprecated", "'git ml model history " + artifact + "' shows when", ExitCode.Conflict);
        }

        var commit = state.History(artifact)[^1].Commit;
        var tag = RegistryTagName.Deprecate(artifact);
        if (state.TagNames.Contains(tag))
        {
            // Deprecated before and registered again: GTO's non-simple form keeps both events.
            tag += "#" + state.NextCounter(artifact);
        }

        CreateTag(tag, commit, RegistryTagMessage.Format(message ?? $"Deprecating artifact '{artifact}'", null));
        return new RegistryChange(tag, artifact, null, null, commit, null, push && Push(tag, remote));
    }

    /// <summary>Allowed stages from the work tree's gitml.yaml (<c>registry: stages:</c>), or null for any.</summary>
    public IReadOnlyList<string>? AllowedStages() => PipelineFile.Load(_repo.WorkDir).RegistryStages;

    private void RequireAllowedStage(string stage)
    {
        RegistryTagName.RequireStageName(stage);
        var allowed = AllowedStages();
        if (allowed is not null && !allowed.Contains(stage, StringComparer.Ordinal))
        {
            throw new GitMlException(
                $"stage '{stage}' is not allowed; {PipelineFile.FileName} allows: {string.Join(", ", allowed)}",
                $"use one of those, or add '{stage}' to 'registry: stages:' in {PipelineFile.FileName}",
                ExitCode.InvalidInput);
        }
    }

    private static void RequireKnown(RegistryState state, string artifact)
    {
        if (!state.Contains(artifact))
        {
            throw new GitMlException($"unknown model '{artifact}'", "'git ml model list' shows registered models", ExitCode.NotFound);
        }
    }

    private VersionState FindVersion(string artifact, ArtifactSnapshot snapshot, string? version, string? rev)
    {
        VersionState? found;
        if (version is not null)
        {
            var name = SemVer.Parse(version).ToString();
            found = snapshot.Versions.FirstOrDefault(v => v.Version == name);
            if (found is null || found.Deregistered)
            {
                throw new GitMlException(
                    $"version {name} of '{artifact}' is not registered" + (found is null ? string.Empty : " (it was deregistered)"),
                    $"register it first with 'git ml model register {artifact} --version {name}'; 'git ml model show {artifact}' lists versions",
                    ExitCode.NotFound);
            }

            return found;
        }

        var commit = _repo.Git.ResolveCommit(rev ?? "HEAD");
        found = snapshot.Versions.FirstOrDefault(v => v.Commit == commit && !v.Deregistered);
        return found ?? throw new GitMlException(
            $"no version of '{artifact}' is registered at commit {commit[..12]}",
            $"register it first with 'git ml model register {artifact} {rev ?? "HEAD"}', or pass --version",
            ExitCode.NotFound);
    }

    private PipelineFile PipelineAt(string commit)
    {
        var bytes = _repo.Git.ReadFile(commit, PipelineFile.FileName);
        return bytes is null ? new PipelineFile() : PipelineFile.Parse(Encoding.UTF8.GetString(bytes), $"{PipelineFile.FileName} at {commit[..12]}");
    }

    private void CreateTag(string tag, string commit, string message)
    {
        var (name, email) = _repo.Git.Identity();
        var now = _clock();
        _repo.Git.CreateAnnotatedTag(tag, commit, message, name, email, new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), now.Offset));
    }

    private bool Push(string tag, string remote)
    {
        // LibGit2Sharp pushes without the user's credential helpers and SSH agent; the git executable has them.
        var psi = new ProcessStartInfo("git") { WorkingDirectory = _repo.WorkDir, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "push", remote, "refs/tags/" + tag })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new GitMlException("could not start git to push the tag", "is git on PATH?", ExitCode.Remote);
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new GitMlException(
                $"tag {tag} was created but pushing it to '{remote}' failed: {err.Result.Trim()}",
                $"push it later with 'git push {remote} {tag}'",
                ExitCode.Remote);
        }

        return true;
    }
}
