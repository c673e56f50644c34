namespace GitMl.Core;

/// <summary>
/// Validation of paths that come from untrusted files (pointer files, manifests, locks, remotes).
/// Such a path must be relative, use '/', have no '.', '..' or empty segments, and contain no NUL.
/// </summary>
public static class SafePath
{
    /// <summary>True when <paramref name="relPath"/> is a safe relative path.</summary>
    public static bool IsSafeRelative(string? relPath)
    {
        if (string.IsNullOrEmpty(relPath) || relPath.Contains('\0') || relPath.Contains('\\'))
        {
            return false;
        }

        if (relPath[0] == '/' || (relPath.Length >= 2 && relPath[1] == ':'))
        {
            return false;
        }

        foreach (var segment in relPath.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws <see cref="GitMlException"/> unless <paramref name="relPath"/> is safe.</summary>
    public static string RequireSafeRelative(string? relPath, string where)
    {
        if (!IsSafeRelative(relPath))
        {
            throw new GitMlException(
                $"unsafe path '{relPath?.Replace("\0", "\\0")}' in {where}",
                "paths in GitMl files must be relative, use '/', and have no '..'; the file may be corrupted or malicious",
                ExitCode.InvalidInput);
        }

        return relPath!;
    }

    /// <summary>
    /// Resolves <paramref name="relPath"/> under <paramref name="root"/> and checks that neither the path nor any
    /// existing parent folder escapes <paramref name="root"/> (including through a symlink).
    /// </summary>
    public static string ResolveUnder(string root, string relPath, string where)
    {
        RequireSafeRelative(relPath, where);
        var full = Path.GetFullPath(Path.Combine(root, relPath));
        EnsureInside(root, full, where);
        return full;
    }

    /// <summary>Throws when <paramref name="fullPath"/> or one of its existing parents is outside <paramref name="root"/>.</summary>
    public static void EnsureInside(string root, string fullPath, string where)
    {
        var rootFull = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        if (!IsUnder(rootFull, fullPath))
        {
            throw Outside(fullPath, where);
        }

        // Walk existing ancestors: a symlinked folder inside the repo may point outside it.
        var current = Path.GetDirectoryName(fullPath);
        while (current is not null && current.Length > rootFull.Length)
        {
            var info = new DirectoryInfo(current);
            if (info.Exists && info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName;
                if (target is null || !IsUnder(rootFull, target))
                {
                    throw Outside(fullPath, where);
                }
            }

            current = Path.GetDirectoryName(current);
        }
    }

    /// <summary>True when <paramref name="path"/> equals or is below <paramref name="root"/> (both full paths).</summary>
    public static bool IsUnder(string root, string path)
    {
        root = Path.TrimEndingDirectorySeparator(root);
        path = Path.TrimEndingDirectorySeparator(path);
        return path.Equals(root, StringComparison.Ordinal)
            || (path.StartsWith(root, StringComparison.Ordinal) && path[root.Length] == Path.DirectorySeparatorChar);
    }

    /// <summary>Converts an OS path relative to a root into the '/'-separated form stored in GitMl files.</summary>
    public static string ToPortable(string relativeOsPath) => relativeOsPath.Replace(Path.DirectorySeparatorChar, '/');

    private static GitMlException Outside(string path, string where) => new(
        $"path '{path}' is outside the repository ({where})",
        "only paths inside the Git work tree can be tracked; symlinks that leave it are not followed",
        ExitCode.InvalidInput);
}
