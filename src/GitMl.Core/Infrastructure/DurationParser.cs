using System.Globalization;
using System.Text.RegularExpressions;

namespace GitMl.Core;

/// <summary>
/// Parses the short durations options take (<c>0</c>, <c>90s</c>, <c>15m</c>, <c>1h</c>, <c>2d</c>, <c>1w</c>), the
/// forms <c>git gc --prune=2.weeks.ago</c> and restic's <c>--keep-within 2d</c> users already type, without the
/// ambiguity of <see cref="TimeSpan.Parse(string)"/> (where <c>1</c> means one day).
/// </summary>
public static partial class DurationParser
{
    /// <summary>Parses <paramref name="text"/>, or throws an <see cref="ExitCode.Usage"/> error naming <paramref name="option"/>.</summary>
    public static TimeSpan Parse(string text, string option)
    {
        var m = Form().Match(text.Trim());
        if (!m.Success)
        {
            throw new GitMlException(
                $"{option}: '{text}' is not a duration",
                "use a number and a unit: 0, 30s, 15m, 1h, 2d or 1w",
                ExitCode.Usage);
        }

        var n = long.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
        var unit = m.Groups["u"].Value;
        if (n != 0 && unit.Length == 0)
        {
            throw new GitMlException(
                $"{option}: '{text}' has no unit",
                $"write {n}s, {n}m, {n}h, {n}d or {n}w",
                ExitCode.Usage);
        }

        var seconds = unit switch
        {
            "" or "s" => 1L,
            "m" => 60L,
            "h" => 3600L,
            "d" => 86_400L,
            _ => 604_800L,
        };

        // Ten years is far beyond any sensible grace period and keeps the arithmetic clear of TimeSpan's range.
        if (n > 10L * 366 * 86_400 / seconds)
        {
            throw new GitMlException($"{option}: '{text}' is too long", "use at most 520w", ExitCode.Usage);
        }

        return TimeSpan.FromSeconds(n * seconds);
    }

    /// <summary>Renders a duration the way <see cref="Parse"/> reads it, in its largest whole unit.</summary>
    public static string Format(TimeSpan value)
    {
        var s = (long)value.TotalSeconds;
        return s switch
        {
            0 => "0",
            _ when s % 604_800 == 0 => $"{s / 604_800}w",
            _ when s % 86_400 == 0 => $"{s / 86_400}d",
            _ when s % 3600 == 0 => $"{s / 3600}h",
            _ when s % 60 == 0 => $"{s / 60}m",
            _ => $"{s}s",
        };
    }

    [GeneratedRegex(@"^(?<n>[0-9]{1,12})(?<u>[smhdw]?)$", RegexOptions.CultureInvariant)]
    private static partial Regex Form();
}
