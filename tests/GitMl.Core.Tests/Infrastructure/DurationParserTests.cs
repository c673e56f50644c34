using GitMl.Core;

namespace GitMl.Core.Tests.Infrastructure;

public sealed class DurationParserTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("45s", 45)]
    [InlineData("15m", 900)]
    [InlineData("1h", 3600)]
    [InlineData(" 2d ", 172_800)]
    [InlineData("2w", 1_209_600)]
    public void Parse_NumberAndUnit_GivesThatManySeconds(string text, long seconds)
    {
        // Given a duration as a user types it
        // When it is parsed
        var value = DurationParser.Parse(text, "--keep-recent");

        // Then it is that many seconds
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("", "is not a duration")]
    [InlineData("1", "has no unit")]
    [InlineData("-1h", "is not a duration")]
    [InlineData("1.5h", "is not a duration")]
    [InlineData("1y", "is not a duration")]
    [InlineData("1 h", "is not a duration")]
    [InlineData("999999999999w", "is too long")]
    public void Parse_Malformed_IsAUsageErrorNamingTheOption(string text, string says)
    {
        // Given a value that is not a duration
        // When it is parsed
        var ex = Assert.Throws<GitMlException>(() => DurationParser.Parse(text, "--keep-recent"));

        // Then the error names the option and the problem, hints at the forms, and is a usage error
        Assert.StartsWith("--keep-recent: ", ex.Message);
        Assert.Contains(says, ex.Message);
        Assert.False(string.IsNullOrEmpty(ex.Hint));
        Assert.Equal(ExitCode.Usage, ex.ExitCode);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("90s")]
    [InlineData("15m")]
    [InlineData("1h")]
    [InlineData("3d")]
    [InlineData("2w")]
    public void Format_RoundTripsThroughParse(string text)
    {
        // Given a parsed duration
        var value = DurationParser.Parse(text, "--x");

        // When it is formatted
        // Then it reads back as typed
        Assert.Equal(text, DurationParser.Format(value));
    }
}
