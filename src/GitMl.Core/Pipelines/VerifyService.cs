using GitMl.Core.Data;
using GitMl.Core.Hashing;
using GitMl.Core.Pointers;

namespace GitMl.Core.Pipelines;

/// <summary>How one out of a re-run compares with the commit's lock.</summary>
/// <param name="Stage">The stage that produces it.</param>
/// <param name="Path">Repository-relative path.</param>
/// <param name="ExpectedOid">The oid in the commit's <c>gitml.lock</c>.</param>
/// <param name="ActualOid">The oid the re-run produced (null when it produced nothing).</param>
/// <param name="Detail">For a difference: how many bytes (files) or files (folders) differ.</param>
public sealed record OutVerification(string Stage, string Path, string ExpectedOid, string? ActualOid, string? Detail)
{
    /// <summary>True when the re-run produced exactly the recorded bytes.</summary>
    public bool Reproducible => ActualOid == ExpectedOid;
}

/// <summary>
/// <c>git ml repro --rev REV --verify</c>: restores REV into a temporary folder (<see cref="RestoreService"/>), re-runs
/// every stage of its pipeline there in DAG order, and compares each out with REV's <c>gitml.lock</c>. The workspace,
/// the lock and the cache are not changed; the temporary folder is deleted afterwards.
/// </summary>
public sealed class VerifyService
{
    private readonly GitMlRepository _repo;
    private readonly TextWriter _log;
    private readonly TextWriter _cmdOut;
    private readonly TextWriter _cmdErr;

    /// <summary>Creates the service; stage output goes to <paramref name="cmdOut"/>/<paramref name="cmdErr"/>.</summary>
    public VerifyService(GitMlRepository repo, TextWriter log, TextWriter cmdOut, TextWriter cmdErr)
    {
        _repo = repo;
        _log = log;
        _cmdOut = cmdOut;
        _cmdErr = cmdErr;
    }

