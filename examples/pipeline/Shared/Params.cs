using System.Globalization;

namespace GitMl.Examples;

/// <summary>Reads <c>section.key: value</c> numbers from a two-level params.yaml (enough for the example; no YAML library).</summary>
public sealed class Params
{
    private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);

    public static Params Read(string path)
    {
        var p = new Params();
        var section = string.Empty;
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Split('#')[0].TrimEnd();
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (!char.IsWhiteSpace(line[0]))
            {
                section = key;
            }

            if (value.Length > 0 && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            {
                p._values[char.IsWhiteSpace(line[0]) ? section + "." + key : key] = d;
            }
        }

        return p;
    }

    public double Get(string key, double fallback) => _values.TryGetValue(key, out var v) ? v : fallback;
}
