using System.Globalization;

namespace GitMl.Core.Metrics;

/// <summary>
/// How numbers are shown in tables. <c>--precision N</c> means N <b>significant</b> digits (default 5), because
/// metrics of very different scales sit in one table (a loss of 0.000123 and a count of 12345); the integer part is
/// never cut (123456.7 at 5 digits shows as 123457), integers show as integers, and trailing zeros are dropped.
/// Magnitudes below 1e-4 use exponent notation. Machine output (<c>--json</c>) is never rounded.
/// </summary>
public static class NumberFormat
{
    /// <summary>Default significant digits.</summary>
    public const int DefaultPrecision = 5;

    /// <summary>Formats a number with <paramref name="precision"/> significant digits.</summary>
    public static string Format(double value, int precision = DefaultPrecision)
    {
        if (precision < 1)
        {
            precision = 1;
        }

        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        if (value == 0)
        {
            return "0";
        }

        var abs = Math.Abs(value);
        if (abs < 1e15 && value == Math.Floor(value))
        {
            return value.ToString("0", CultureInfo.InvariantCulture);
        }

        if (abs < 1e-4)
        {
            return value.ToString("0." + new string('#', precision - 1) + "e+0", CultureInfo.InvariantCulture);
        }

        var magnitude = (int)Math.Floor(Math.Log10(abs));
        var decimals = Math.Clamp(precision - 1 - magnitude, 0, 15);
        var rounded = Math.Round(value, decimals, MidpointRounding.AwayFromZero);
        var text = rounded.ToString("F" + decimals, CultureInfo.InvariantCulture);
        if (text.Contains('.'))
        {
            text = text.TrimEnd('0').TrimEnd('.');
        }

        return text == "-0" ? "0" : text;
    }

    /// <summary>A change with an explicit sign (<c>+0.02</c>, <c>-1</c>).</summary>
    public static string Signed(double change, int precision = DefaultPrecision)
    {
        var text = Format(change, precision);
        return change > 0 && !text.StartsWith('+') ? "+" + text : text;
    }
}
