using System.CommandLine;

namespace GitMl.Cli.Tests;

/// <summary>docs/cli.md stays true: every command and every option the CLI has is in it.</summary>
public class CliReferenceTests
{
    [Fact]
    public void CliReference_NamesEveryCommandAndOption()
    {
        // Given the reference and the real command tree
        var doc = File.ReadAllText(Path.Combine(SourceTree.Root, "docs", "cli.md"));
        var root = Program.BuildRoot(new CliContext(TextWriter.Null, TextWriter.Null, Path.GetTempPath(), false));

        // When every command path and option name is looked up in it
        var missing = new List<string>();
        foreach (var (path, command) in Walk(root, string.Empty))
        {
            if (!doc.Contains("git ml " + path, StringComparison.Ordinal))
            {
                missing.Add($"command 'git ml {path}'");
            }

            foreach (var option in command.Options.Where(o => o.Name is not "--help" and not "--verbose" && !o.Hidden))
            {
                if (!doc.Contains(option.Name, StringComparison.Ordinal))
                {
                    missing.Add($"option {option.Name} of 'git ml {path}'");
                }
            }
        }

        // Then nothing is missing
        Assert.True(missing.Count == 0, "docs/cli.md does not mention: " + string.Join("; ", missing));
    }

    private static IEnumerable<(string Path, Command Command)> Walk(Command command, string prefix)
    {
        foreach (var sub in command.Subcommands)
        {
            var path = prefix.Length == 0 ? sub.Name : prefix + " " + sub.Name;
            yield return (path, sub);
            foreach (var nested in Walk(sub, path))
            {
                yield return nested;
            }
        }
    }
}