    /// <summary>Re-runs <paramref name="rev"/>'s pipeline and compares every locked out.</summary>
    public IReadOnlyList<OutVerification> Verify(string rev, string? remote = null)
    {
        var sha = _repo.Git.ResolveCommit(rev);
        var lockBytes = _repo.Git.ReadFile(sha, PointerDiscovery.LockFileName) ?? throw new GitMlException(
            $"{rev} has no {PointerDiscovery.LockFileName}: there is no recorded run to verify",
            "commit gitml.lock after 'git ml repro', then verify that commit",
            ExitCode.NotFound);
        var locked = LockFile.Parse(System.Text.Encoding.UTF8.GetString(lockBytes), $"{PointerDiscovery.LockFileName} at {rev}");

        var temp = Path.Combine(Path.GetTempPath(), "gitml-verify-" + Guid.NewGuid().ToString("N")[..12]);
        var root = Path.Combine(temp, "run");
        try
        {
            new RestoreService(_repo).Restore(sha, root, [], force: false, remote);
            _log.WriteLine($"Restored {rev} ({sha[..12]}) into a temporary folder; re-running its pipeline.");
            var pipeline = PipelineFile.Load(root);
            var graph = PipelineGraph.Build(pipeline, root);
            foreach (var stage in graph.Order(null, downstream: false))
            {
                Run(stage, root);
            }

            var result = new List<OutVerification>();
            foreach (var stage in graph.Stages)
            {
                if (!locked.Stages.TryGetValue(stage.Name, out var entry))
                {
                    continue;
                }

                foreach (var o in entry.Outs)
                {
                    result.Add(Compare(stage.Name, o.Out, SafePath.ResolveUnder(root, o.Out.Path, "gitml.lock")));
                }
            }

            return result;
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    private void Run(ResolvedStage stage, string root)
    {
        foreach (var o in stage.Outs)
        {
            // Outs restored from the lock are removed so the stage has to produce them itself.
            var full = SafePath.ResolveUnder(root, o.Path, "out");
            if (Directory.Exists(full))
            {
                Directory.Delete(full, recursive: true);
            }
            else if (File.Exists(full))
            {
                File.Delete(full);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        }

        _log.WriteLine($"Running stage '{stage.Name}':");
        _log.WriteLine("> " + stage.Definition.Cmd);
        _log.Flush();
        var wdir = stage.Wdir.Length == 0 ? root : SafePath.ResolveUnder(root, stage.Wdir, "wdir");
        var r = StageRunner.Run(stage.Definition.Cmd, wdir, _cmdOut, _cmdErr);
        if (r.ExitCode != 0)
        {
            var tail = r.StderrTail.Count == 0 ? string.Empty : "; last stderr lines: " + string.Join(" | ", r.StderrTail);
            throw new GitMlException(
                $"stage '{stage.Name}' failed with exit code {r.ExitCode} while verifying{tail}",
                "the run cannot be reproduced as committed: a dep outside the repository (tool, network, environment) may be missing",
                ExitCode.StageFailed);
        }
    }

    private OutVerification Compare(string stage, PointerOut expected, string full)
    {
        var st = FileStat.TryGet(full, followLinks: true);
        if (st is null)
        {
            return new OutVerification(stage, expected.Path, expected.Oid, null, "not produced");
        }

        if (!st.Value.IsDirectory)
        {
            var oid = Blake3Hasher.HashFile(full);
            if (oid == expected.Oid)
            {
                return new OutVerification(stage, expected.Path, expected.Oid, oid, null);
            }

            return new OutVerification(stage, expected.Path, expected.Oid, oid, expected.IsDirectory ? "a file instead of a folder" : ByteDifference(expected, full));
        }

        var entries = new List<ManifestEntry>();
        foreach (var f in Directory.EnumerateFiles(full, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var fst = FileStat.TryGet(f, followLinks: true)!.Value;
            entries.Add(new ManifestEntry(SafePath.ToPortable(Path.GetRelativePath(full, f)), Blake3Hasher.HashFile(f), fst.Size, fst.IsExecutable));
        }

        var manifest = new DirectoryManifest(entries);
        var actual = manifest.ComputeOid();
        if (actual == expected.Oid)
        {
            return new OutVerification(stage, expected.Path, expected.Oid, actual, null);
        }

        if (!expected.IsDirectory || !_repo.Cache.Contains(expected.Oid))
        {
            return new OutVerification(stage, expected.Path, expected.Oid, actual, $"folder differs ({manifest.Entries.Count} files now, {expected.NFiles ?? 0} recorded)");
        }

        var recorded = _repo.Cache.ReadManifest(expected.Oid).Entries.ToDictionary(e => e.RelPath, StringComparer.Ordinal);
        int changed = 0, added = 0;
        foreach (var e in manifest.Entries)
        {
            if (!recorded.Remove(e.RelPath, out var r))
            {
                added++;
            }
            else if (r.Oid != e.Oid || r.IsExec != e.IsExec)
            {
                changed++;
            }
        }

        var parts = new List<string>();
        if (changed > 0)
        {
            parts.Add($"{changed} file(s) differ");
        }

        if (added > 0)
        {
            parts.Add($"{added} file(s) added");
        }

        if (recorded.Count > 0)
        {
            parts.Add($"{recorded.Count} file(s) missing");
        }

        return new OutVerification(stage, expected.Path, expected.Oid, actual, string.Join(", ", parts) + $" of {expected.NFiles ?? 0}");
    }

    private string ByteDifference(PointerOut expected, string full)
    {
        var actualSize = new FileInfo(full).Length;
        if (!_repo.Cache.Contains(expected.Oid))
        {
            return $"differs ({actualSize} bytes now, {expected.Size} recorded)";
        }

        // Count positions whose byte differs, plus the length difference.
        using var a = new FileStream(_repo.Cache.PathOf(expected.Oid), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var b = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var bufA = new byte[1 << 16];
        var bufB = new byte[1 << 16];
        long diff = 0;
        while (true)
        {
            var ra = a.ReadAtLeast(bufA, bufA.Length, throwOnEndOfStream: false);
            var rb = b.ReadAtLeast(bufB, bufB.Length, throwOnEndOfStream: false);
            var n = Math.Min(ra, rb);
            for (var i = 0; i < n; i++)
            {
                if (bufA[i] != bufB[i])
                {
                    diff++;
                }
            }

            if (ra < bufA.Length || rb < bufB.Length)
            {
                break;
            }
        }

        diff += Math.Abs(actualSize - expected.Size);
        return $"differs in {diff} of {Math.Max(actualSize, expected.Size)} bytes";
    }
}
