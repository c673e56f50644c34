using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace GitMl.Core;

/// <summary>
/// Loads YAML from untrusted files (pointer files, locks, gitml.yaml, params and metrics) with limits. YamlDotNet's
/// representation model recurses once per nesting level, so a file of a few thousand '[' kills the process with a
/// stack overflow that no catch can stop (found by fuzzing); and aliases let a tiny file expand to billions of nodes
/// for any code that walks it. A first pass over the parser's flat event stream rejects both before the tree is built.
/// </summary>
public static class BoundedYaml
{
    /// <summary>Deepest nesting of mappings and sequences accepted; real GitMl files use fewer than 10.</summary>
    public const int MaxDepth = 200;

    /// <summary>Most nodes a document may have once every alias is expanded.</summary>
    public const long MaxExpandedNodes = 2_000_000;

    /// <summary>
    /// Loads <paramref name="text"/> into <paramref name="stream"/>. Malformed, too deeply nested or alias-bomb input
    /// throws <see cref="YamlException"/> (with a position), which callers already turn into their own error.
    /// </summary>
    public static void LoadBounded(this YamlStream stream, string text)
    {
        Check(text);
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (Exception ex) when (ex is not YamlException and (InvalidOperationException or ArgumentException))
        {
            // YamlDotNet throws these for some malformed input (e.g. a duplicate key in a flow mapping); keep one type.
            throw new YamlException(Mark.Empty, Mark.Empty, ex.Message, ex);
        }
    }

    private static void Check(string text)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        long nodes = 0;

        // Node count at the start of each open collection, and the expanded size of each completed anchor.
        var open = new Stack<(AnchorName Anchor, long Start)>();
        var anchorSizes = new Dictionary<AnchorName, long>();
        try
        {
            while (parser.MoveNext())
            {
                var e = parser.Current!;
                switch (e)
                {
                    case AnchorAlias alias:
                        // An alias to an anchor still open (a cycle) or unknown is left to the loader to reject.
                        nodes += anchorSizes.GetValueOrDefault(alias.Value, 1);
                        break;
                    case Scalar scalar:
                        nodes++;
                        if (!scalar.Anchor.IsEmpty)
                        {
                            anchorSizes[scalar.Anchor] = 1;
                        }

                        break;
                    case MappingStart or SequenceStart:
                        nodes++;
                        depth++;
                        if (depth > MaxDepth)
                        {
                            throw new YamlException(e.Start, e.End, $"nesting deeper than {MaxDepth} levels");
                        }

                        open.Push((((NodeEvent)e).Anchor, nodes));
                        break;
                    case MappingEnd or SequenceEnd:
                        depth--;
                        var (anchor, start) = open.Pop();
                        if (!anchor.IsEmpty)
                        {
                            anchorSizes[anchor] = nodes - start + 1;
                        }

                        break;
                    case DocumentEnd:
                        anchorSizes.Clear();
                        break;
                    default:
                        break;
                }

                if (nodes > MaxExpandedNodes)
                {
                    throw new YamlException(e.Start, e.End, $"more than {MaxExpandedNodes} nodes once aliases are expanded");
                }
            }
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner throws this, without a position, for some unterminated flow collections.
            throw new YamlException(Mark.Empty, Mark.Empty, "an unterminated '[' or '{' list or mapping: " + ex.Message, ex);
        }
    }
}
