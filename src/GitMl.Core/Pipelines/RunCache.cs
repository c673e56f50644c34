using System.Text;
using GitMl.Core.Cache;
using GitMl.Core.Hashing;
using GitMl.Core.Pointers;

namespace GitMl.Core.Pipelines;

/// <summary>
/// Remembers successful stage runs: <c>.gitml/cache/runs/&lt;key[0:2]&gt;/&lt;key[2:]&gt;</c> holds the outs a run produced,
/// keyed by the BLAKE3 of its cmd, dep oids, param values and out paths. When the same inputs come back (a param
/// reverted, a branch switched), the outs are restored from the object cache instead of running the command again.
/// </summary>
public sealed class RunCache
{
    /// <summary>Folder of run entries under the cache root.</summary>
    public const string DirName = "runs";

    private readonly ObjectStore _cache;

    /// <summary>Creates the run cache beside the objects of <paramref name="cache"/>.</summary>
    public RunCache(ObjectStore cache)
    {
        _cache = cache;
        Root = Path.Combine(cache.Root, DirName);
    }

    /// <summary>The runs folder.</summary>
    public string Root { get; }

    /// <summary>The key of a run: a hash over everything that decides its outs.</summary>
    public static string Key(string cmd, IEnumerable<PointerOut> deps, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> prms, IEnumerable<OutDefinition> outs)
    {
        var sb = new StringBuilder();
        sb.Append("gitml-run-v1\0cmd\0").Append(cmd).Append('\0');
        foreach (var d in deps.OrderBy(d => d.Path, StringComparer.Ordinal))
        {
            sb.Append("dep\0").Append(d.Path).Append('\0').Append(d.Oid).Append('\0');
        }

        foreach (var (file, values) in prms.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var (k, v) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                sb.Append("param\0").Append(file).Append('\0').Append(k).Append('\0').Append(v).Append('\0');
            }
        }

        foreach (var o in outs.OrderBy(o => o.Path, StringComparer.Ordinal))
        {
            sb.Append("out\0").Append(o.Path).Append('\0').Append(o.Cache ? '1' : '0').Append('\0');
        }

        return Blake3Hasher.HashMetadata(Encoding.UTF8.GetBytes(sb.ToString()));
    }

    /// <summary>Where the entry of <paramref name="key"/> lives.</summary>
    public string PathOf(string key) => Path.Combine(Root, key[..2], key[2..]);

    /// <summary>The outs recorded for <paramref name="key"/>, or null. An unreadable entry counts as absent.</summary>
    public IReadOnlyList<LockedOut>? TryGet(string key)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var lockText = File.ReadAllText(path);
            var entry = LockFile.Parse(lockText, $"run cache entry {key}");
            return entry.Stages.TryGetValue("run", out var e) ? e.Outs : null;
        }
        catch (GitMlException)
        {
            return null;
        }
    }

    /// <summary>True when every object (and for directories every file of the manifest) of <paramref name="outs"/> is cached.</summary>
    public bool ObjectsPresent(IEnumerable<LockedOut> outs)
    {
        foreach (var o in outs)
        {
            if (!_cache.Contains(o.Out.Oid))
            {
                return false;
            }

            if (o.Out.IsDirectory)
            {
                try
                {
                    if (_cache.ReadManifest(o.Out.Oid).Entries.Any(e => !_cache.Contains(e.Oid)))
                    {
                        return false;
                    }
                }
                catch (GitMlException)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Records a run atomically (the entry uses the lock's format, as a stage named <c>run</c>).</summary>
    public void Put(string key, string cmd, IReadOnlyList<LockedOut> outs)
    {
        var entry = new LockFile(new Dictionary<string, LockEntry> { ["run"] = new LockEntry { Cmd = cmd, Outs = outs } });
        AtomicFile.WriteAllText(PathOf(key), entry.ToYaml());
    }

    /// <summary>Stores an entry received from elsewhere (a remote), after checking it parses; returns false when it does not.</summary>
    public bool PutRaw(string key, byte[] bytes)
    {
        Hashing.Oid.Require(key, "run-cache key");
        try
        {
            var parsed = LockFile.Parse(Encoding.UTF8.GetString(bytes), $"run cache entry {key}");
            if (!parsed.Stages.ContainsKey("run"))
            {
                return false;
            }
        }
        catch (GitMlException)
        {
            return false;
        }

        AtomicFile.WriteAllBytes(PathOf(key), bytes);
        return true;
    }

    /// <summary>Every entry key present (for transfers).</summary>
    public IEnumerable<string> Keys()
    {
        if (!Directory.Exists(Root))
        {
            yield break;
        }

        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            var prefix = Path.GetFileName(dir);
            foreach (var f in Directory.EnumerateFiles(dir))
            {
                var name = Path.GetFileName(f);
                if (!name.StartsWith('.'))
                {
                    yield return prefix + name;
                }
            }
        }
    }
}
