using System.Diagnostics;
using GitMl.Core;
using GitMl.Core.Hashing;
using GitMl.Testing;

namespace GitMl.Cli.Tests.Reliability;

/// <summary>
/// Several real <c>git ml</c> processes on one repository at once are serialized by the repository lock (or are safe),
/// and a lock left by a killed process is recovered with a message.
/// </summary>
public sealed class ConcurrencyTests : IDisposable
{
    private readonly TempGitRepo _repo = TempGitRepo.Create();
    private readonly string _remote = TempDir.Create("concurrent-remote");

    public ConcurrencyTests()
    {
        CliRunner.Ok(_repo.Root, "init");
        CliRunner.Ok(_repo.Root, "remote", "add", "-d", "storage", _remote);
    }

    [Fact]
    public void AddAndPush_StartedTogether_BothSucceedAndLeaveACleanCacheAndRemote()
    {
        // Given tracked, committed data and a second, larger file not tracked yet
        var v1 = TrackedData.Bytes(2_000_000, 1);
        _repo.WriteBytes("data/a.bin", v1);
        CliRunner.Ok(_repo.Root, "add", "data/a.bin");
        _repo.CommitAll("a");
        _repo.WriteBytes("data/b.bin", TrackedData.Bytes(20_000_000, 2));

        // When 'add' and 'push' run as two processes at the same moment
        var add = Start("add", "data/b.bin");
        var push = Start("push");
        var addResult = Finish(add);
        var pushResult = Finish(push);

        // Then both succeed, and the cache and the remote hold only verified objects
        Assert.True(addResult.ExitCode == 0, addResult.StdErr);
        Assert.True(pushResult.ExitCode == 0, pushResult.StdErr);
        CliRunner.Ok(_repo.Root, "fsck");
        CliRunner.Ok(_repo.Root, "push");
        CliRunner.Ok(_repo.Root, "fsck", "--cloud");
        Assert.Equal(Blake3Hasher.Hash(v1), ObjectsIn(_remote).Single(o => o == Blake3Hasher.Hash(v1)));
    }

    [Fact]
    public void GcAndCheckout_StartedTogether_CheckoutRestoresItsBytesAndGcKeepsThem()
    {
        // Given version 1 and version 2 of a file committed, with the pointer of version 1 checked out by Git
        var v1 = TrackedData.Bytes(8_000_000, 11);
        _repo.WriteBytes("model.bin", v1);
        CliRunner.Ok(_repo.Root, "add", "model.bin");
        _repo.CommitAll("v1");
        File.Delete(_repo.PathOf("model.bin"));
        _repo.WriteBytes("model.bin", TrackedData.Bytes(8_000_000, 12));
        CliRunner.Ok(_repo.Root, "add", "model.bin");
        _repo.CommitAll("v2");
        _repo.Git("checkout", "-q", "HEAD~1", "--", "model.bin.gitml");

        // When 'gc' and 'checkout' run at the same moment
        var gc = Start("gc");
        var checkout = Start("checkout", "--force");
        var gcResult = Finish(gc);
        var checkoutResult = Finish(checkout);

        // Then both succeed, the workspace has version 1, and its object is still cached and intact
        Assert.True(gcResult.ExitCode == 0, gcResult.StdErr);
        Assert.True(checkoutResult.ExitCode == 0, checkoutResult.StdErr);
        Assert.Equal(v1, File.ReadAllBytes(_repo.PathOf("model.bin")));
        Assert.Contains(Blake3Hasher.Hash(v1), ObjectsIn(_repo.PathOf(".gitml/cache")));
        CliRunner.Ok(_repo.Root, "fsck");
    }

