using System.Diagnostics;

namespace GitMl.Core;

/// <summary>
/// Serializes <c>git ml</c> processes in one repository. The lock is an OS file lock (.NET takes <c>flock</c> for
/// <see cref="FileShare.None"/> on Unix), so a killed holder releases it at once and a stale lock cannot block
/// anybody; the holder's pid and command are written beside it so a waiting process can name it.
/// </summary>
public sealed class RepoLock : IDisposable
{
    private readonly FileStream _stream;
    private readonly string _infoPath;

    private RepoLock(FileStream stream, string infoPath, bool recoveredStale)
    {
        RecoveredStale = recoveredStale;
        _stream = stream;
        _infoPath = infoPath;
    }

    /// <summary>
    /// Takes the lock in <paramref name="tmpDir"/>, waiting up to <paramref name="timeout"/> (reporting the holder once
    /// through <paramref name="onWait"/>), else throws <see cref="ExitCode.Locked"/> naming the holder.
    /// </summary>
    public static RepoLock Acquire(string tmpDir, string command, TimeSpan timeout, Action<string>? onWait = null)
    {
        Directory.CreateDirectory(tmpDir);
        var lockPath = Path.Combine(tmpDir, "lock");
        var infoPath = Path.Combine(tmpDir, "lock.holder");
        var sw = Stopwatch.StartNew();
        var told = false;
        while (true)
        {
            try
            {
                var fs = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                var staleHolder = ReadHolder(infoPath);
                if (staleHolder is not null && !told)
                {
                    // The previous holder did not clean up (killed); the OS released its lock, so it is safe to go on.
                    onWait?.Invoke($"recovered a stale lock left by {staleHolder}");
                }

                AtomicFile.WriteAllText(infoPath, $"pid {Environment.ProcessId} ('git ml {command}') since {DateTimeOffset.UtcNow:O}\n");
                return new RepoLock(fs, infoPath, staleHolder is not null);
            }
            catch (IOException) when (sw.Elapsed < timeout)
            {
                if (!told)
                {
                    onWait?.Invoke($"waiting for the repository lock held by {ReadHolder(infoPath) ?? "another process"}");
                    told = true;
                }

                Thread.Sleep(50);
            }
            catch (IOException)
            {
                var holder = ReadHolder(infoPath) ?? "another git ml process";
                throw new GitMlException(
                    $"the repository is locked by {holder}",
                    $"wait for it to finish; if no such process runs, the lock is released automatically (lock file: {lockPath})",
                    ExitCode.Locked);
            }
        }
    }

    /// <summary>
    /// True when the previous holder never released the lock itself (it was killed): its temp files may still lie around.
    /// </summary>
    public bool RecoveredStale { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        AtomicFile.TryDelete(_infoPath);
        _stream.Dispose();
    }

    private static string? ReadHolder(string infoPath)
    {
        try
        {
            return File.Exists(infoPath) ? File.ReadAllText(infoPath).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
