using GitMl.Testing;

namespace GitMl.Cli.Tests.Data;

public class LinkTypeTests
{
    private static TempGitRepo NewRepo(string cacheType)
    {
        var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        File.WriteAllText(repo.PathOf(".gitml/config"), $"[cache]\n\ttype = {cacheType}\n");
        return repo;
    }

    [Fact]
    public void Add_WithHardlinkType_ReplacesWorkspaceFilesByReadOnlyLinks()
    {
        // Given cache.type = reflink,hardlink,copy on ext4 (no reflinks), and a folder with a plain and an exec file
        using var repo = NewRepo("reflink,hardlink,copy");
        repo.Write("d/plain.txt", "plain");
        var exec = repo.Write("d/run.sh", "#!/bin/sh\n");
        File.SetUnixFileMode(exec, File.GetUnixFileMode(exec) | UnixFileMode.UserExecute);

        // When the folder is added and then checked out after deletion
        CliRunner.Ok(repo.Root, "add", "d");
        var afterAdd = TreeSnapshot.Of(repo.Root, "d");
        Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(repo.PathOf("d/plain.txt")) & UnixFileMode.UserWrite);

        // (deleted without chmod: making a hard link writable would make its cache object writable too)
        Directory.Delete(repo.PathOf("d"), recursive: true);
        var output = CliRunner.Ok(repo.Root, "checkout");

        // Then the plain file is a read-only hard link into the cache; the exec file a writable copy keeping its bit
        Assert.Contains("hardlink", output);
        Assert.Equal(afterAdd, TreeSnapshot.Of(repo.Root, "d"));
        Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(repo.PathOf("d/plain.txt")) & UnixFileMode.UserWrite);
        Assert.NotEqual(UnixFileMode.None, File.GetUnixFileMode(repo.PathOf("d/run.sh")) & UnixFileMode.UserExecute);
        Assert.Contains("up to date", CliRunner.Ok(repo.Root, "status"));
    }

    [Fact]
    public void Checkout_WithSymlinkType_LinksIntoTheCache()
    {
        // Given cache.type = symlink and an added file, deleted from the workspace
        using var repo = NewRepo("symlink");
        repo.Write("f.bin", "bytes");
        CliRunner.Ok(repo.Root, "add", "f.bin");
        File.Delete(repo.PathOf("f.bin"));

        // When it is checked out
        CliRunner.Ok(repo.Root, "checkout", "f.bin");

        // Then it is a symlink into .gitml/cache with the right bytes, and status is clean
        var info = new FileInfo(repo.PathOf("f.bin"));
        Assert.NotNull(info.LinkTarget);
        Assert.Contains("/.gitml/cache/b3/", info.LinkTarget);
        Assert.Equal("bytes", File.ReadAllText(repo.PathOf("f.bin")));
        Assert.Contains("up to date", CliRunner.Ok(repo.Root, "status"));
    }

    [Fact]
    public void Checkout_WithDefaultTypeOnExt4_FallsBackFromReflinkToCopy()
    {
        // Given the default cache.type (reflink,copy) and a deleted tracked file
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.Write("f.bin", "bytes");
        CliRunner.Ok(repo.Root, "add", "f.bin");
        File.Delete(repo.PathOf("f.bin"));

        // When it is checked out
        var output = CliRunner.Ok(repo.Root, "checkout");

        // Then a writable file comes back (by reflink where the file system can, else by copy)
        Assert.Matches("1 files written \\((1 copy|1 reflink)\\)", output);
        Assert.NotEqual(UnixFileMode.None, File.GetUnixFileMode(repo.PathOf("f.bin")) & UnixFileMode.UserWrite);
    }
}
