using System.Text;

namespace GitMl.Core.Config;

/// <summary>
/// A file in git-config syntax (<c>[section "sub"]</c>, <c>key = value</c>, <c>#</c>/<c>;</c> comments),
/// as used by <c>.gitml/config</c> and <c>.gitml/config.local</c>. Written by hand because LibGit2Sharp's
/// configuration API always layers the user's global and system files in; this file must be read alone.
/// Keys and section names are case-insensitive, subsections case-sensitive, as in Git.
/// </summary>
public sealed class GitConfigFile
{
    private readonly List<Section> _sections = [];

    /// <summary>The file this was read from (and is saved to).</summary>
    public string Path { get; }

    private GitConfigFile(string path) => Path = path;

    /// <summary>Loads <paramref name="path"/>; a missing file is an empty config.</summary>
    public static GitConfigFile Load(string path)
    {
        var file = new GitConfigFile(path);
        if (File.Exists(path))
        {
            file.Parse(File.ReadAllText(path));
        }

        return file;
    }

    /// <summary>Parses text (for tests and for reading a config at another revision).</summary>
    public static GitConfigFile FromText(string text, string path)
    {
        var file = new GitConfigFile(path);
        file.Parse(text);
        return file;
    }

    /// <summary>Gets a value, or null.</summary>
    public string? Get(string section, string? subsection, string key) =>
        Find(section, subsection)?.Entries.LastOrDefault(e => e.Key.Equals(key, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Subsection names of a section, e.g. remote names for <c>remote</c>.</summary>
    public IReadOnlyList<string> Subsections(string section) =>
        _sections.Where(s => s.Name.Equals(section, StringComparison.OrdinalIgnoreCase) && s.Sub is not null)
            .Select(s => s.Sub!).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>All key/values of a section.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Entries(string section, string? subsection) =>
        Find(section, subsection)?.Entries.ToList() ?? [];

    /// <summary>Sets a value (creating the section).</summary>
    public void Set(string section, string? subsection, string key, string value)
    {
        var s = Find(section, subsection);
        if (s is null)
        {
            s = new Section(section.ToLowerInvariant(), subsection);
            _sections.Add(s);
        }

        var i = s.Entries.FindIndex(e => e.Key.Equals(key, StringComparison.OrdinalIgnoreCase));
        if (i >= 0)
        {
            s.Entries[i] = new(key, value);
        }
        else
        {
            s.Entries.Add(new(key, value));
        }
    }

    /// <summary>Removes a key; returns whether it existed.</summary>
    public bool Unset(string section, string? subsection, string key) =>
        Find(section, subsection)?.Entries.RemoveAll(e => e.Key.Equals(key, StringComparison.OrdinalIgnoreCase)) > 0;

    /// <summary>Removes a whole section; returns whether it existed.</summary>
    public bool RemoveSection(string section, string? subsection) =>
        _sections.RemoveAll(s => s.Name.Equals(section, StringComparison.OrdinalIgnoreCase) && s.Sub == subsection) > 0;

    /// <summary>Serializes in git-config syntax.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var s in _sections)
        {
            if (s.Entries.Count == 0)
            {
                continue;
            }

            sb.Append('[').Append(s.Name);
            if (s.Sub is not null)
            {
                sb.Append(" \"").Append(s.Sub.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append('"');
            }

            sb.Append("]\n");
            foreach (var (k, v) in s.Entries)
            {
                sb.Append('\t').Append(k).Append(" = ").Append(QuoteIfNeeded(v)).Append('\n');
            }
        }

        return sb.ToString();
    }

    /// <summary>Writes the file atomically.</summary>
    public void Save() => AtomicFile.WriteAllText(Path, ToString());

    private Section? Find(string section, string? subsection) =>
        _sections.LastOrDefault(s => s.Name.Equals(section, StringComparison.OrdinalIgnoreCase) && s.Sub == subsection);

    private static string QuoteIfNeeded(string v) =>
        v.Length == 0 || v.Any(c => c is '#' or ';' or '"' or '\\' or '\n' or '\t' or '\r') || char.IsWhiteSpace(v[0]) || char.IsWhiteSpace(v[^1])
            // A raw newline would end the value and turn the rest into another key (found by fuzzing): escape it.
            ? "\"" + v.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\t", "\\t") + "\""
            : v;

    private void Parse(string text)
    {
        Section? current = null;
        var lineNo = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNo++;
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                var end = line.LastIndexOf(']');
                if (end < 0)
                {
                    throw Bad(lineNo, "unterminated section header");
                }

                var header = line[1..end].Trim();
                string name;
                string? sub = null;
                var q = header.IndexOf('"');
                if (q >= 0)
                {
                    name = header[..q].Trim();
                    var lastQ = header.LastIndexOf('"');
                    if (lastQ <= q)
                    {
                        throw Bad(lineNo, "unterminated subsection name");
                    }

                    sub = header[(q + 1)..lastQ].Replace("\\\"", "\"").Replace("\\\\", "\\");
                }
                else if (header.Contains('.'))
                {
                    var dot = header.IndexOf('.');
                    name = header[..dot];
                    sub = header[(dot + 1)..];
                }
                else
                {
                    name = header;
                }

                if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
                {
                    throw Bad(lineNo, $"invalid section name '{name}'");
                }

                current = Find(name, sub);
                if (current is null)
                {
                    current = new Section(name.ToLowerInvariant(), sub);
                    _sections.Add(current);
                }

                continue;
            }

            if (current is null)
            {
                throw Bad(lineNo, "key outside a section");
            }

            var eq = line.IndexOf('=');
            var key = (eq < 0 ? line : line[..eq]).Trim();
            if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                throw Bad(lineNo, $"invalid key '{key}'");
            }

            var value = eq < 0 ? "true" : ParseValue(line[(eq + 1)..], lineNo);
            current.Entries.Add(new(key, value));
        }
    }

    private GitMlException Bad(int line, string why) =>
        new($"invalid config {Path}:{line}: {why}", "fix the file by hand; it uses git-config syntax", ExitCode.InvalidInput);

    private string ParseValue(string raw, int lineNo)
    {
        var sb = new StringBuilder();
        var inQuote = false;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '"')
            {
                inQuote = !inQuote;
            }
            else if (c == '\\' && i + 1 < raw.Length)
            {
                var n = raw[++i];
                sb.Append(n switch { 'n' => '\n', 't' => '\t', _ => n });
            }
            else if (!inQuote && c is '#' or ';')
            {
                break;
            }
            else
            {
                sb.Append(c);
            }
        }

        if (inQuote)
        {
            throw Bad(lineNo, "unterminated quote");
        }

        return sb.ToString().Trim();
    }

    private sealed class Section(string name, string? sub)
    {
        public string Name { get; } = name;

        public string? Sub { get; } = sub;

        public List<KeyValuePair<string, string>> Entries { get; } = [];
    }
}
