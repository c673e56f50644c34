using System.Collections.Concurrent;
using GitMl.Core.Cache;

namespace GitMl.Core.Data;

/// <summary>How a workspace file was produced from its cache object.</summary>
public enum LinkType
{
    /// <summary>Copy-on-write clone (FICLONE): no extra space, writable, independent of the cache.</summary>
    Reflink,

    /// <summary>Hard link to the cache object: no extra space; read-only because it shares the object's inode.</summary>
    Hardlink,

    /// <summary>Symbolic link to the cache object: no extra space; read-only through its read-only target.</summary>
    Symlink,

    /// <summary>A plain copy: writable, costs the space once more.</summary>
    Copy,
}

/// <summary>
/// Creates workspace files from cache objects by the first link type of <c>cache.type</c> that works here, detecting
/// support at run time: a type the file system refuses (no reflinks on ext4, no hard links across devices) is dropped
/// for the rest of the run and the next one is tried. Every object is verified against its oid before its bytes can
/// reach the workspace (once per run; a copy is verified while it is written). Thread-safe.
/// </summary>
public sealed class WorkspaceLinker
{
    private const int EXDEV = 18;
    private const int EPERM = 1;
    private const int EINVAL = 22;
    private const int ENOTTY = 25;
    private const int EMLINK = 31;
    private const int EOPNOTSUPP = 95;
    private const int EBADF = 9;

    private readonly ObjectStore _cache;
    private readonly List<LinkType> _types;
    private readonly ConcurrentDictionary<LinkType, bool> _disabled = new();
    private readonly ConcurrentDictionary<string, bool> _verified = new(StringComparer.Ordinal);

    /// <summary>Creates a linker over <paramref name="cache"/> trying <paramref name="types"/> in order.</summary>
    public WorkspaceLinker(ObjectStore cache, IEnumerable<LinkType> types)
    {
        _cache = cache;
        _types = types.ToList();
        if (!_types.Contains(LinkType.Copy))
        {
            // Without a copy fallback, a file system that supports none of the listed types could not check out at all.
            _types.Add(LinkType.Copy);
        }
    }

    /// <summary>Parses <c>cache.type</c> names (<c>reflink</c>, <c>hardlink</c>, <c>symlink</c>, <c>copy</c>).</summary>
    public static IReadOnlyList<LinkType> Parse(IEnumerable<string> names) => names.Select(n => n switch
    {
        "reflink" => LinkType.Reflink,
        "hardlink" => LinkType.Hardlink,
        "symlink" => LinkType.Symlink,
        "copy" => LinkType.Copy,
        _ => throw new GitMlException($"invalid cache.type '{n}'", "cache.type is a comma-separated list of reflink, hardlink, symlink, copy", ExitCode.InvalidInput),
    }).ToList();

    /// <summary>True when <c>cache.type</c> lists a type other than copy (worth trying to link after <c>add</c>).</summary>
    public bool WantsLinks => _types.Any(t => t != LinkType.Copy && !_disabled.ContainsKey(t));

    /// <summary>Marks an object as verified (the caller just wrote it from hashed bytes).</summary>
    public void MarkVerified(string oid) => _verified[oid] = true;

    /// <summary>
    /// Creates <paramref name="destination"/> (which must not exist) from object <paramref name="oid"/>.
    /// Executable files are never hard- or symlinked: they would share the cache object's read-only, non-exec mode.
    /// Returns the link type used, or null when <paramref name="allowCopy"/> is false and no link type works.
    /// Throws <see cref="ExitCode.Corrupted"/> when the object does not match its oid.
    /// </summary>
    public LinkType? Create(string oid, string destination, bool isExec, Action<long>? onBytes = null, bool allowCopy = true)
    {
        foreach (var type in _types)
        {
            if (_disabled.ContainsKey(type) || (isExec && type is LinkType.Hardlink or LinkType.Symlink) || (!allowCopy && type == LinkType.Copy))
            {
                continue;
            }

            if (type == LinkType.Copy)
            {
                if (_verified.ContainsKey(oid))
                {
                    // Hashed in this run (while it was written into the cache, or by an earlier copy): a kernel-side
                    // copy without a second hash. The copy goes to a temp name, so it still replaces nothing on failure.
                    File.Copy(_cache.PathOf(oid), destination, overwrite: false);
                    onBytes?.Invoke(new FileInfo(destination).Length);
                }
                else
                {
                    _cache.CopyVerifiedTo(oid, destination, onBytes);
                    _verified[oid] = true;
                }

                SetMode(destination, isExec);
                BackdateMtime(destination);
                return type;
            }

            if (TryLink(type, _cache.PathOf(oid), destination))
            {
                // Verified after linking (the link is still a temp name), so probing an unsupported type reads nothing.
                try
                {
                    EnsureVerified(oid);
                }
                catch
                {
                    AtomicFile.TryDelete(destination);
                    throw;
                }

                if (type == LinkType.Reflink)
                {
                    SetMode(destination, isExec);
                    BackdateMtime(destination);
                }

                return type;
            }
        }

        return allowCopy ? throw new InvalidOperationException("no link type succeeded, not even copy") : null;
    }

    /// <summary>
    /// Gives a file GitMl just wrote an mtime one second in the past. Our own write then never looks "racy" to the state
    /// database (so the next status trusts it and reads nothing), while any later edit, even in the same clock tick as
    /// our write, sets a newer mtime and is noticed.
    /// </summary>
    internal static void BackdateMtime(string path) => File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(-1));

    private void EnsureVerified(string oid)
    {
        if (_verified.ContainsKey(oid))
        {
            return;
        }

        if (!_cache.Verify(oid))
        {
            throw ObjectStore.Corrupt(oid);
        }

        _verified[oid] = true;
    }

    private bool TryLink(LinkType type, string source, string destination)
    {
        if (!OperatingSystem.IsLinux() && type != LinkType.Symlink)
        {
            _disabled[type] = true;
            return false;
        }

        switch (type)
        {
            case LinkType.Reflink:
            {
                var errno = 0;
                using (var src = File.OpenHandle(source, FileMode.Open, FileAccess.Read))
                using (var dst = File.OpenHandle(destination, FileMode.CreateNew, FileAccess.Write))
                {
                    errno = FileStat.Native.Clone(dst, src);
                }

                if (errno == 0)
                {
                    return true;
                }

                AtomicFile.TryDelete(destination);
                if (errno is EOPNOTSUPP or EXDEV or EINVAL or ENOTTY or EPERM or EBADF)
                {
                    _disabled[type] = true;
                    return false;
                }

                throw new IOException($"reflink of {source} failed (errno {errno})", errno);
            }

            case LinkType.Hardlink:
            {
                var errno = FileStat.Native.HardLink(source, destination);
                if (errno == 0)
                {
                    return true;
                }

                if (errno == EMLINK)
                {
                    // This object has too many links; others may not, so only this file falls back.
                    return false;
                }

                if (errno is EXDEV or EPERM or EOPNOTSUPP)
                {
                    _disabled[type] = true;
                    return false;
                }

                throw new IOException($"hard link of {source} failed (errno {errno})", errno);
            }

            case LinkType.Symlink:
                try
                {
                    File.CreateSymbolicLink(destination, source);
                    return true;
                }
                catch (UnauthorizedAccessException)
                {
                    _disabled[type] = true;
                    return false;
                }

            default:
                return false;
        }
    }

    private static void SetMode(string path, bool isExec)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        if (isExec)
        {
            mode |= UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        }

        File.SetUnixFileMode(path, mode);
    }
}
