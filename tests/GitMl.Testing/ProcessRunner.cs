using System.Diagnostics;

namespace GitMl.Testing;

/// <summary>The outcome of a child process.</summary>
public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr);

/// <summary>Runs real programs (git, moto_server, the built git-ml) from tests.</summary>
public static class ProcessRunner
{
    /// <summary>Runs a program to completion; throws when it exits non-zero unless <paramref name="check"/> is false.</summary>
    public static ProcessResult Run(string file, IEnumerable<string> args, string workDir, bool check = true,
        IDictionary<string, string?>? env = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} timed out");
        }

        var result = new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
        if (check && result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {result.ExitCode}: {result.StdErr}");
        }

        return result;
    }
}
