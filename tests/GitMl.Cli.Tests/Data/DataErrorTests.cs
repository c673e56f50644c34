using GitMl.Core;
using GitMl.Testing;

namespace GitMl.Cli.Tests.Data;

public class DataErrorTests
{
    private const string GoodOid = "8e4c7c1b99dbfd50e7a95185fead5ee1448fa904a2fdd778eaf5f2dbfd629a99";

    private static TempGitRepo NewRepo()
    {
        var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        return repo;
    }

    private static void AssertOneError(CliResult r, int code, string messagePart, string? hintPart = null)
    {
        Assert.True(code == r.ExitCode, $"expected exit {code}, got {r.ExitCode}: {r.StdErr}");
        var lines = r.StdErr.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(messagePart, lines[0]);
        Assert.StartsWith("hint: ", lines[1]);
        if (hintPart is not null)
        {
            Assert.Contains(hintPart, lines[1]);
        }
    }

    [Fact]
    public void Add_OutsideGitRepo_ExitsNotInitialized()
    {
        // Given a folder that is not a Git repository
        var dir = TempDir.Create("nogit");
        try
        {
            File.WriteAllText(Path.Combine(dir, "x"), "x");

            // When add runs there, then it fails with exit 3
            AssertOneError(CliRunner.Run(dir, "add", "x"), 3, "not inside a Git repository");
        }
        finally
        {
            TempDir.Delete(dir);
        }
    }

    [Fact]
    public void Status_WithoutGitMlFolder_ExitsNotInitializedWithInitHint()
    {
        // Given a Git repository where git ml init never ran
        using var repo = TempGitRepo.Create();

        // When status runs, then it fails with exit 3 and suggests init
        AssertOneError(CliRunner.Run(repo.Root, "status"), 3, "not initialized", "git ml init");
    }

    [Fact]
    public void Add_PathOutsideRepo_ExitsInvalidInput()
    {
        // Given a file outside the repository
        using var repo = NewRepo();
        var outside = TempDir.Create("outside");
        try
        {
            File.WriteAllText(Path.Combine(outside, "f"), "x");

            // When it is added, then it is refused with exit 4 and nothing is written
            AssertOneError(CliRunner.Run(repo.Root, "add", Path.Combine(outside, "f")), 4, "outside the repository");
            Assert.Empty(Directory.EnumerateFileSystemEntries(repo.PathOf(".gitml/cache")));
        }
        finally
        {
            TempDir.Delete(outside);
        }
    }

    [Fact]
    public void Add_ThroughSymlinkLeavingRepo_ExitsInvalidInput()
    {
        // Given a symlinked folder inside the repository that points outside it
        using var repo = NewRepo();
        var outside = TempDir.Create("outside");
        try
        {
            File.WriteAllText(Path.Combine(outside, "secret"), "x");
            Directory.CreateSymbolicLink(repo.PathOf("link"), outside);

            // When a file through it, or the link itself, is added, then both are refused with exit 4
            AssertOneError(CliRunner.Run(repo.Root, "add", "link/secret"), 4, "outside the repository");
            AssertOneError(CliRunner.Run(repo.Root, "add", "link"), 4, "outside the repository");
            Assert.False(File.Exists(repo.PathOf("link.gitml")));
        }
        finally
        {
            TempDir.Delete(outside);
        }
    }

    [Fact]
    public void Add_PathTrackedByGit_ExitsInvalidInputWithGitRmHint()
    {
        // Given a file already committed to Git
        using var repo = NewRepo();
        repo.Write("data/small.csv", "a,b\n");
        repo.CommitAll("csv in git");

        // When it (or its folder) is added, then it is refused with the git rm --cached hint
        AssertOneError(CliRunner.Run(repo.Root, "add", "data/small.csv"), 4, "already tracked by Git", "git rm -r --cached");
        AssertOneError(CliRunner.Run(repo.Root, "add", "data"), 4, "already tracked by Git", "git rm -r --cached");
        Assert.False(File.Exists(repo.PathOf("data/small.csv.gitml")));
    }

    [Fact]
    public void Add_MissingPathAmongGoodOnes_ExitsNotFoundAndWritesNothing()
    {
        // Given one existing and one missing path
        using var repo = NewRepo();
        repo.Write("ok.bin", "ok");

        // When both are added
        var r = CliRunner.Run(repo.Root, "add", "ok.bin", "nope.bin");

        // Then it fails with exit 5 and no pointer or ignore file was written for the good one either
        AssertOneError(r, 5, "'nope.bin' does not exist");
        Assert.False(File.Exists(repo.PathOf("ok.bin.gitml")));
        Assert.False(File.Exists(repo.PathOf(".gitignore")));
    }

    [Fact]
    public void Add_InsideTrackedFolder_ExitsInvalidInput()
    {
        // Given a tracked folder
        using var repo = NewRepo();
        repo.Write("d/f.bin", "f");
        CliRunner.Ok(repo.Root, "add", "d");

        // When a file inside it is added on its own, then it is refused
        AssertOneError(CliRunner.Run(repo.Root, "add", "d/f.bin"), 4, "inside the tracked folder 'd'");
    }

