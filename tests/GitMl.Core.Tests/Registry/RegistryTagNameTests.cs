using GitMl.Core.Git;
using GitMl.Core.Registry;

namespace GitMl.Core.Tests.Registry;

public class RegistryTagNameTests
{
    [Theory]
    [InlineData("churn@v1.2.3", "churn", RegistryAction.Register, "v1.2.3", null, null)]
    [InlineData("churn@v1.2.3-rc.1+b5", "churn", RegistryAction.Register, "v1.2.3-rc.1+b5", null, null)]
    [InlineData("churn@v1.2.3!", "churn", RegistryAction.Deregister, "v1.2.3", null, null)]
    [InlineData("churn#prod#7", "churn", RegistryAction.Assign, null, "prod", 7)]
    [InlineData("churn#prod", "churn", RegistryAction.Assign, null, "prod", null)]
    [InlineData("churn#prod!#8", "churn", RegistryAction.Unassign, null, "prod", 8)]
    [InlineData("churn@deprecated", "churn", RegistryAction.Deprecate, null, null, null)]
    [InlineData("models/churn=rf@v0.0.1", "models/churn:rf", RegistryAction.Register, "v0.0.1", null, null)]
    public void Parse_GtoTagNames_GivesActionVersionStageCounter(string tag, string artifact, RegistryAction action, string? version, string? stage, int? counter)
    {
        // Given a tag name GTO writes / When parsed
        var parsed = RegistryTagName.TryParse(tag);

        // Then every part is recovered
        Assert.Equal(new RegistryTag(artifact, action, version, stage, counter), parsed);
    }

    [Theory]
    [InlineData("v1.0.0")]
    [InlineData("Churn@v1.0.0")]
    [InlineData("churn@1.0.0")]
    [InlineData("churn@v1.0")]
    [InlineData("churn#Prod#1")]
    [InlineData("churn@created")]
    [InlineData("-churn@v1.0.0")]
    public void Parse_NonRegistryTags_GivesNull(string tag) => Assert.Null(RegistryTagName.TryParse(tag));

    [Fact]
    public void Format_EachAction_RoundTripsThroughParse()
    {
        // Given tags formatted for every action / When parsed back / Then they name the same event
        Assert.Equal(RegistryAction.Register, RegistryTagName.TryParse(RegistryTagName.Register("a-b", "v1.0.0"))!.Action);
        Assert.Equal(RegistryAction.Deregister, RegistryTagName.TryParse(RegistryTagName.Deregister("a-b", "v1.0.0"))!.Action);
        Assert.Equal("a-b#dev#3", RegistryTagName.Assign("a-b", "dev", 3));
        Assert.Equal("a-b#dev!#4", RegistryTagName.Unassign("a-b", "dev", 4));
        Assert.Equal("dir=x@deprecated", RegistryTagName.Deprecate("dir:x"));
    }

    [Fact]
    public void SemVer_Ordering_FollowsSemverPrecedence()
    {
        // Given versions in scrambled order / When sorted / Then pre-releases come before their release, numbers numerically
        string[] input = ["v1.10.0", "v1.2.0", "v1.2.0-rc.2", "v1.2.0-rc.10", "v1.2.0-alpha", "v0.9.9", "v2.0.0"];
        var sorted = input.Select(v => SemVer.Parse(v)).Order().Select(v => v.ToString()).ToArray();
        Assert.Equal(["v0.9.9", "v1.2.0-alpha", "v1.2.0-rc.2", "v1.2.0-rc.10", "v1.2.0", "v1.10.0", "v2.0.0"], sorted);
        Assert.Equal("v2.0.0", SemVer.Parse("v1.4.2-rc.1").Bump("major").ToString());
        Assert.Equal("v1.5.0", SemVer.Parse("v1.4.2").Bump("minor").ToString());
        Assert.Equal("v1.4.3", SemVer.Parse("v1.4.2").Bump("patch").ToString());
    }

    [Fact]
    public void NextCounter_CountsEveryTagOfTheArtifactIncludingLightweight()
    {
        // Given annotated and lightweight counted tags of two artifacts (GTO counts both kinds)
        var when = DateTimeOffset.UnixEpoch;
        var state = RegistryState.FromTags(
        [
            new GitTagInfo("churn#prod#2", new string('a', 40), "m", "u", "e", when, true),
            new GitTagInfo("churn#dev#5", new string('a', 40), null, null, null, null, false),
            new GitTagInfo("other#prod#9", new string('b', 40), "m", "u", "e", when, true),
        ]);

        // When / Then the next counter is one past the artifact's own highest
        Assert.Equal(6, state.NextCounter("churn"));
        Assert.Equal(10, state.NextCounter("other"));
        Assert.Equal(1, state.NextCounter("new"));
    }
}
