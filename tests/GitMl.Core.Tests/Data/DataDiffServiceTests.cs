using GitMl.Core.Data;
using GitMl.Core.Metrics;
using GitMl.Testing;

namespace GitMl.Core.Tests.Data;

public sealed class DataDiffServiceTests : IDisposable
{
    private readonly TempGitRepo _git = TempGitRepo.Create();
    private readonly GitMlRepository _repo;

    public DataDiffServiceTests() => _repo = GitMlRepository.Init(_git.Root);

    [Fact]
    public void Diff_TwoCommits_ListsAddedDeletedModifiedAndRenamedFilesInsideFolders()
    {
        // Given a folder and a file tracked at v1, then at v2 one file renamed, one changed, one added, one removed
        Track(new() { ["a.bin"] = [1], ["b.bin"] = [2], ["c.bin"] = [3] }, model: [9]);
        var v1 = _git.CommitAll("v1");
        Track(new() { ["moved/a.bin"] = [1], ["b.bin"] = [22], ["d.bin"] = [4] }, model: [9]);
        var v2 = _git.CommitAll("v2");

        // When the two commits are compared
        var diff = Service().Diff(Rev(v1), Rev(v2));

        // Then each kind is found once, the folder entry is modified, and the unchanged model is absent
        Assert.Equal(
            [
                "Added data/d.bin",
                "Deleted data/c.bin",
                "Modified data/",
                "Modified data/b.bin",
                "Renamed data/a.bin>data/moved/a.bin",
            ],
            diff.Changes.Select(c => c.Kind + " " + (c.OldPath is null ? c.Path : c.OldPath + ">" + c.Path)));
        Assert.Equal(1, diff.FileCount(DataChangeKind.Modified));
        Assert.Empty(diff.NotInCache);
    }

    [Fact]
    public void Diff_CommitWhoseFolderManifestIsNotCached_ComparesTheFolderAsAWholeAndSaysSo()
    {
        // Given v1 and v2 of a folder, with v1's manifest gone from the cache (as in a clone that never fetched v1)
        var oldManifest = Track(new() { ["a.bin"] = [1] }, model: [9]);
        var v1 = _git.CommitAll("v1");
        Track(new() { ["a.bin"] = [1], ["b.bin"] = [2] }, model: [9]);
        var v2 = _git.CommitAll("v2");
        var path = _repo.Cache.PathOf(oldManifest);
        File.SetAttributes(path, FileAttributes.Normal);
        File.Delete(path);

        // When the commits are compared
        var diff = Service().Diff(Rev(v1), Rev(v2));

        // Then only the folder entry differs (its files are not guessed at), and the folder is named as not in cache
        Assert.Equal(["Modified data/"], diff.Changes.Select(c => c.Kind + " " + c.Path));
        Assert.Equal(["data/"], diff.NotInCache);
    }

    [Fact]
    public void Diff_AgainstWorkspace_HashesTheDataOnDiskNotThePointers()
    {
        // Given committed data, then a file edited in the workspace without 'git ml add'
        Track(new() { ["a.bin"] = [1] }, model: [9]);
        var v1 = _git.CommitAll("v1");
        File.WriteAllBytes(_git.PathOf("model.bin"), [10]);

        // When the commit is compared with the workspace
        var diff = Service().Diff(Rev(v1), new RevisionRef(RevisionRef.Workspace, null));

        // Then the edit shows although the pointer file still names the old bytes
        Assert.Equal(["Modified model.bin"], diff.Changes.Select(c => c.Kind + " " + c.Path));
    }

    [Fact]
    public void Diff_UnknownTarget_IsNotFound()
    {
        // Given tracked data
        Track(new() { ["a.bin"] = [1] }, model: [9]);
        var v1 = _git.CommitAll("v1");

        // When a path nobody tracks is asked for
        var ex = Assert.Throws<GitMlException>(() => Service().Diff(Rev(v1), Rev(v1), ["nothing"]));

        // Then the error says so
        Assert.Equal(ExitCode.NotFound, ex.ExitCode);
        Assert.Contains("'nothing' is not tracked", ex.Message);
    }

    public void Dispose()
    {
        _repo.Dispose();
        _git.Dispose();
    }

    /// <summary>Tracks data/ with <paramref name="files"/> and model.bin, writing the pointer files; returns data/'s manifest oid.</summary>
    private string Track(Dictionary<string, byte[]> files, byte[] model)
    {
        TempDir.Delete(_git.PathOf("data"));
        foreach (var (rel, bytes) in files)
        {
            _git.WriteBytes("data/" + rel, bytes);
        }

        _git.WriteBytes("model.bin", model);
        using var data = new DataService(_repo);
        var added = data.Add(["data", "model.bin"]);
        return added[0].Out.Oid;
    }

    private DataDiffService Service() => new(_repo, new DataService(_repo));

    private RevisionRef Rev(string sha) => new(sha, sha);
}