    [Fact]
    public void TwoPulls_StartedTogether_BothSucceedWithTheRightBytes()
    {
        // Given pushed data, then a clone-like state: nothing cached, nothing in the workspace
        var files = Enumerable.Range(0, 8).ToDictionary(i => $"data/f{i}.bin", i => TrackedData.Bytes(1_000_000 + i, 20 + i));
        foreach (var (rel, bytes) in files)
        {
            _repo.WriteBytes(rel, bytes);
        }

        CliRunner.Ok(_repo.Root, "add", "data");
        _repo.CommitAll("data");
        CliRunner.Ok(_repo.Root, "push");
        TempDir.Delete(_repo.PathOf(".gitml/cache"));
        TempDir.Delete(_repo.PathOf("data"));

        // When two pulls run at the same moment
        var first = Start("pull");
        var second = Start("pull");
        var a = Finish(first);
        var b = Finish(second);

        // Then both succeed, every file has its bytes, and the cache is clean
        Assert.True(a.ExitCode == 0, a.StdErr);
        Assert.True(b.ExitCode == 0, b.StdErr);
        foreach (var (rel, bytes) in files)
        {
            Assert.Equal(bytes, File.ReadAllBytes(_repo.PathOf(rel)));
        }

        CliRunner.Ok(_repo.Root, "fsck");
    }

    [Fact]
    public void Lock_HolderKilledWithSigkill_NextCommandRecoversItWithAMessage()
    {
        // Given an 'add' of a large file that holds the repository lock, killed with SIGKILL while it works
        _repo.WriteBytes("big.bin", TrackedData.Bytes(150_000_000, 3));
        var add = Start("add", "big.bin");
        var holder = _repo.PathOf(".gitml/tmp/lock.holder");
        var sw = Stopwatch.StartNew();
        while (!File.Exists(holder) && !add.HasExited && sw.Elapsed < TimeSpan.FromSeconds(60))
        {
            Thread.Sleep(5);
        }

        Assert.False(add.HasExited, "add finished before it could be killed; the test needs a bigger file");
        add.Kill();
        add.WaitForExit();
        Assert.True(File.Exists(holder));

        // When the next writing command runs
        var again = CliRunner.Run(_repo.Root, "add", "big.bin");

        // Then it says it recovered the stale lock (naming the dead process), goes on, and the data is tracked intact
        Assert.True(again.ExitCode == 0, again.StdErr);
        Assert.Contains("recovered a stale lock left by pid " + add.Id, again.StdErr);
        Assert.False(File.Exists(holder));
        CliRunner.Ok(_repo.Root, "fsck");
    }

    [Fact]
    public void Lock_HeldByALiveProcess_SecondWriterWaitsAndSaysWhoHoldsIt()
    {
        // Given an 'add' of a large file in progress (holding the lock)
        _repo.WriteBytes("big.bin", TrackedData.Bytes(120_000_000, 4));
        var add = Start("add", "big.bin");
        var holder = _repo.PathOf(".gitml/tmp/lock.holder");
        var sw = Stopwatch.StartNew();
        while (!File.Exists(holder) && !add.HasExited && sw.Elapsed < TimeSpan.FromSeconds(60))
        {
            Thread.Sleep(5);
        }

        Assert.False(add.HasExited, "add finished before the second writer started; the test needs a bigger file");

        // When a second writer starts meanwhile
        var holderPid = add.Id;
        var second = Finish(Start("commit"));
        var first = Finish(add);

        // Then it waited, naming the holder, and both succeeded one after the other
        Assert.True(first.ExitCode == 0, first.StdErr);
        Assert.True(second.ExitCode == 0, second.StdErr);
        Assert.Contains("waiting for the repository lock held by pid " + holderPid, second.StdErr);
    }

    public void Dispose()
    {
        _repo.Dispose();
        TempDir.Delete(_remote);
    }

    private static HashSet<string> ObjectsIn(string store) =>
        Directory.Exists(Path.Combine(store, "b3"))
            ? Directory.EnumerateFiles(Path.Combine(store, "b3"), "*", SearchOption.AllDirectories)
                .Select(f => Path.GetFileName(Path.GetDirectoryName(f)) + Path.GetFileName(f)).Where(Oid.IsValid).ToHashSet()
            : [];

    private Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _repo.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "git-ml.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return Process.Start(psi)!;
    }

    private static ProcessResult Finish(Process p)
    {
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("git ml did not finish");
        }

        var result = new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
        p.Dispose();
        return result;
    }
}
