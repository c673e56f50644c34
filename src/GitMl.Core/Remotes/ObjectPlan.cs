using GitMl.Core.Cache;
using GitMl.Core.Hashing;
using GitMl.Core.Pointers;

namespace GitMl.Core.Remotes;

/// <summary>
/// The objects a set of outs needs: every file object, and every directory manifest with the file objects it lists.
/// Manifests are read from the cache (or, when given, a fallback such as the remote).
/// </summary>
public sealed class ObjectPlan
{
    /// <summary>File objects (oid → size), in first-seen order.</summary>
    public Dictionary<string, long> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>Manifests (oid → the file oids it lists, or null when the manifest could not be read).</summary>
    public Dictionary<string, IReadOnlyList<string>?> Manifests { get; } = new(StringComparer.Ordinal);

    /// <summary>Manifest sizes (oid → bytes) where known.</summary>
    public Dictionary<string, long> ManifestSizes { get; } = new(StringComparer.Ordinal);

    /// <summary>Every oid in the plan (files and manifests).</summary>
    public IEnumerable<string> AllOids => Files.Keys.Concat(Manifests.Keys);

    /// <summary>Builds the plan; <paramref name="readManifest"/> returns a manifest or null when unavailable.</summary>
    public static ObjectPlan Build(IEnumerable<TrackedOut> outs, Func<string, DirectoryManifest?> readManifest)
    {
        var plan = new ObjectPlan();
        foreach (var o in outs)
        {
            var oid = Oid.Require(o.Out.Oid, o.Source);
            if (!Oid.IsDir(oid))
            {
                plan.Files.TryAdd(oid, o.Out.Size);
                continue;
            }

            if (plan.Manifests.ContainsKey(oid))
            {
                continue;
            }

            var manifest = readManifest(oid);
            plan.Manifests[oid] = manifest?.Entries.Select(e => e.Oid).ToList();
            if (manifest is not null)
            {
                plan.ManifestSizes[oid] = manifest.ToBytes().Length;
                foreach (var e in manifest.Entries)
                {
                    plan.Files.TryAdd(e.Oid, e.Size);
                }
            }
        }

        return plan;
    }

    /// <summary>Reads a manifest from the cache, or null when it is not there.</summary>
    public static DirectoryManifest? FromCache(ObjectStore cache, string oid) => cache.Contains(oid) ? cache.ReadManifest(oid) : null;
}
