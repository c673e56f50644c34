using System.Text;
using GitMl.Core;
using GitMl.Core.Hashing;
using GitMl.Testing;

namespace GitMl.Cli.Tests.Reliability;

/// <summary>
/// Hostile pointer files and manifests ('..', absolute paths, symlinks leaving the repository) are refused by every
/// command that writes the workspace; nothing is ever written outside the repository.
/// </summary>
public sealed class PathTraversalTests : IDisposable
{
    private readonly TempGitRepo _repo = TempGitRepo.Create();
    private readonly string _outside = TempDir.Create("outside");
    private readonly byte[] _bytes = TrackedData.Bytes(10_000, 5);
    private readonly string _oid;

    public PathTraversalTests()
    {
        CliRunner.Ok(_repo.Root, "init");

        // A real cached object, so only the path decides whether a write happens.
        _repo.WriteBytes("seed.bin", _bytes);
        CliRunner.Ok(_repo.Root, "add", "seed.bin");
        _oid = Blake3Hasher.Hash(_bytes);
    }

    public static TheoryData<string> HostilePaths() =>
    [
        "../../outside-file.bin",
        "../outside-file.bin",
        "a/../../outside-file.bin",
        "/tmp/gitml-tests/outside-abs.bin",
        "a\\..\\..\\x.bin",
        "./x.bin",
        "a//b.bin",
    ];

    [Theory]
    [MemberData(nameof(HostilePaths))]
    public void Checkout_PointerWithHostilePath_IsRefusedAndWritesNothingOutside(string hostile)
    {
        // Given a committed pointer file whose path tries to leave its folder
        _repo.Write("data/evil.bin.gitml", $"outs:\n- path: \"{hostile.Replace("\\", "\\\\")}\"\n  oid: {_oid}\n  size: {_bytes.Length}\n  hash: blake3\n");

        // When checking out and pulling
        var checkout = CliRunner.Run(_repo.Root, "checkout", "--force");
        var status = CliRunner.Run(_repo.Root, "status");

        // Then both refuse it as invalid input, and nothing appears outside the repository
        Assert.Equal((int)ExitCode.InvalidInput, checkout.ExitCode);
        Assert.Contains("unsafe path", checkout.StdErr);
        Assert.NotEqual(0, status.ExitCode);
        AssertNothingOutside();
    }

    [Fact]
    public void Checkout_ManifestWithDotDotEntry_IsRefusedAndWritesNothingOutside()
    {
        // Given a cached manifest (with a valid oid for its bytes) listing '../../escape.bin', and a pointer to it
        var manifest = Encoding.UTF8.GetBytes($"[{{\"relpath\":\"../../escape.bin\",\"oid\":\"{_oid}\",\"size\":{_bytes.Length}}}]");
        var dirOid = Blake3Hasher.HashMetadata(manifest) + Oid.DirSuffix;
        var path = _repo.PathOf(".gitml/cache/" + Oid.StoragePath(dirOid));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, manifest);
        _repo.Write("data/images.gitml", $"outs:\n- path: images\n  oid: {dirOid}\n  size: {_bytes.Length}\n  nfiles: 1\n  hash: blake3\n");

        // When checking out
        var checkout = CliRunner.Run(_repo.Root, "checkout", "--force");

        // Then it fails cleanly and no file escapes
        Assert.NotEqual(0, checkout.ExitCode);
        Assert.StartsWith("error: ", checkout.StdErr);
        Assert.DoesNotContain("unexpected", checkout.StdErr);
        Assert.False(File.Exists(_repo.PathOf("escape.bin")));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_repo.Root)!, "escape.bin")));
        AssertNothingOutside();
    }

    [Fact]
    public void Checkout_TrackedFolderBehindSymlinkLeavingTheRepo_WritesNothingThroughIt()
    {
        // Given a pointer for data/model.bin, and 'data' replaced by a symlink to a folder outside the repository
        _repo.Write("keep.txt", "x");
        Directory.CreateDirectory(_repo.PathOf("data"));
        File.WriteAllText(_repo.PathOf("data/model.bin.gitml"), $"outs:\n- path: model.bin\n  oid: {_oid}\n  size: {_bytes.Length}\n  hash: blake3\n");
        File.Copy(_repo.PathOf("data/model.bin.gitml"), Path.Combine(_outside, "model.bin.gitml"));
        Directory.Delete(_repo.PathOf("data"), recursive: true);
        Directory.CreateSymbolicLink(_repo.PathOf("data"), _outside);

        // When checking out
        var checkout = CliRunner.Run(_repo.Root, "checkout", "--force");

        // Then no data file is written through the symlink (the command either skips it or refuses it cleanly)
        Assert.DoesNotContain("unexpected", checkout.StdErr);
        Assert.False(File.Exists(Path.Combine(_outside, "model.bin")), checkout.StdOut + checkout.StdErr);
    }

    public void Dispose()
    {
        _repo.Dispose();
        TempDir.Delete(_outside);
        File.Delete("/tmp/gitml-tests/outside-abs.bin");
    }

    private void AssertNothingOutside()
    {
        Assert.Empty(Directory.EnumerateFileSystemEntries(_outside));
        Assert.False(File.Exists("/tmp/gitml-tests/outside-abs.bin"));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_repo.Root)!, "outside-file.bin")));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(_repo.Root)!)!, "outside-file.bin")));
    }
}
