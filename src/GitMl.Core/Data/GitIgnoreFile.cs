using System.Text;

namespace GitMl.Core.Data;

/// <summary>
/// Adds and removes the <c>/name</c> lines GitMl keeps in a folder's <c>.gitignore</c> so Git ignores tracked data.
/// Other lines are left as they are; every rewrite is atomic.
/// </summary>
public static class GitIgnoreFile
{
    /// <summary>The anchored, escaped pattern that ignores exactly the entry <paramref name="name"/> of its folder.</summary>
    public static string Pattern(string name)
    {
        var sb = new StringBuilder("/");
        foreach (var c in name)
        {
            if (c is '*' or '?' or '[' or ']' or '\\' or '!' or '#' or ' ')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    /// <summary>Ensures <c>dir/.gitignore</c> ignores <paramref name="name"/>. Returns true when the file changed.</summary>
    public static bool Add(string dir, string name)
    {
        var path = Path.Combine(dir, ".gitignore");
        var pattern = Pattern(name);
        var text = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        if (SplitLines(text).Contains(pattern))
        {
            return false;
        }

        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            text += "\n";
        }

        AtomicFile.WriteAllText(path, text + pattern + "\n");
        return true;
    }

    /// <summary>Removes the entry for <paramref name="name"/>; deletes the file when nothing else is left in it.</summary>
    public static bool Remove(string dir, string name)
    {
        var path = Path.Combine(dir, ".gitignore");
        if (!File.Exists(path))
        {
            return false;
        }

        var pattern = Pattern(name);
        var lines = SplitLines(File.ReadAllText(path));
        if (!lines.Contains(pattern))
        {
            return false;
        }

        var kept = lines.Where(l => l != pattern).ToList();
        if (kept.All(string.IsNullOrWhiteSpace))
        {
            File.Delete(path);
        }
        else
        {
            AtomicFile.WriteAllText(path, string.Join("\n", kept) + "\n");
        }

        return true;
    }

    private static List<string> SplitLines(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n').ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }
}
