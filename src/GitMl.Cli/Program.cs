using System.CommandLine;
using GitMl.Cli.Commands;
using GitMl.Core;
using GitMl.Core.Hashing;

namespace GitMl.Cli;

/// <summary>Entry point of <c>git-ml</c>. Git runs it as <c>git ml …</c> when it is on PATH.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (!args.Contains("serve"))
        {
            // YamlDotNet builds a RegexOptions.Compiled regex on its first parse: 14 ms of Reflection.Emit on every
            // command (measured, docs/benchmarks.md). Without dynamic code the regex is interpreted, which a CLI that
            // parses a few small files never notices. The server keeps compiled code: its request delegates run hot.
            AppContext.SetSwitch("System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported", false);
        }

        return Run(args, Console.Out, Console.Error, Environment.CurrentDirectory, !Console.IsErrorRedirected);
    }

    /// <summary>
    /// Runs one command line; tests call this with their own writers, working directory and, in
    /// <paramref name="environment"/>, variables that take precedence over the process environment (so parallel tests
    /// never change each other's settings).
    /// </summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, string cwd, bool errorIsTerminal = false,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var ctx = new CliContext(stdout, stderr, cwd, errorIsTerminal, environment);
        var root = BuildRoot(ctx);
        var parse = root.Parse(args);
        ctx.Verbose = parse.GetValue(GlobalOptions.Verbose);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                stderr.WriteLine("error: " + e.Message);
            }

            stderr.WriteLine($"hint: see 'git ml {string.Join(' ', CommandPath(parse))} --help'".Replace("  ", " "));
            return (int)ExitCode.Usage;
        }

        try
        {
            var code = parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
            ctx.Debug($"hashed {Blake3Hasher.BytesHashed} bytes in {Blake3Hasher.FilesHashed} files");
            return code;
        }
        catch (Exception ex)
        {
            return ReportError(ctx, ex);
        }
        finally
        {
            stdout.Flush();
            stderr.Flush();
        }
    }

    internal static RootCommand BuildRoot(CliContext ctx)
    {
        var root = new RootCommand("git ml: version data and models with Git, compare runs, serve models.");
        root.Options.Add(GlobalOptions.Verbose);
        foreach (var command in CommandCatalog.All(ctx))
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (r.Command is not RootCommand)
            {
                names.Insert(0, r.Command.Name);
            }
        }

        return names;
    }

    private static int ReportError(CliContext ctx, Exception ex)
    {
        var inner = ex is AggregateException agg && agg.InnerExceptions.Count == 1 ? agg.InnerExceptions[0] : ex;
        switch (inner)
        {
            case GitMlException g:
                ctx.Err.WriteLine("error: " + g.Message);
                if (g.Hint is not null)
                {
                    ctx.Err.WriteLine("hint: " + g.Hint);
                }

                if (ctx.Verbose)
                {
                    ctx.Err.WriteLine(g.ToString());
                }

                return (int)g.ExitCode;
            case IOException io when io.HResult == 28 || io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase):
                ctx.Err.WriteLine("error: no space left on device: " + io.Message);
                ctx.Err.WriteLine("hint: free disk space (e.g. 'git ml gc') and run the command again; nothing was half-written");
                return (int)ExitCode.IoError;
            case UnauthorizedAccessException ua:
                ctx.Err.WriteLine("error: permission denied: " + ua.Message);
                ctx.Err.WriteLine("hint: check file permissions; cached objects are read-only by design");
                return (int)ExitCode.IoError;
            case IOException io:
                ctx.Err.WriteLine("error: " + io.Message);
                ctx.Err.WriteLine("hint: run again with --verbose for details");
                if (ctx.Verbose)
                {
                    ctx.Err.WriteLine(io.ToString());
                }

                return (int)ExitCode.IoError;
            default:
                ctx.Err.WriteLine($"error: unexpected {inner.GetType().Name}: {inner.Message}");
                ctx.Err.WriteLine("hint: this is a bug in git ml; run with --verbose and report the stack trace");
                if (ctx.Verbose)
                {
                    ctx.Err.WriteLine(inner.ToString());
                }

                return (int)ExitCode.Error;
        }
    }
}
