namespace GitMl.Core.Remotes;

/// <summary>Creates the storage backend for a remote's settings.</summary>
public static class RemoteStorageFactory
{
    /// <summary>A directory or S3 backend, by <see cref="RemoteSettings.Kind"/>.</summary>
    public static IRemoteStorage Create(RemoteSettings settings) => settings.Kind switch
    {
        RemoteKind.Directory => new DirectoryRemoteStorage(settings.DirectoryPath!, settings.Describe()),
        _ => new S3RemoteStorage(settings),
    };
}
