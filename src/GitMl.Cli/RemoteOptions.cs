using System.CommandLine;
using GitMl.Core;
using GitMl.Core.Pointers;
using GitMl.Core.Remotes;

namespace GitMl.Cli;

/// <summary>Options and helpers shared by the commands that talk to a remote (push, fetch, pull, status --cloud, gc, fsck).</summary>
internal sealed class RemoteOptions
{
    public Argument<string[]> Targets { get; } = new("targets")
    {
        Description = "Tracked paths, their .gitml files, or folders containing them (default: everything in scope)",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<string?> Remote { get; } = new("--remote", "-r") { Description = "Remote name (default: core.remote)" };

    public Option<int?> Jobs { get; } = new("--jobs", "-j") { Description = "Parallel transfers (default: the remote's jobs, else 8 per core, 16 to 64)" };

    public Option<bool> AllBranches { get; } = new("--all-branches", "-a") { Description = "Also every local branch tip" };

    public Option<bool> AllTags { get; } = new("--all-tags", "-T") { Description = "Also every tagged commit" };

    public Option<bool> AllCommits { get; } = new("--all-commits", "-A") { Description = "Also every commit reachable from any ref" };

    public Option<bool> Json { get; } = GlobalOptions.Json();

    public void AddTo(Command command, bool targets = true, bool revisions = true)
    {
        if (targets)
        {
            command.Arguments.Add(Targets);
        }

        command.Options.Add(Remote);
        command.Options.Add(Jobs);
        if (revisions)
        {
            command.Options.Add(AllBranches);
            command.Options.Add(AllTags);
            command.Options.Add(AllCommits);
        }

        command.Options.Add(Json);
    }

    public RevisionScope Scope(ParseResult pr) => new(true, pr.GetValue(AllBranches), pr.GetValue(AllTags), pr.GetValue(AllCommits));

    /// <summary>The outs in scope, limited to the command line's targets.</summary>
    public IReadOnlyList<TrackedOut> Outs(ParseResult pr, CliContext ctx, GitMlRepository repo, RevisionScope? scope = null)
    {
        var targets = (pr.GetValue(Targets) ?? []).Select(t => ToRepoRelative(repo, ctx.Cwd, t)).ToList();
        return (scope ?? Scope(pr)).Collect(repo, targets);
    }

    public int JobsFor(ParseResult pr, RemoteSettings settings)
    {
        var j = pr.GetValue(Jobs);
        if (j is < 1 or > 256)
        {
            throw new GitMlException($"invalid --jobs {j}", "use a number from 1 to 256", ExitCode.Usage);
        }

        return j ?? settings.Jobs ?? TransferService.DefaultJobs;
    }

    /// <summary>Same JSON conventions as every other command (snake_case keys).</summary>
    public static void WriteJson(CliContext ctx, object value) => JsonOut.Write(ctx, value);

    private static string ToRepoRelative(GitMlRepository repo, string cwd, string target)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(cwd, target)));
        if (full == repo.WorkDir)
        {
            return ".";
        }

        SafePath.EnsureInside(repo.WorkDir, full, "target");
        return SafePath.ToPortable(Path.GetRelativePath(repo.WorkDir, full));
    }
}
