using System.Diagnostics;
using GitMl.Core;

namespace GitMl.Cli;

/// <summary>A single-line progress bar on stderr, redrawn at most 10 times a second.</summary>
internal sealed class TerminalProgress : IProgress<WorkProgress>
{
    private readonly TextWriter _err;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private long _lastDraw = -1000;

    public TerminalProgress(TextWriter err) => _err = err;

    public void Report(WorkProgress value)
    {
        lock (_gate)
        {
            var now = _clock.ElapsedMilliseconds;
            var done = value.FilesTotal > 0 && value.FilesDone >= value.FilesTotal;
            if (!done && now - _lastDraw < 100)
            {
                return;
            }

            _lastDraw = now;
            var fraction = value.BytesTotal > 0 ? (double)value.BytesDone / value.BytesTotal
                : value.FilesTotal > 0 ? (double)value.FilesDone / value.FilesTotal : 0;
            fraction = Math.Clamp(fraction, 0, 1);
            const int width = 24;
            var filled = (int)(fraction * width);
            var bar = new string('#', filled) + new string('-', width - filled);
            var rate = now > 0 ? value.BytesDone * 1000.0 / now : 0;
            var files = value.FilesTotal > 0 ? $"{value.FilesDone}/{value.FilesTotal} files" : $"{value.FilesDone} files";
            _err.Write($"\r{value.Phase,-10} [{bar}] {fraction * 100,5:0.0}% {files} {Format.Bytes(value.BytesDone)}/{Format.Bytes(value.BytesTotal)} {Format.Bytes((long)rate)}/s ");
            if (done)
            {
                _err.Write("\r" + new string(' ', 100) + "\r");
            }
        }
    }
}
