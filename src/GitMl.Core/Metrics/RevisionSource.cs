using GitMl.Core.Git;
using GitMl.Core.Pipelines;

namespace GitMl.Core.Metrics;

/// <summary>A resolved rev: the name the user gave and its commit, or no commit for the workspace.</summary>
/// <param name="Name">As given (<c>HEAD</c>, <c>main</c>, <c>workspace</c>, a sha).</param>
/// <param name="Sha">The commit, or null for the workspace.</param>
public sealed record RevisionRef(string Name, string? Sha)
{
    /// <summary>The word for the work tree files.</summary>
    public const string Workspace = "workspace";

    /// <summary>True for the work tree.</summary>
    public bool IsWorkspace => Sha is null;

    /// <summary>The rev as shown in tables: its name, or a short sha for a long hex name.</summary>
    public string Label => Name.Length >= 40 && Sha is not null && Name == Sha ? Sha[..7] : Name;
}

/// <summary>
/// Reads files at any rev (through <see cref="IGitPort"/>, no checkout) or in the workspace, and memoizes parsed
/// files by Git blob id so reading the same file across many commits parses each distinct version once.
/// </summary>
public sealed class RevisionSource
{
    private readonly IGitPort _git;
    private readonly Dictionary<string, FlatFile> _flatByBlob = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PipelineFile> _pipelineByBlob = new(StringComparer.Ordinal);

    /// <summary>Creates a source over a repository's Git port and work tree.</summary>
    public RevisionSource(IGitPort git, string workDir)
    {
        _git = git;
        WorkDir = workDir;
    }

    /// <summary>The work tree root.</summary>
    public string WorkDir { get; }

    /// <summary>How many files were parsed (not served from the blob-id memo); for tests.</summary>
    internal int FlattenCount { get; private set; }

    /// <summary>The Git port.</summary>
    public IGitPort Git => _git;

    /// <summary>Resolves a rev; <c>workspace</c> is the work tree. Throws <see cref="ExitCode.NotFound"/> for an unknown rev.</summary>
    public RevisionRef Resolve(string rev) =>
        rev == RevisionRef.Workspace ? new RevisionRef(rev, null) : new RevisionRef(rev, _git.ResolveCommit(rev));

    /// <summary>A file's bytes at a rev, or null when it does not exist there. Paths are repository-relative with '/'.</summary>
    public byte[]? Read(RevisionRef rev, string path)
    {
        if (!SafePath.IsSafeRelative(path))
        {
            throw new GitMlException($"unsafe path '{path}'", "paths are relative to the repository root, without '..'", ExitCode.InvalidInput);
        }

        if (rev.IsWorkspace)
        {
            // Paths come from gitml.yaml: a symlinked folder must not lead the read outside the work tree.
            var full = SafePath.ResolveUnder(WorkDir, path.Replace('/', Path.DirectorySeparatorChar), PipelineFile.FileName);
            return File.Exists(full) ? File.ReadAllBytes(full) : null;
        }

        return _git.ReadFile(rev.Sha!, path);
    }

    /// <summary>Lists files under a folder (repository-relative, '/') at a rev, sorted.</summary>
    public IReadOnlyList<string> List(RevisionRef rev, string folder, string extension)
    {
        var prefix = folder.TrimEnd('/') + "/";
        if (rev.IsWorkspace)
        {
            var full = Path.Combine(WorkDir, folder.Replace('/', Path.DirectorySeparatorChar));
            if (!Directory.Exists(full))
            {
                return [];
            }

            return Directory.EnumerateFiles(full, "*" + extension, SearchOption.AllDirectories)
                .Select(f => SafePath.ToPortable(Path.GetRelativePath(WorkDir, f)))
                .Order(StringComparer.Ordinal)
                .ToList();
        }

        return _git.ListFiles(rev.Sha!, p => p.StartsWith(prefix, StringComparison.Ordinal) && p.EndsWith(extension, StringComparison.Ordinal))
            .Select(f => f.Path)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>A metrics/params file flattened, or null when absent at that rev. Memoized by blob id.</summary>
    public FlatFile? ReadFlat(RevisionRef rev, string path)
    {
        var blob = rev.IsWorkspace ? null : _git.BlobId(rev.Sha!, path);
        if (blob is not null && _flatByBlob.TryGetValue(blob, out var memo))
        {
            return memo;
        }

        var bytes = Read(rev, path);
        if (bytes is null)
        {
            return null;
        }

        var flat = StructuredFile.Flatten(bytes, $"{path} at {rev.Label}");
        FlattenCount++;
        if (blob is not null)
        {
            _flatByBlob[blob] = flat;
        }

        return flat;
    }

    /// <summary>The rev's <c>gitml.yaml</c> (empty when absent). Memoized by blob id.</summary>
    public PipelineFile Pipeline(RevisionRef rev)
    {
        if (rev.IsWorkspace)
        {
            var path = Path.Combine(WorkDir, PipelineFile.FileName);
            return File.Exists(path) ? PipelineFile.Parse(File.ReadAllText(path), PipelineFile.FileName) : new PipelineFile();
        }

        var blob = _git.BlobId(rev.Sha!, PipelineFile.FileName);
        if (blob is null)
        {
            return new PipelineFile();
        }

        if (!_pipelineByBlob.TryGetValue(blob, out var pipeline))
        {
            var text = System.Text.Encoding.UTF8.GetString(_git.ReadBlob(blob));
            pipeline = PipelineFile.Parse(text, $"{PipelineFile.FileName} at {rev.Label}");
            _pipelineByBlob[blob] = pipeline;
        }

        return pipeline;
    }
}
