using System.CommandLine;
using GitMl.Core.Metrics;

namespace GitMl.Cli;

/// <summary>The <c>[a] [b]</c> pair of <c>metrics diff</c> and <c>params diff</c>: default HEAD versus the workspace.</summary>
internal sealed class RevisionPairArguments
{
    private readonly Argument<string> _old = new("a") { Description = "Old revision (default: HEAD)", Arity = ArgumentArity.ZeroOrOne };
    private readonly Argument<string> _new = new("b") { Description = "New revision (default: workspace)", Arity = ArgumentArity.ZeroOrOne };

    public void AddTo(Command command)
    {
        command.Arguments.Add(_old);
        command.Arguments.Add(_new);
    }

    public (RevisionRef Old, RevisionRef New) Resolve(ParseResult parse, RevisionSource source) =>
        (source.Resolve(parse.GetValue(_old) ?? "HEAD"), ResolveNew(parse, source));

    /// <summary>Resolves <c>b</c> alone (default: the workspace).</summary>
    public RevisionRef ResolveNew(ParseResult parse, RevisionSource source) => source.Resolve(parse.GetValue(_new) ?? RevisionRef.Workspace);

    /// <summary>True when the user left out <c>a</c> (so it defaults to HEAD).</summary>
    public bool OldIsDefault(ParseResult parse) => parse.GetValue(_old) is null;
}
