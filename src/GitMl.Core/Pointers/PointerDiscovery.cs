using GitMl.Core.Git;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitMl.Core.Pointers;

/// <summary>A tracked output found in a pointer file or in <c>gitml.lock</c>.</summary>
/// <param name="Source">Repository-relative path of the pointer file or lock that names it.</param>
/// <param name="RepoPath">Repository-relative '/' path of the tracked data.</param>
/// <param name="Out">The recorded out.</param>
public sealed record TrackedOut(string Source, string RepoPath, PointerOut Out);

/// <summary>
/// Finds pointer files and lock outs, in the workspace or at a commit (read through Git without checking out).
/// </summary>
public static class PointerDiscovery
{
    /// <summary>Name of the lock file at the repository root.</summary>
    public const string LockFileName = "gitml.lock";

    /// <summary>
    /// Repository-relative paths of every pointer file in the work tree. Skips <c>.git</c>, <c>.gitml</c>, and does not
    /// descend into a folder that is itself tracked (its <c>name.gitml</c> sits beside it), so huge tracked folders
    /// cost nothing to walk.
    /// </summary>
    public static IReadOnlyList<string> FindWorkspacePointers(string workDir)
    {
        var result = new List<string>();
        var stack = new Stack<string>();
        stack.Push(workDir);
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = 0 };
        while (stack.Count > 0)
        {
            var dir = stack.Pop();
            var pointerNames = new HashSet<string>(StringComparer.Ordinal);
            var subdirs = new List<string>();
            foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos("*", options))
            {
                if (entry is DirectoryInfo d)
                {
                    if (d.LinkTarget is null && !(dir == workDir && d.Name is ".git" or GitMlRepository.DirName))
                    {
                        subdirs.Add(d.FullName);
                    }
                }
                else if (entry.Name.EndsWith(PointerFile.Extension, StringComparison.Ordinal) && entry.Name.Length > PointerFile.Extension.Length)
                {
                    pointerNames.Add(entry.Name);
                    result.Add(SafePath.ToPortable(Path.GetRelativePath(workDir, entry.FullName)));
                }
            }

            foreach (var sub in subdirs)
            {
                if (!pointerNames.Contains(Path.GetFileName(sub) + PointerFile.Extension))
                {
                    stack.Push(sub);
                }
            }
        }

        result.Sort(StringComparer.Ordinal);
        return result;
    }

    /// <summary>Every out named by the work tree's pointer files and its <c>gitml.lock</c>.</summary>
    public static IReadOnlyList<TrackedOut> WorkspaceOuts(string workDir)
    {
        var result = new List<TrackedOut>();
        foreach (var rel in FindWorkspacePointers(workDir))
        {
            var text = File.ReadAllText(Path.Combine(workDir, rel));
            result.AddRange(FromPointer(rel, text));
        }

        var lockPath = Path.Combine(workDir, LockFileName);
        if (File.Exists(lockPath))
        {
            result.AddRange(FromLock(File.ReadAllText(lockPath)));
        }

        return result;
    }

    /// <summary>Every out named by pointer files and <c>gitml.lock</c> at a commit.</summary>
    public static IReadOnlyList<TrackedOut> CommitOuts(IGitPort git, string commitSha)
    {
        var result = new List<TrackedOut>();
        foreach (var f in git.ListFiles(commitSha, p => p.EndsWith(PointerFile.Extension, StringComparison.Ordinal) || p == LockFileName))
        {
            var text = System.Text.Encoding.UTF8.GetString(git.ReadBlob(f.BlobId));
            result.AddRange(f.Path == LockFileName ? FromLock(text) : FromPointer(f.Path, text));
        }

        return result;
    }

    /// <summary>The outs of one pointer file, with repository-relative paths.</summary>
    public static IEnumerable<TrackedOut> FromPointer(string pointerRelPath, string text)
    {
        var pointer = PointerFile.Parse(text, pointerRelPath);
        var folder = pointerRelPath.Contains('/') ? pointerRelPath[..pointerRelPath.LastIndexOf('/')] : string.Empty;
        foreach (var o in pointer.Outs)
        {
            yield return new TrackedOut(pointerRelPath, folder.Length == 0 ? o.Path : folder + "/" + o.Path, o);
        }
    }

    /// <summary>The cached outs recorded in a <c>gitml.lock</c> (<c>stages.*.outs</c>), repository-relative.</summary>
    public static IEnumerable<TrackedOut> FromLock(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.LoadBounded(text);
        }
        catch (YamlException ex)
        {
            throw new GitMlException($"invalid {LockFileName}: {ex.Message}", "restore it with 'git checkout -- gitml.lock' or re-run 'git ml repro'", ExitCode.InvalidInput);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            yield break;
        }

        if (!root.Children.TryGetValue(new YamlScalarNode("stages"), out var stagesNode) || stagesNode is not YamlMappingNode stages)
        {
            yield break;
        }

        foreach (var (_, stage) in stages.Children)
        {
            if (stage is YamlMappingNode s && s.Children.TryGetValue(new YamlScalarNode("outs"), out var outsNode) && outsNode is YamlSequenceNode outs)
            {
                foreach (var item in outs.Children)
                {
                    var o = PointerFile.ParseOut(item, LockFileName);

                    // Outs kept in Git (metrics, -O) are recorded for change detection only; Git restores them.
                    if (!Pipelines.LockFile.IsCacheFalse(o))
                    {
                        yield return new TrackedOut(LockFileName, o.Path, o);
                    }
                }
            }
        }
    }
}
