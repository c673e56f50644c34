using GitMl.Core;

namespace GitMl.Core.Tests.Infrastructure;

public sealed class LockTimeoutTests
{
    [Theory]
    [InlineData(null, 30.0)]
    [InlineData("", 30.0)]
    [InlineData("0", 0.0)]
    [InlineData("0.2", 0.2)]
    [InlineData("120", 120.0)]
    [InlineData("-1", 30.0)]
    [InlineData("soon", 30.0)]
    [InlineData("1e9", 30.0)]
    public void LockTimeoutFrom_EnvironmentValue_GivesSecondsOrTheDefault(string? value, double seconds)
    {
        // Given a GITML_LOCK_TIMEOUT value as a user may set it
        // When it is read
        var timeout = GitMlRepository.LockTimeoutFrom(value);

        // Then a non-negative number of seconds is taken, anything else falls back to 30 s
        Assert.Equal(TimeSpan.FromSeconds(seconds), timeout);
    }
}
