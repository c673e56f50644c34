using System.Diagnostics;

namespace GitMl.Core.Pipelines;

/// <summary>What a stage command did.</summary>
/// <param name="ExitCode">The process exit code.</param>
/// <param name="StderrTail">The last lines it wrote to stderr (at most <see cref="StageRunner.TailLines"/>).</param>
public sealed record StageRunResult(int ExitCode, IReadOnlyList<string> StderrTail);

/// <summary>Runs a stage command with <c>/bin/sh -c</c>, streaming its output line by line to the given writers.</summary>
public static class StageRunner
{
    /// <summary>How many trailing stderr lines are kept for the error message.</summary>
    public const int TailLines = 5;

    /// <summary>Runs <paramref name="cmd"/> in <paramref name="workingDir"/> and waits for it.</summary>
    public static StageRunResult Run(string cmd, string workingDir, TextWriter stdout, TextWriter stderr)
    {
        var psi = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = workingDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(cmd);

        var tail = new Queue<string>();
        var gate = new object();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (gate)
                {
                    stdout.WriteLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (gate)
            {
                stderr.WriteLine(e.Data);
                if (e.Data.Trim().Length > 0)
                {
                    tail.Enqueue(e.Data);
                    if (tail.Count > TailLines)
                    {
                        tail.Dequeue();
                    }
                }
            }
        };

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new GitMlException($"cannot start /bin/sh: {ex.Message}", "stage commands run through /bin/sh -c", ExitCode.StageFailed, ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        lock (gate)
        {
            stdout.Flush();
            stderr.Flush();
            return new StageRunResult(process.ExitCode, tail.ToList());
        }
    }
}
