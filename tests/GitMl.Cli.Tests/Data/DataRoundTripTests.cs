using System.Text.Json;
using GitMl.Testing;

namespace GitMl.Cli.Tests.Data;

public class DataRoundTripTests
{
    private static TempGitRepo NewRepo()
    {
        var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        return repo;
    }

    private static void WriteFirstVersion(TempGitRepo repo)
    {
        repo.Write("data/train.csv", "id,label\n1,cat\n2,dog\n");
        repo.Write("data/images/a/b/deep.bin", "deep v1");
        repo.Write("data/images/empty.txt", string.Empty);
        repo.Write("data/images/ünïcødé ñame.txt", "unicode v1");
        var script = repo.Write("data/images/tools/run.sh", "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(script, File.GetUnixFileMode(script) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute);
    }

    [Fact]
    public void RoundTrip_FileAndNestedDirectory_CheckoutOfFirstCommitRestoresIdenticalBytes()
    {
        // Given a file and a folder (nested folders, an empty file, an executable, a unicode name) added and committed
        using var repo = NewRepo();
        WriteFirstVersion(repo);
        CliRunner.Ok(repo.Root, "add", "data/train.csv", "data/images");
        var first = repo.CommitAll("v1");
        var v1File = TreeSnapshot.Of(repo.Root, "data/train.csv");
        var v1Dir = TreeSnapshot.Of(repo.Root, "data/images");

        // And a second version with a modified, a deleted, an added file and a changed exec bit, also committed
        repo.Write("data/train.csv", "id,label\n1,cat\n2,dog\n3,bird\n");
        repo.Write("data/images/a/b/deep.bin", "deep v2");
        File.Delete(repo.PathOf("data/images/ünïcødé ñame.txt"));
        repo.Write("data/images/new/added.txt", "added in v2");
        File.SetUnixFileMode(repo.PathOf("data/images/tools/run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        CliRunner.Ok(repo.Root, "add", "data/train.csv", "data/images");
        repo.CommitAll("v2");
        var v2Dir = TreeSnapshot.Of(repo.Root, "data/images");
        Assert.NotEqual(v1Dir, v2Dir);

        // When the first commit is checked out
        var output = CliRunner.Ok(repo.Root, "checkout", first);

        // Then both paths hold exactly the first version's bytes and exec bits again
        Assert.Equal(v1File, TreeSnapshot.Of(repo.Root, "data/train.csv"));
        Assert.Equal(v1Dir, TreeSnapshot.Of(repo.Root, "data/images"));
        Assert.Contains("updated: data/images", output);

        // And checking out the workspace pointers (HEAD) brings the second version back
        CliRunner.Ok(repo.Root, "checkout");
        Assert.Equal(v2Dir, TreeSnapshot.Of(repo.Root, "data/images"));
    }

    [Fact]
    public void Add_FileAndFolder_WritesPointersGitignoreAndReadOnlyCacheObjects()
    {
        // Given a file and a folder
        using var repo = NewRepo();
        WriteFirstVersion(repo);

        // When they are added
        var output = CliRunner.Ok(repo.Root, "add", "data/train.csv", "data/images");

        // Then pointer files sit beside the data, .gitignore ignores exactly the data, and Git sees only pointers
        Assert.True(File.Exists(repo.PathOf("data/train.csv.gitml")));
        Assert.True(File.Exists(repo.PathOf("data/images.gitml")));
        Assert.Equal("/train.csv\n/images\n", File.ReadAllText(repo.PathOf("data/.gitignore")));
        Assert.Contains("git add data/train.csv.gitml data/.gitignore data/images.gitml", output);
        var untracked = repo.Git("status", "--porcelain", "--untracked-files=all");
        Assert.DoesNotContain("train.csv\n", untracked);
        Assert.DoesNotContain("images/", untracked);

        // And every cached object is read-only
        var objects = Directory.EnumerateFiles(repo.PathOf(".gitml/cache/b3"), "*", SearchOption.AllDirectories).ToList();
        Assert.Equal(6, objects.Count); // 5 distinct contents + 1 manifest
        Assert.All(objects, o => Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(o) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)));
    }

    [Fact]
    public void Status_AfterEachKindOfChange_ReportsItInTextAndJson()
    {
        // Given committed data: two files and a folder
        using var repo = NewRepo();
        WriteFirstVersion(repo);
        repo.Write("models/model.bin", "weights");
        CliRunner.Ok(repo.Root, "add", "data/train.csv", "data/images", "models/model.bin");
        Assert.Contains("Data is up to date (3 tracked paths)", CliRunner.Ok(repo.Root, "status"));

        // When a file is modified, another deleted, and inside the folder a file is added, modified, deleted, and de-exec'd
        repo.Write("data/train.csv", "changed");
        File.Delete(repo.PathOf("models/model.bin"));
        repo.Write("data/images/added.txt", "new");
        repo.Write("data/images/a/b/deep.bin", "deep v2");
        File.Delete(repo.PathOf("data/images/empty.txt"));
        File.SetUnixFileMode(repo.PathOf("data/images/tools/run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var text = CliRunner.Ok(repo.Root, "status");
        var json = JsonDocument.Parse(CliRunner.Ok(repo.Root, "status", "--json")).RootElement;

        // Then the text names each change
        Assert.Contains("modified: data/train.csv", text);
        Assert.Contains("deleted: models/model.bin", text);
        Assert.Contains("modified: data/images", text);
        Assert.Contains("added:    data/images/added.txt", text);
        Assert.Contains("modified: data/images/a/b/deep.bin", text);
        Assert.Contains("deleted:  data/images/empty.txt", text);
        Assert.Contains("modified: data/images/tools/run.sh", text);

        // And the JSON carries the same, machine-readably
        Assert.False(json.GetProperty("clean").GetBoolean());
        var outs = json.GetProperty("outs").EnumerateArray().ToDictionary(o => o.GetProperty("path").GetString()!, o => o);
        Assert.Equal("modified", outs["data/train.csv"].GetProperty("state").GetString());
        Assert.Equal("deleted", outs["models/model.bin"].GetProperty("state").GetString());
        var changes = outs["data/images"].GetProperty("changes").EnumerateArray()
            .Select(c => c.GetProperty("path").GetString() + ":" + c.GetProperty("change").GetString()).ToList();
        Assert.Equal(["a/b/deep.bin:modified", "added.txt:added", "empty.txt:deleted", "tools/run.sh:modified"], changes);
    }

    [Fact]
    public void Status_ObjectMissingFromCache_SaysNotInCache()
    {
        // Given an added file whose cache object is then lost (as after a fresh clone), and the file deleted
        using var repo = NewRepo();
        repo.Write("big.bin", "payload");
        CliRunner.Ok(repo.Root, "add", "big.bin");
        TempDir.Delete(repo.PathOf(".gitml/cache"));
        File.Delete(repo.PathOf("big.bin"));

        // When status runs
        var text = CliRunner.Ok(repo.Root, "status");
        var json = JsonDocument.Parse(CliRunner.Ok(repo.Root, "status", "--json")).RootElement;

        // Then it reports the file deleted and not in the cache
        Assert.Contains("deleted: big.bin (not in cache", text);
        Assert.False(json.GetProperty("outs")[0].GetProperty("in_cache").GetBoolean());
    }

    [Fact]
    public void Commit_AfterModification_UpdatesPointerToNewOid()
    {
        // Given an added folder, then one file in it changed
        using var repo = NewRepo();
        WriteFirstVersion(repo);
        CliRunner.Ok(repo.Root, "add", "data/images");
        var before = File.ReadAllText(repo.PathOf("data/images.gitml"));
        repo.Write("data/images/a/b/deep.bin", "deep v2");

        // When git ml commit runs
        var output = CliRunner.Ok(repo.Root, "commit");

        // Then the pointer names a new manifest and status is clean; a second commit has nothing to do
        Assert.Contains("updated: data/images.gitml", output);
        Assert.NotEqual(before, File.ReadAllText(repo.PathOf("data/images.gitml")));
        Assert.Contains("up to date", CliRunner.Ok(repo.Root, "status"));
        Assert.Contains("Nothing to commit", CliRunner.Ok(repo.Root, "commit"));
    }

    [Fact]
    public void Remove_WithAndWithoutOuts_DeletesPointerAndIgnoreEntry()
    {
        // Given two tracked files
        using var repo = NewRepo();
        repo.Write("a.bin", "a");
        repo.Write("b.bin", "b");
        CliRunner.Ok(repo.Root, "add", "a.bin", "b.bin");

        // When one is removed without --outs and the other with --outs
        CliRunner.Ok(repo.Root, "remove", "a.bin");
        CliRunner.Ok(repo.Root, "remove", "b.bin.gitml", "--outs");

        // Then both pointers and ignore entries are gone; a.bin's data stays, b.bin's is deleted
        Assert.False(File.Exists(repo.PathOf("a.bin.gitml")));
        Assert.False(File.Exists(repo.PathOf("b.bin.gitml")));
        Assert.False(File.Exists(repo.PathOf(".gitignore")));
        Assert.True(File.Exists(repo.PathOf("a.bin")));
        Assert.False(File.Exists(repo.PathOf("b.bin")));
    }

    [Fact]
    public void Remove_OutsWithUncachedChange_RefusesAndKeepsEverything()
    {
        // Given a tracked file with a change that is not in the cache
        using var repo = NewRepo();
        repo.Write("a.bin", "a");
        CliRunner.Ok(repo.Root, "add", "a.bin");
        repo.Write("a.bin", "precious edit");

        // When remove --outs runs
        var r = CliRunner.Run(repo.Root, "remove", "a.bin", "--outs");

        // Then it refuses with a conflict naming the file and changes nothing
        Assert.Equal(8, r.ExitCode);
        Assert.Contains("a.bin", r.StdErr);
        Assert.Equal("precious edit", File.ReadAllText(repo.PathOf("a.bin")));
        Assert.True(File.Exists(repo.PathOf("a.bin.gitml")));
    }

    [Fact]
    public void Add_FromSubdirectoryWithRelativePath_TracksRepoRelativePath()
    {
        // Given data in a subfolder and a command run from there
        using var repo = NewRepo();
        repo.Write("sub/x.bin", "x");

        // When the path is given relative to that folder
        CliRunner.Ok(repo.PathOf("sub"), "add", "x.bin");

        // Then the pointer and ignore entry are in that folder
        Assert.True(File.Exists(repo.PathOf("sub/x.bin.gitml")));
        Assert.Equal("/x.bin\n", File.ReadAllText(repo.PathOf("sub/.gitignore")));
    }
}

public class DataEdgeCaseTests
{
    [Fact]
    public void RoundTrip_ExecutableFileAndEmptyFolder_KeepExecBitAndFolder()
    {
        // Given an executable script and an empty folder, both added and then deleted from the workspace
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        var script = repo.Write("bin/train.sh", "#!/bin/sh\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(repo.PathOf("empty"));
        CliRunner.Ok(repo.Root, "add", "bin/train.sh", "empty");
        Assert.Contains("isexec: true", File.ReadAllText(repo.PathOf("bin/train.sh.gitml")));
        File.Delete(script);
        Directory.Delete(repo.PathOf("empty"));

        // When they are checked out
        CliRunner.Ok(repo.Root, "checkout");

        // Then the script is executable again and the empty folder exists
        Assert.NotEqual(UnixFileMode.None, File.GetUnixFileMode(script) & UnixFileMode.UserExecute);
        Assert.True(Directory.Exists(repo.PathOf("empty")));
        Assert.Contains("up to date", CliRunner.Ok(repo.Root, "status"));
    }

    [Fact]
    public void Checkout_RevAndTargetFromSubfolder_RestoresOnlyThatTarget()
    {
        // Given two files, each at v1 in the first commit and v2 in the second
        using var repo = TempGitRepo.Create();
        CliRunner.Ok(repo.Root, "init");
        repo.Write("d/a.txt", "a1");
        repo.Write("d/b.txt", "b1");
        CliRunner.Ok(repo.Root, "add", "d/a.txt", "d/b.txt");
        var first = repo.CommitAll("v1");
        repo.Write("d/a.txt", "a2");
        repo.Write("d/b.txt", "b2");
        CliRunner.Ok(repo.Root, "add", "d/a.txt", "d/b.txt");
        repo.CommitAll("v2");

        // When only a.txt is checked out at the first commit, from inside d/
        CliRunner.Ok(repo.PathOf("d"), "checkout", first, "a.txt");

        // Then a.txt is v1 and b.txt untouched
        Assert.Equal("a1", File.ReadAllText(repo.PathOf("d/a.txt")));
        Assert.Equal("b2", File.ReadAllText(repo.PathOf("d/b.txt")));
    }
}
