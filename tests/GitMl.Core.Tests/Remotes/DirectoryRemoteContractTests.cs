using GitMl.Testing;

namespace GitMl.Core.Tests.Remotes;

/// <summary>The contract suite against a directory remote.</summary>
public sealed class DirectoryRemoteContractTests : RemoteContractTests
{
    private readonly string _remoteDir = TempDir.Create("dir-remote");

    protected override void ConfigureRemote() => Remotes.Add("storage", _remoteDir, makeDefault: true, local: false);

    protected override void CorruptRemoteObject(string oid)
    {
        var path = ObjectPath(oid);
        File.SetAttributes(path, FileAttributes.Normal);
        var bytes = File.ReadAllBytes(path);
        bytes[0] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
    }

    protected override void DeleteRemoteObject(string oid) => File.Delete(ObjectPath(oid));

    private string ObjectPath(string oid) => Path.Combine(_remoteDir, "b3", oid[..2], oid[2..]);
}