    [Theory]
    [InlineData("outs:\n- path: x.bin\n  oid: NOT-AN-OID\n  size: 1\n  hash: blake3\n", "invalid oid")]
    [InlineData("outs:\n- path: ../x.bin\n  oid: " + GoodOid + "\n  size: 1\n  hash: blake3\n", "unsafe path")]
    [InlineData("outs:\n- path: /etc/passwd\n  oid: " + GoodOid + "\n  size: 1\n  hash: blake3\n", "unsafe path")]
    [InlineData("outs:\n- path: x.bin\n  oid: " + GoodOid + "\n  size: 1\n  hash: md5\n", "unknown hash type 'md5'")]
    public void CheckoutAndStatus_BadPointerFile_ExitInvalidInput(string pointer, string message)
    {
        // Given a hand-edited pointer file with a bad oid, an escaping path or an unknown hash
        using var repo = NewRepo();
        repo.Write("x.bin.gitml", pointer);

        // When checkout or status reads it, then each fails with exit 4 naming the problem, and nothing is written
        AssertOneError(CliRunner.Run(repo.Root, "checkout"), 4, message);
        AssertOneError(CliRunner.Run(repo.Root, "status"), 4, message);
        Assert.False(File.Exists(repo.PathOf("x.bin")));
    }

    [Fact]
    public void Checkout_CorruptedCacheObject_ExitsCorruptedAndLeavesWorkspaceAlone()
    {
        // Given a tracked folder whose cache object for one file was damaged, and the workspace folder deleted
        using var repo = NewRepo();
        repo.Write("d/a.txt", "alpha");
        repo.Write("d/b.txt", "bravo");
        CliRunner.Ok(repo.Root, "add", "d");
        var obj = Directory.EnumerateFiles(repo.PathOf(".gitml/cache/b3"), "*", SearchOption.AllDirectories)
            .First(f => File.ReadAllText(f) == "bravo");
        File.SetUnixFileMode(obj, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(obj, "BRAVO");
        TempDir.Delete(repo.PathOf("d"));

        // When it is checked out
        var r = CliRunner.Run(repo.Root, "checkout");

        // Then checkout refuses with exit 6 and no file of the folder reached the workspace
        AssertOneError(r, 6, "corrupted");
        Assert.False(Directory.Exists(repo.PathOf("d")) && Directory.EnumerateFiles(repo.PathOf("d")).Any());
    }

    [Fact]
    public void Checkout_UncachedWorkspaceChange_RefusesWithoutForceNamingTheFile()
    {
        // Given a committed file, then edited without git ml add
        using var repo = NewRepo();
        repo.Write("d/keep.txt", "v1");
        repo.Write("d/edit.txt", "v1");
        CliRunner.Ok(repo.Root, "add", "d");
        repo.Write("d/edit.txt", "precious v2");

        // When checkout runs without --force
        var r = CliRunner.Run(repo.Root, "checkout");

        // Then it refuses with exit 8, names the file, tells how to keep it, and the edit is intact
        AssertOneError(r, 8, "d/edit.txt", "git ml add");
        Assert.Equal("precious v2", File.ReadAllText(repo.PathOf("d/edit.txt")));

        // And with --force the recorded bytes come back
        CliRunner.Ok(repo.Root, "checkout", "--force");
        Assert.Equal("v1", File.ReadAllText(repo.PathOf("d/edit.txt")));
    }

    [Fact]
    public void Checkout_ChangeThatIsCached_OverwritesWithoutForce()
    {
        // Given v1 committed, v2 added (so cached), and the pointer reset to v1
        using var repo = NewRepo();
        repo.Write("f.txt", "v1");
        CliRunner.Ok(repo.Root, "add", "f.txt");
        var v1Pointer = File.ReadAllText(repo.PathOf("f.txt.gitml"));
        repo.Write("f.txt", "v2");
        CliRunner.Ok(repo.Root, "add", "f.txt");
        File.WriteAllText(repo.PathOf("f.txt.gitml"), v1Pointer);

        // When checkout runs, then v2 is recoverable from the cache, so it is replaced without --force
        CliRunner.Ok(repo.Root, "checkout", "f.txt");
        Assert.Equal("v1", File.ReadAllText(repo.PathOf("f.txt")));
    }

    [Fact]
    public void Checkout_MissingObject_ExitsNotFoundWithPullHint()
    {
        // Given a pointer whose object is not in the cache
        using var repo = NewRepo();
        repo.Write("f.txt", "v1");
        CliRunner.Ok(repo.Root, "add", "f.txt");
        TempDir.Delete(repo.PathOf(".gitml/cache"));
        File.Delete(repo.PathOf("f.txt"));

        // When checkout runs, then it fails with exit 5 and suggests pulling
        AssertOneError(CliRunner.Run(repo.Root, "checkout"), 5, "not in the cache", "git ml pull");
    }

    [Fact]
    public void Checkout_UnknownTarget_ExitsNotFound()
    {
        using var repo = NewRepo();
        AssertOneError(CliRunner.Run(repo.Root, "checkout", "nothing-here"), 5, "not tracked");
    }

    [Fact]
    public void Add_WhileLockIsHeld_ExitsLockedNamingTheHolder()
    {
        // Given another process (simulated here) holding the repository lock
        using var repo = NewRepo();
        repo.Write("f.txt", "x");
        using var gm = GitMlRepository.Open(repo.Root);
        using var held = RepoLock.Acquire(gm.TmpDir, "push", TimeSpan.Zero);

        // When add runs, told to wait at most 0.2 s
        var r = CliRunner.RunWith(new Dictionary<string, string> { ["GITML_LOCK_TIMEOUT"] = "0.2" }, repo.Root, "add", "f.txt");

        // Then it fails with exit 7 naming the holder, and wrote nothing
        Assert.Equal(7, r.ExitCode);
        Assert.Contains("locked by pid", r.StdErr);
        Assert.Contains("'git ml push'", r.StdErr);
        Assert.False(File.Exists(repo.PathOf("f.txt.gitml")));
    }
}
