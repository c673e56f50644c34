using System.Runtime.InteropServices;

namespace GitMl.Core.Data;

/// <summary>
/// The stat fields GitMl keys its state database on. On Linux these come from one <c>statx</c> call (inode and
/// nanosecond mtime, which .NET's FileInfo does not expose); elsewhere from <see cref="FileInfo"/> with inode 0.
/// </summary>
/// <param name="Inode">Inode number (0 where unavailable).</param>
/// <param name="MtimeNs">Last write time in nanoseconds since the Unix epoch.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Mode">Unix mode bits (type and permissions).</param>
public readonly record struct FileStat(ulong Inode, long MtimeNs, long Size, uint Mode)
{
    private const uint TypeMask = 0xF000;
    private const uint TypeRegular = 0x8000;
    private const uint TypeDirectory = 0x4000;
    private const uint TypeSymlink = 0xA000;

    /// <summary>True for a regular file.</summary>
    public bool IsFile => (Mode & TypeMask) == TypeRegular;

    /// <summary>True for a directory.</summary>
    public bool IsDirectory => (Mode & TypeMask) == TypeDirectory;

    /// <summary>True for a symbolic link (only from <see cref="TryGet"/> with <c>followLinks: false</c>).</summary>
    public bool IsSymlink => (Mode & TypeMask) == TypeSymlink;

    /// <summary>True when any executable bit is set.</summary>
    public bool IsExecutable => (Mode & 0b001_001_001) != 0;

    /// <summary>Stats a path; returns null when it does not exist.</summary>
    public static FileStat? TryGet(string path, bool followLinks = true)
    {
        if (OperatingSystem.IsLinux())
        {
            return Native.TryStatx(path, followLinks);
        }

        return Managed(path, followLinks);
    }

    private static FileStat? Managed(string path, bool followLinks)
    {
        FileSystemInfo info = new FileInfo(path);
        if (!info.Exists)
        {
            info = new DirectoryInfo(path);
            if (!info.Exists)
            {
                return null;
            }
        }

        if (followLinks && info.LinkTarget is not null)
        {
            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            if (target is null || !target.Exists)
            {
                return null;
            }

            info = target;
        }

        var mtimeNs = (info.LastWriteTimeUtc - DateTime.UnixEpoch).Ticks * 100;
        uint mode = info is DirectoryInfo ? TypeDirectory : info.LinkTarget is not null ? TypeSymlink : TypeRegular;
        if (!OperatingSystem.IsWindows())
        {
            mode |= (uint)info.UnixFileMode;
        }

        return new FileStat(0, mtimeNs, info is FileInfo f ? f.Length : 0, mode);
    }

    /// <summary>Linux system calls that .NET does not expose.</summary>
    internal static class Native
    {
        private const int AtFdCwd = -100;
        private const int AtSymlinkNoFollow = 0x100;
        private const uint StatxBasicStats = 0x7ff;
        private const int ENOENT = 2;
        private const int ENOTDIR = 20;

        [ThreadStatic]
        private static byte[]? _buffer;

        /// <summary>statx(2); the 256-byte struct layout is fixed by the kernel ABI on every architecture.</summary>
        public static FileStat? TryStatx(string path, bool followLinks)
        {
            var buf = _buffer ??= new byte[256];
            var rc = statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxBasicStats, buf);
            if (rc != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is ENOENT or ENOTDIR)
                {
                    return null;
                }

                throw new IOException($"cannot stat '{path}': {Marshal.GetPInvokeErrorMessage(errno)}", errno);
            }

            var span = buf.AsSpan();
            var mode = BitConverter.ToUInt16(span[28..]);
            var ino = BitConverter.ToUInt64(span[32..]);
            var size = BitConverter.ToInt64(span[40..]);
            var mtimeSec = BitConverter.ToInt64(span[112..]);
            var mtimeNsec = BitConverter.ToUInt32(span[120..]);
            return new FileStat(ino, (mtimeSec * 1_000_000_000L) + mtimeNsec, size, mode);
        }

        /// <summary>link(2): a hard link; returns 0 or the errno.</summary>
        public static int HardLink(string existing, string newPath) =>
            link(existing, newPath) == 0 ? 0 : Marshal.GetLastPInvokeError();

        /// <summary>ioctl(FICLONE): makes <paramref name="dstFd"/> share <paramref name="srcFd"/>'s extents; 0 or errno.</summary>
        public static int Clone(SafeHandle dstFd, SafeHandle srcFd)
        {
            const ulong Ficlone = 0x40049409;
            return ioctl((int)dstFd.DangerousGetHandle(), Ficlone, (int)srcFd.DangerousGetHandle()) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }

        /// <summary>syncfs(2): flushes the file system holding <paramref name="fd"/>.</summary>
        public static void SyncFs(SafeHandle fd) => _ = syncfs((int)fd.DangerousGetHandle());

        /// <summary>
        /// sync_file_range(SYNC_FILE_RANGE_WRITE): starts writing <paramref name="fd"/>'s dirty pages to disk without
        /// waiting, so a later <see cref="SyncFs"/> finds little left to do. Best effort.
        /// </summary>
        public static void StartWriteback(SafeHandle fd) => _ = sync_file_range((int)fd.DangerousGetHandle(), 0, 0, 2);

        [DllImport("libc", SetLastError = true)]
        private static extern int sync_file_range(int fd, long offset, long nbytes, uint flags);

        [DllImport("libc", SetLastError = true)]
        private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [In, Out] byte[] buf);

        [DllImport("libc", SetLastError = true)]
        private static extern int link([MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath);

        [DllImport("libc", SetLastError = true)]
        private static extern int ioctl(int fd, ulong request, int arg);

        [DllImport("libc", SetLastError = true)]
        private static extern int syncfs(int fd);
    }
}
