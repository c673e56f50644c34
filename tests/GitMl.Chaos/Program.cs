using System.Diagnostics;
using System.Globalization;

namespace GitMl.Chaos;

/// <summary>
/// Crash injection for git ml (issue 9). For each operation (add, commit, checkout, push, pull, gc, repro) it builds the
/// state before it, runs it once uninterrupted as the reference, then, kill after kill, copies that state, runs the
/// real git-ml process, SIGKILLs its process group at a seeded random moment, and checks: every cache and remote object
/// matches its oid; every pointer and lock file parses; no data file holds bytes other than its old or new version;
/// every byte string that existed before or that the reference run keeps is still somewhere (workspace, cache, remote);
/// and running the command again converges to exactly the reference state.
/// With <c>--s3</c> the remote is a bucket on a real moto_server (started here) instead of a directory.
/// Usage: dotnet run --project tests/GitMl.Chaos -- [--kills 200] [--seed 1] [--ops add,push] [--s3] [--cli PATH] [--keep].
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        var kills = IntArg(args, "--kills", 200);
        var seed = IntArg(args, "--seed", 1);
        var only = StringArg(args, "--ops")?.Split(',', StringSplitOptions.RemoveEmptyEntries);
        var keep = args.Contains("--keep");
        var cli = StringArg(args, "--cli") ?? BuildCli();
        var work = Path.Combine(Path.GetTempPath(), "gitml-chaos", $"seed{seed}-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        using var s3 = args.Contains("--s3") ? S3Store.Start() : null;
        Console.WriteLine($"chaos: git-ml at {cli}; seed {seed}; {kills} kills; remote: {(s3 is null ? "directory" : "S3 on moto_server at " + s3.Endpoint)}; work in {work}");

        var rng = new Random(seed);
        var scenarios = new Scenarios(cli, seed).All().Where(s => only is null || only.Contains(s.Name)).ToList();
        var totals = new Tally();
        var sw = Stopwatch.StartNew();
        try
        {
            // Build each operation's starting state and reference result once; every kill copies them.
            var prepared = new List<(Scenario Scenario, World Before, World Reference, Snapshot BeforeSnap, Snapshot RefSnap, TimeSpan Duration)>();
            foreach (var s in scenarios)
            {
                var before = new World(Path.Combine(work, s.Name + "-before"), s3).Fresh();
                s.Setup(before);
                var reference = before.CopyTo(Path.Combine(work, s.Name + "-reference"));
                var r = Proc.Run(cli, s.Args, reference.Repo);
                if (r.ExitCode != 0)
                {
                    throw new InvalidOperationException($"reference run of 'git ml {string.Join(' ', s.Args)}' failed ({r.ExitCode}): {r.StdErr}");
                }

                var refSnap = Snapshot.Take(reference);
                prepared.Add((s, before, reference, Snapshot.Take(before), refSnap, r.Elapsed));
                Console.WriteLine($"  {s.Name}: reference run {r.Elapsed.TotalMilliseconds:F0} ms; then {refSnap.Cache.Count} cache and {refSnap.Remote.Count} remote objects");
            }

            var perOp = prepared.ToDictionary(p => p.Scenario.Name, _ => new Tally());

            // A run that ends before its kill moment is not a kill: go on until the requested number of kills landed.
            for (var k = 0; perOp.Values.Sum(t => t.Kills) < kills && k < kills * 3; k++)
            {
                var p = prepared[k % prepared.Count];
                var victim = p.Before.CopyTo(Path.Combine(work, "victim"));

                // Kill somewhere in the run: after a short head start (process start-up), up to its reference duration.
                var delay = TimeSpan.FromMilliseconds(p.Duration.TotalMilliseconds * (0.05 + (0.8 * rng.NextDouble())));
                var run = Proc.Run(cli, p.Scenario.Args, victim.Repo, killAfter: delay);
                var tally = perOp[p.Scenario.Name];
                if (!run.Killed)
                {
                    tally.Finished++;
                }
                else
                {
                    tally.Kills++;
                }

                var killed = Snapshot.Take(victim);
                var problems = Check(p.BeforeSnap, p.RefSnap, killed, tally, p.Scenario.StageOutputs ?? []);

                // Recovery: the same command again must succeed and end exactly where the uninterrupted run did.
                var again = Proc.Run(cli, p.Scenario.Args, victim.Repo);
                var after = Snapshot.Take(victim);
                var diverged = again.ExitCode != 0 ? [$"re-run exited {again.ExitCode}: {again.StdErr.Trim()}"] : Diff(p.RefSnap, after, killed);
                if (diverged.Count > 0)
                {
                    tally.Diverged++;
                    problems.AddRange(diverged.Select(d => "diverged: " + d));
                }

                if (problems.Count > 0)
                {
                    var keepAt = Path.Combine(work, $"failed-{k}-{p.Scenario.Name}");
                    Directory.Move(victim.Root, keepAt);
                    keep = true;
                    Console.WriteLine($"  kill {k} ({p.Scenario.Name}, after {delay.TotalMilliseconds:F0} ms, seed {seed}): {problems.Count} problem(s); world kept at {keepAt}");
                    foreach (var line in problems.Take(8))
                    {
                        Console.WriteLine("    " + line);
                    }
                }
            }

            foreach (var (name, t) in perOp)
            {
                Console.WriteLine($"  {name,-9} {t}");
                totals.Add(t);
            }
        }
        finally
        {
            if (!keep)
            {
                World.Delete(work);
            }
        }

        Console.WriteLine($"kills: {totals.Kills}, corrupt: {totals.Corrupt}, lost: {totals.Lost}, diverged: {totals.Diverged} " +
            $"(runs that finished before their kill: {totals.Finished}; litter: {totals.Litter}; partial stage outputs: {totals.StagePartial}; seed {seed}; " +
            $"remote {(s3 is null ? "directory" : "S3")}; {sw.Elapsed.TotalSeconds:F0} s)");
        return totals.Corrupt + totals.Lost + totals.Diverged == 0 ? 0 : 1;
    }

    /// <summary>Invariants right after a kill; counts go into <paramref name="tally"/>, lines describe each problem.</summary>
    private static List<string> Check(Snapshot before, Snapshot reference, Snapshot victim, Tally tally, string[] stageOutputs)
    {
        var problems = new List<string>();
        var corrupt = victim.Corrupt.Concat(victim.Unparsable).ToList();
        tally.Litter += victim.Litter.Count;
        tally.Litter += victim.Workspace.Keys.Count(IsTempLitter);
        foreach (var (path, hash) in victim.Workspace.Where(f => IsData(f.Key) && !IsTempLitter(f.Key)))
        {
            var old = before.Workspace.GetValueOrDefault(path);
            var neu = reference.Workspace.GetValueOrDefault(path);
            if (old is null && neu is null)
            {
                tally.Litter++;
                continue;
            }

            if (hash != old && hash != neu && stageOutputs.Any(s => path.StartsWith(s, StringComparison.Ordinal)))
            {
                // The user's stage command was killed mid-write: its output may be partial; its old bytes must survive.
                tally.StagePartial++;
                continue;
            }

            if (hash != old && hash != neu)
            {
                corrupt.Add($"{path} holds neither its old nor its new bytes (torn write)");
            }
        }

        // Needed: every data file's bytes from before, and whatever the reference keeps that already existed.
        var available = victim.Available();
        var beforeAvailable = before.Available();
        var needed = new HashSet<string>(before.Workspace.Where(f => IsData(f.Key)).Select(f => f.Value), StringComparer.Ordinal);
        needed.UnionWith(reference.Cache.Intersect(before.Cache).Select(Core.Hashing.Oid.Digest));
        needed.UnionWith(reference.Remote.Intersect(before.Remote).Select(Core.Hashing.Oid.Digest));
        needed.UnionWith(reference.Workspace.Where(f => IsData(f.Key)).Select(f => f.Value).Where(beforeAvailable.Contains));
        var lost = needed.Where(h => !available.Contains(h)).ToList();

        tally.Corrupt += corrupt.Count > 0 ? 1 : 0;
        tally.Lost += lost.Count > 0 ? 1 : 0;
        problems.AddRange(corrupt.Select(c => "corrupt: " + c));
        problems.AddRange(lost.Select(h => "lost: no copy of " + h + " is left in the workspace, cache or remote"));
        return problems;
    }

    private static List<string> Diff(Snapshot reference, Snapshot after, Snapshot killed)
    {
        // Commands that are about to replace workspace data first cache it (repro keeps a stage's current outs), so
        // after a kill the re-run may also keep what the killed run left: extra objects are fine when they hold only
        // bytes the workspace had after the kill. Anything else extra is divergence.
        var killedBytes = new HashSet<string>(killed.Workspace.Values, StringComparer.Ordinal);
        bool IsBackup(string oid) => Core.Hashing.Oid.IsDir(oid)
            ? after.ManifestEntries.TryGetValue(oid, out var entries) && entries.All(e => killedBytes.Contains(e) || reference.Cache.Contains(e))
            : killedBytes.Contains(oid);

        var d = new List<string>();
        foreach (var path in reference.Workspace.Keys.Union(after.Workspace.Keys).Order(StringComparer.Ordinal))
        {
            if (IsTempLitter(path) && !reference.Workspace.ContainsKey(path))
            {
                // Counted as litter (a killed copy's temp file), reported separately; not a change of data.
                continue;
            }

            var a = reference.Workspace.GetValueOrDefault(path);
            var b = after.Workspace.GetValueOrDefault(path);
            if (a != b)
            {
                d.Add($"workspace {path}: expected {a ?? "absent"}, found {b ?? "absent"}");
            }
        }

        d.AddRange(reference.Cache.Except(after.Cache).Select(o => "cache lacks " + o));
        d.AddRange(after.Cache.Except(reference.Cache).Where(o => !IsBackup(o)).Select(o => "cache has extra " + o));
        d.AddRange(reference.Remote.Except(after.Remote).Select(o => "remote lacks " + o));
        d.AddRange(after.Remote.Except(reference.Remote).Select(o => "remote has extra " + o));
        d.AddRange(after.Corrupt.Concat(after.Unparsable).Select(c => "corrupt after re-run: " + c));
        return d;
    }

    /// <summary>
    /// A hidden temp file a killed writer left beside its destination: '.name.random.gitml-tmp' (verified copies) or
    /// '.name.random.tmp' (AtomicFile, e.g. gitml.lock). Never read as data, but visible to 'git status'.
    /// </summary>
    private static bool IsTempLitter(string path) =>
        Path.GetFileName(path).StartsWith('.') && (path.EndsWith(".gitml-tmp", StringComparison.Ordinal) || path.EndsWith(".tmp", StringComparison.Ordinal));

    /// <summary>Data files, as opposed to the small text files Git versions (pointers, ignores, pipeline and lock).</summary>
    private static bool IsData(string path)
    {
        var name = Path.GetFileName(path);
        return name != ".gitignore" && !name.EndsWith(".gitml", StringComparison.Ordinal) && name is not ("gitml.lock" or "gitml.yaml");
    }

    private static string BuildCli()
    {
        var root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "GitMl.sln")))
        {
            root = Path.GetDirectoryName(root);
        }

        if (root is null)
        {
            throw new InvalidOperationException("run from the GitMl source tree, or pass --cli PATH");
        }

        // Build once (a no-op after 'dotnet test GitMl.sln'), then run the apphost directly as users do.
        Console.WriteLine("chaos: building src/GitMl.Cli");
        Proc.Ok("dotnet", root, "build", "src/GitMl.Cli", "--nologo", "-v", "q");
        var bin = Path.Combine(root, "src", "GitMl.Cli", "bin", "Debug");
        return Directory.EnumerateFiles(bin, "git-ml", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            ?? throw new InvalidOperationException($"no git-ml apphost under {bin}");
    }

    private static int IntArg(string[] args, string name, int fallback) =>
        StringArg(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static string? StringArg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private sealed class Tally
    {
        public int Kills { get; set; }

        public int Finished { get; set; }

        public int Corrupt { get; set; }

        public int Lost { get; set; }

        public int Diverged { get; set; }

        public int Litter { get; set; }

        public int StagePartial { get; set; }

        public void Add(Tally t)
        {
            StagePartial += t.StagePartial;
            Kills += t.Kills;
            Finished += t.Finished;
            Corrupt += t.Corrupt;
            Lost += t.Lost;
            Diverged += t.Diverged;
            Litter += t.Litter;
        }

        public override string ToString() =>
            $"kills: {Kills}, corrupt: {Corrupt}, lost: {Lost}, diverged: {Diverged} (finished before the kill: {Finished}, litter: {Litter}, partial stage outputs: {StagePartial})";
    }
}
