using System.Security.Cryptography;

namespace GitMl.Cli.Tests.Data;

/// <summary>Content hash and exec bit of every file under a path, to compare workspace states byte for byte.</summary>
internal static class TreeSnapshot
{
    public static SortedDictionary<string, string> Of(string root, string path)
    {
        var full = Path.Combine(root, path);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (File.Exists(full))
        {
            result[path] = Describe(full);
            return result;
        }

        foreach (var f in Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories))
        {
            result[Path.GetRelativePath(root, f).Replace('\\', '/')] = Describe(f);
        }

        return result;
    }

    private static string Describe(string file)
    {
        var exec = (File.GetUnixFileMode(file) & UnixFileMode.UserExecute) != 0;
        return Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))) + (exec ? " x" : string.Empty);
    }
}
