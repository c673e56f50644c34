#:project ../../src/GitMl.Core/GitMl.Core.csproj
// Tracks a folder's files the way 'git ml add' would (cache objects + manifest + pointer file), using Core only, so
// the remotes benchmark runs on a branch without the data path. Usage: dotnet run track-dir.cs -- REPO RELDIR
using GitMl.Core;
using GitMl.Core.Pointers;

var repo = GitMlRepository.Open(args[0]);
var relDir = args[1].TrimEnd('/');
var root = Path.Combine(repo.WorkDir, relDir);
var files = Directory.GetFiles(root, "*", SearchOption.AllDirectories);
var entries = new ManifestEntry[files.Length];
Parallel.For(0, files.Length, i =>
{
    var rel = Path.GetRelativePath(root, files[i]).Replace('\\', '/');
    entries[i] = new ManifestEntry(rel, repo.Cache.PutFile(files[i]), new FileInfo(files[i]).Length);
});
var manifest = new DirectoryManifest(entries);
var oid = repo.Cache.PutManifest(manifest);
var pointer = new PointerFile([new PointerOut { Path = Path.GetFileName(relDir), Oid = oid, Size = manifest.TotalSize, NFiles = entries.Length }]);
AtomicFile.WriteAllText(root + PointerFile.Extension, pointer.ToYaml());
Console.WriteLine($"tracked {entries.Length} files as {oid}");
