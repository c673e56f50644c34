using System.CommandLine;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace GitMl.Cli.Tests;

public class CiExamplesTests
{
    // Commands the CI examples call that other issues deliver (data path / pipelines). While absent from this build
    // they are exempt; as soon as they exist they are parsed and checked like every other command.
    private static readonly HashSet<string> DeliveredElsewhere = ["pull", "repro"];

    public static TheoryData<string> Files => new() { "examples/ci/github-actions.yml", "examples/ci/gitlab-ci.yml" };

    [Theory]
    [MemberData(nameof(Files))]
    public void CiExample_EveryGitMlCommandItCalls_ParsesAgainstTheCli(string file)
    {
        // Given the CI example (it must be valid YAML)
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(SourceTree.Root, file))));
        var commands = Scalars(yaml.Documents[0].RootNode).SelectMany(GitMlInvocations).ToList();

        // When each 'git ml …' invocation is parsed by the real command tree
        var root = Program.BuildRoot(new CliContext(TextWriter.Null, TextWriter.Null, Path.GetTempPath(), false));
        var known = root.Subcommands.Select(c => c.Name).ToHashSet();

        // Then it calls the report with the base branch, and every call names an existing command with valid options
        Assert.Contains(commands, c => c.Length >= 3 && c[0] == "report" && c[1].StartsWith("origin/", StringComparison.Ordinal) && c[2] == "HEAD");
        foreach (var args in commands)
        {
            if (!known.Contains(args[0]) && DeliveredElsewhere.Contains(args[0]))
            {
                continue;
            }

            var parse = root.Parse(args);
            Assert.True(parse.Errors.Count == 0, $"{file}: 'git ml {string.Join(' ', args)}': {string.Join("; ", parse.Errors.Select(e => e.Message))}");
        }

        Assert.Contains("<!-- gitml-report -->", File.ReadAllText(Path.Combine(SourceTree.Root, file)));
    }

    private static IEnumerable<string> Scalars(YamlNode node) => node switch
    {
        YamlScalarNode s => [s.Value ?? string.Empty],
        YamlSequenceNode seq => seq.Children.SelectMany(Scalars),
        YamlMappingNode map => map.Children.SelectMany(kv => Scalars(kv.Value)),
        _ => [],
    };

    /// <summary>Arguments after each 'git ml' in a shell snippet, up to the next shell operator.</summary>
    private static IEnumerable<string[]> GitMlInvocations(string script)
    {
        foreach (var line in script.Split('\n'))
        {
            var at = line.IndexOf("git ml ", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var tokens = new List<string>();
            foreach (var token in ShellWords(line[(at + "git ml ".Length)..]))
            {
                if (token is "&&" or "||" or "|" or ";" || token.StartsWith('>'))
                {
                    break;
                }

                tokens.Add(token);
            }

            yield return tokens.ToArray();
        }
    }

    private static List<string> ShellWords(string text)
    {
        var words = new List<string>();
        var sb = new StringBuilder();
        char? quote = null;
        var any = false;
        foreach (var c in text)
        {
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    sb.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                any = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (any || sb.Length > 0)
                {
                    words.Add(sb.ToString());
                    sb.Clear();
                    any = false;
                }
            }
            else
            {
                sb.Append(c);
            }
        }

        if (any || sb.Length > 0)
        {
            words.Add(sb.ToString());
        }

        return words;
    }
}
