using System.Globalization;
using System.Text;
using GitMl.Core.Hashing;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitMl.Core.Pointers;

/// <summary>One output recorded in a pointer file or lock.</summary>
public sealed record PointerOut
{
    /// <summary>Path relative to the pointer file's folder ('/'-separated, never absolute or '..').</summary>
    public required string Path { get; init; }

    /// <summary>The oid (manifest oid with <c>.dir</c> for a directory).</summary>
    public required string Oid { get; init; }

    /// <summary>Bytes; for a directory, the sum of its files.</summary>
    public long Size { get; init; }

    /// <summary>Number of files, for directories.</summary>
    public int? NFiles { get; init; }

    /// <summary>True when a tracked file has an executable bit (written as <c>isexec: true</c>; files only).</summary>
    public bool IsExec { get; init; }

    /// <summary>True when the tracked path is a directory.</summary>
    public bool IsDirectory => Hashing.Oid.IsDir(Oid);

    /// <summary>Keys this version does not know, kept verbatim on rewrite.</summary>
    public IReadOnlyList<KeyValuePair<string, YamlNode>> Extra { get; init; } = [];
}

/// <summary>
/// A pointer file (<c>&lt;path&gt;.gitml</c>): small YAML committed to Git naming the oid of a tracked file or directory.
/// Unknown keys are preserved on rewrite; comments are not.
/// </summary>
public sealed class PointerFile
{
    /// <summary>File name suffix of pointer files.</summary>
    public const string Extension = ".gitml";

    /// <summary>Creates a pointer file model.</summary>
    public PointerFile(IReadOnlyList<PointerOut> outs, IReadOnlyList<KeyValuePair<string, YamlNode>>? extra = null)
    {
        Outs = outs;
        Extra = extra ?? [];
    }

    /// <summary>The outputs this pointer tracks (normally one).</summary>
    public IReadOnlyList<PointerOut> Outs { get; }

    /// <summary>Unknown top-level keys, kept on rewrite.</summary>
    public IReadOnlyList<KeyValuePair<string, YamlNode>> Extra { get; }

    /// <summary>Parses pointer YAML, validating oids, hash names and paths. <paramref name="where"/> names the file in errors.</summary>
    public static PointerFile Parse(string text, string where)
    {
        var stream = new YamlStream();
        try
        {
            stream.LoadBounded(text);
        }
        catch (YamlException ex)
        {
            throw Bad(where, $"invalid YAML ({ex.Start.Line}:{ex.Start.Column}): {ex.Message}");
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw Bad(where, "expected a YAML mapping with an 'outs' list");
        }

        var outs = new List<PointerOut>();
        var extra = new List<KeyValuePair<string, YamlNode>>();
        foreach (var (keyNode, valueNode) in root.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
            if (key != "outs")
            {
                extra.Add(new(key, valueNode));
                continue;
            }

            if (valueNode is not YamlSequenceNode seq || seq.Children.Count == 0)
            {
                throw Bad(where, "'outs' must be a non-empty list");
            }

            foreach (var item in seq.Children)
            {
                outs.Add(ParseOut(item, where));
            }
        }

        if (outs.Count == 0)
        {
            throw Bad(where, "missing 'outs'");
        }

        return new PointerFile(outs, extra);
    }

    /// <summary>Parses one <c>outs</c> entry (also used for lock files).</summary>
    public static PointerOut ParseOut(YamlNode node, string where)
    {
        if (node is not YamlMappingNode map)
        {
            throw Bad(where, "each out must be a mapping with path and oid");
        }

        string? path = null, oid = null, hash = null;
        long size = 0;
        int? nfiles = null;
        var isExec = false;
        var extra = new List<KeyValuePair<string, YamlNode>>();
        foreach (var (k, v) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? string.Empty;
            var value = (v as YamlScalarNode)?.Value;
            switch (key)
            {
                case "path":
                    path = value;
                    break;
                case "oid":
                    oid = value;
                    break;
                case "hash":
                    hash = value;
                    break;
                case "size":
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out size))
                    {
                        throw Bad(where, $"size '{value}' is not a non-negative integer");
                    }

                    break;
                case "nfiles":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                    {
                        throw Bad(where, $"nfiles '{value}' is not a non-negative integer");
                    }

                    nfiles = n;
                    break;
                case "isexec":
                    isExec = value is "true" or "True" or "TRUE";
                    break;
                default:
                    extra.Add(new(key, v));
                    break;
            }
        }

        if (hash is not null && hash != Oid.HashName)
        {
            throw new GitMlException(
                $"unknown hash type '{hash}' in {where}",
                $"GitMl reads pointer files with 'hash: {Oid.HashName}' only",
                ExitCode.InvalidInput);
        }

        SafePath.RequireSafeRelative(path, where);
        Oid.Require(oid, where);
        return new PointerOut { Path = path!, Oid = oid!, Size = size, NFiles = nfiles, IsExec = isExec, Extra = extra };
    }

    /// <summary>Serializes to YAML in the design's key order, keeping unknown keys.</summary>
    public string ToYaml()
    {
        var root = new YamlMappingNode();
        var seq = new YamlSequenceNode();
        foreach (var o in Outs)
        {
            seq.Add(OutToNode(o));
        }

        root.Add("outs", seq);
        foreach (var (k, v) in Extra)
        {
            root.Add(k, v);
        }

        return Emit(root);
    }

    /// <summary>Builds the YAML node of one out: path, oid, size, nfiles (directories), hash, then unknown keys.</summary>
    public static YamlMappingNode OutToNode(PointerOut o)
    {
        var m = new YamlMappingNode
        {
            { "path", Scalar(o.Path) },
            { "oid", o.Oid },
            { "size", o.Size.ToString(CultureInfo.InvariantCulture) },
        };
        if (o.NFiles is { } n)
        {
            m.Add("nfiles", n.ToString(CultureInfo.InvariantCulture));
        }

        m.Add("hash", Oid.HashName);
        if (o.IsExec)
        {
            m.Add("isexec", "true");
        }

        foreach (var (k, v) in o.Extra)
        {
            m.Add(k, v);
        }

        return m;
    }

    /// <summary>Emits a YAML node as a document without the '...' end marker.</summary>
    public static string Emit(YamlNode root)
    {
        var doc = new YamlDocument(root);
        var stream = new YamlStream(doc);
        var sb = new StringBuilder();
        using (var w = new StringWriter(sb) { NewLine = "\n" })
        {
            stream.Save(w, assignAnchors: false);
        }

        var text = sb.ToString().Replace("\r\n", "\n");
        if (text.EndsWith("...\n", StringComparison.Ordinal))
        {
            text = text[..^4];
        }

        return text;
    }

    private static YamlScalarNode Scalar(string value)
    {
        // Quote paths that YAML would otherwise read as another type or mangle (e.g. 'true', '1e3', ': ').
        var plainSafe = value.Length > 0 && value.All(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '.' or '/' or ' ')
            && !char.IsWhiteSpace(value[0]) && !char.IsWhiteSpace(value[^1])
            && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            && value is not ("true" or "false" or "null" or "yes" or "no" or "on" or "off" or "~");
        return new YamlScalarNode(value) { Style = plainSafe ? ScalarStyle.Plain : ScalarStyle.DoubleQuoted };
    }

    private static GitMlException Bad(string where, string why) =>
        new($"invalid pointer file {where}: {why}", "restore it with 'git checkout -- <file>' or re-run 'git ml add'", ExitCode.InvalidInput);
}
