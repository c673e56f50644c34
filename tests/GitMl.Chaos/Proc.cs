using System.Diagnostics;
using System.Runtime.InteropServices;

namespace GitMl.Chaos;

/// <summary>The outcome of a child process; <see cref="Killed"/> when the harness SIGKILLed it before it exited.</summary>
internal sealed record ProcResult(int ExitCode, string StdOut, string StdErr, bool Killed, TimeSpan Elapsed);

/// <summary>Starts real processes in their own session (so a kill reaches stage commands too) and kills them.</summary>
internal static class Proc
{
    private const int SigKill = 9;

    /// <summary>Runs to completion (or until <paramref name="killAfter"/>, then SIGKILLs the whole process group).</summary>
    public static ProcResult Run(string file, IEnumerable<string> args, string cwd, TimeSpan? killAfter = null, TimeSpan? timeout = null)
    {
        // setsid makes the child a process-group leader, so kill(-pid) also takes down what it spawned (repro stages).
        var psi = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = cwd,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(file);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        psi.Environment["GIT_AUTHOR_NAME"] = psi.Environment["GIT_COMMITTER_NAME"] = "GitMl Chaos";
        psi.Environment["GIT_AUTHOR_EMAIL"] = psi.Environment["GIT_COMMITTER_EMAIL"] = "chaos@gitml.invalid";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        var killed = false;
        if (killAfter is { } delay)
        {
            if (!p.WaitForExit(delay))
            {
                _ = Kill(-p.Id, SigKill);
                killed = true;
                p.WaitForExit();
            }
        }
        else if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            _ = Kill(-p.Id, SigKill);
            p.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time");
        }

        p.WaitForExit();
        return new ProcResult(p.ExitCode, stdout.Result, stderr.Result, killed, sw.Elapsed);
    }

    /// <summary>Runs and throws unless the exit code is 0.</summary>
    public static ProcResult Ok(string file, string cwd, params string[] args)
    {
        var r = Run(file, args, cwd);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} exited {r.ExitCode}: {r.StdErr}{r.StdOut}");
        }

        return r;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int sig);
}
