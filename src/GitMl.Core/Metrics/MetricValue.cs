using System.Globalization;

namespace GitMl.Core.Metrics;

/// <summary>One flattened value of a metrics or params file: its text and, when it is a number, the number.</summary>
/// <param name="Text">The value as written (lists of scalars as <c>[a, b]</c>).</param>
/// <param name="Number">The numeric value, or null for strings, booleans, nulls and lists.</param>
public sealed record MetricValue(string Text, double? Number)
{
    /// <summary>True when the value is a number and can be compared.</summary>
    public bool IsNumeric => Number is not null;

    /// <summary>A numeric value; its text is the invariant round-trip form.</summary>
    public static MetricValue Of(double number) => new(number.ToString("R", CultureInfo.InvariantCulture), number);

    /// <summary>A non-numeric value.</summary>
    public static MetricValue OfText(string text) => new(text, null);

    /// <summary>Parses text as an invariant-culture number when it is one, else keeps it as text.</summary>
    public static MetricValue Parse(string text) =>
        TryParseNumber(text, out var d) ? new MetricValue(text, d) : new MetricValue(text, null);

    /// <summary>Invariant-culture float parse that refuses NaN/∞ spellings other than YAML's, and hex.</summary>
    public static bool TryParseNumber(string text, out double value)
    {
        var t = text.Trim();
        switch (t)
        {
            case ".inf" or ".Inf" or ".INF" or "+.inf":
                value = double.PositiveInfinity;
                return true;
            case "-.inf" or "-.Inf" or "-.INF":
                value = double.NegativeInfinity;
                return true;
            case ".nan" or ".NaN" or ".NAN":
                value = double.NaN;
                return true;
            default:
                break;
        }

        if (t.Length == 0 || !(char.IsAsciiDigit(t[0]) || t[0] is '-' or '+' or '.'))
        {
            value = 0;
            return false;
        }

        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}

/// <summary>A metrics or params file flattened to dotted keys.</summary>
/// <param name="Values">Keys in ordinal order with their values.</param>
/// <param name="Notes">Things the reader skipped (for example lists of objects), for the user to see.</param>
public sealed record FlatFile(IReadOnlyDictionary<string, MetricValue> Values, IReadOnlyList<string> Notes);
