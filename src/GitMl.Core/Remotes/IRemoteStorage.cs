namespace GitMl.Core.Remotes;

/// <summary>An object found on a remote by listing.</summary>
/// <param name="Oid">The object's oid (with <c>.dir</c> for manifests).</param>
/// <param name="Size">Its size in bytes as the remote reports it.</param>
/// <param name="Modified">When the remote last wrote it (S3 <c>LastModified</c>, a file's mtime), where the listing says.</param>
public readonly record struct RemoteObject(string Oid, long Size, DateTimeOffset? Modified = null);

/// <summary>
/// The content-addressed store on a remote (a directory or an S3 bucket prefix), laid out like the cache:
/// object <c>oid</c> at <c>b3/oid[0:2]/oid[2:]</c>. Implementations never leave a partial object under its final
/// name and report failures as <see cref="GitMlException"/> with <see cref="ExitCode.Remote"/>.
/// </summary>
public interface IRemoteStorage : IDisposable
{
    /// <summary>What to call this remote in messages, e.g. <c>'storage' (s3://bucket/prefix at 127.0.0.1:9000)</c>. Never holds secrets.</summary>
    string Description { get; }

    /// <summary>Checks the remote can be used (reachable, bucket or folder exists, credentials accepted).</summary>
    Task EnsureReadyAsync(CancellationToken ct);

    /// <summary>True when the object exists on the remote (one request per object on S3).</summary>
    Task<bool> ExistsAsync(string oid, CancellationToken ct);

    /// <summary>Lists the objects whose oid starts with the two hex characters <paramref name="prefix"/>.</summary>
    Task<IReadOnlyList<RemoteObject>> ListPrefixAsync(string prefix, CancellationToken ct);

    /// <summary>Lists every object on the remote.</summary>
    Task<IReadOnlyList<RemoteObject>> ListAllAsync(CancellationToken ct);

    /// <summary>
    /// Uploads the cache file <paramref name="localPath"/> as <paramref name="oid"/>. The bytes are hashed on the way;
    /// a mismatch with the oid throws <see cref="ExitCode.Corrupted"/> and leaves nothing under the final name.
    /// </summary>
    Task UploadAsync(string oid, string localPath, Action<long>? onBytes, CancellationToken ct);

    /// <summary>
    /// Streams the object's bytes into <paramref name="consume"/>. Exceptions thrown by <paramref name="consume"/> (a
    /// hash mismatch, a full disk) propagate unchanged; remote failures become <see cref="ExitCode.Remote"/> errors.
    /// A missing object throws <see cref="ExitCode.NotFound"/>.
    /// </summary>
    Task DownloadAsync(string oid, Func<Stream, CancellationToken, Task> consume, CancellationToken ct);

    /// <summary>
    /// Objects larger than this move in parts, several in flight (<see cref="UploadPartsAsync"/>,
    /// <see cref="DownloadPartsAsync"/>); <see cref="long.MaxValue"/> for backends that move every object whole.
    /// </summary>
    long MultipartThreshold => long.MaxValue;

    /// <summary>
    /// Uploads a large object in parts, up to <paramref name="lanes"/> at once, with the guarantees of
    /// <see cref="UploadAsync"/>: hashed, and visible under its final name only when complete and correct. A failed
    /// upload leaves no partial upload behind where the backend can say so.
    /// </summary>
    Task UploadPartsAsync(string oid, string localPath, int lanes, Action<long>? onBytes, CancellationToken ct) =>
        UploadAsync(oid, localPath, onBytes, ct);

    /// <summary>
    /// Writes the first <paramref name="size"/> bytes of the object into the existing file <paramref name="destination"/>
    /// at their offsets, up to <paramref name="lanes"/> ranges at once. Nothing is verified here: the caller hashes the
    /// file before it enters the cache. A remote object whose size is not <paramref name="size"/> throws
    /// <see cref="ExitCode.Corrupted"/>.
    /// </summary>
    Task DownloadPartsAsync(string oid, long size, string destination, int lanes, Action<long>? onBytes, CancellationToken ct) =>
        throw new NotSupportedException($"remote {Description} reads objects whole");

    /// <summary>
    /// Removes what interrupted transfers left on the remote (multipart uploads, temp files) that started more than
    /// <paramref name="olderThan"/> ago; returns how many. Younger ones may belong to a transfer still running.
    /// </summary>
    Task<int> SweepStaleAsync(TimeSpan olderThan, CancellationToken ct) => Task.FromResult(0);

    /// <summary>Deletes an object (gc --cloud); a missing object is not an error.</summary>
    Task DeleteAsync(string oid, CancellationToken ct);

    /// <summary>
    /// Deletes many objects, up to <paramref name="jobs"/> requests at once; missing ones are not an error. Backends
    /// with a batch call (S3 DeleteObjects: 1,000 keys a request) use it.
    /// </summary>
    Task DeleteManyAsync(IReadOnlyList<string> oids, int jobs, CancellationToken ct) =>
        TransferService.RunParallel(oids, jobs, (oid, token) => new ValueTask(DeleteAsync(oid, token)), ct);

    /// <summary>Keys of the run-cache entries on the remote (<c>runs/&lt;key[0:2]&gt;/&lt;key[2:]&gt;</c>, beside <c>b3/</c>).</summary>
    Task<IReadOnlyList<string>> ListRunEntriesAsync(CancellationToken ct) => throw RunCacheUnsupported();

    /// <summary>Stores a run-cache entry (small YAML); it appears under its final name only when complete.</summary>
    Task PutRunEntryAsync(string key, byte[] bytes, CancellationToken ct) => throw RunCacheUnsupported();

    /// <summary>Reads a run-cache entry; a missing one throws <see cref="ExitCode.NotFound"/>.</summary>
    Task<byte[]> GetRunEntryAsync(string key, CancellationToken ct) => throw RunCacheUnsupported();

    /// <summary>
    /// The push receipts on the remote (<c>pushes/&lt;key[0:2]&gt;/&lt;key[2:]&gt;</c>, beside <c>b3/</c>): key, size and
    /// when the remote wrote each (see <see cref="PushReceipt"/>).
    /// </summary>
    Task<IReadOnlyList<RemoteObject>> ListPushReceiptsAsync(CancellationToken ct);

    /// <summary>Stores a push receipt (small JSON) under <paramref name="key"/>; it appears only when complete.</summary>
    Task PutPushReceiptAsync(string key, byte[] bytes, CancellationToken ct);

    /// <summary>Reads a push receipt; null when it is gone (another gc removed it).</summary>
    Task<byte[]?> GetPushReceiptAsync(string key, CancellationToken ct);

    /// <summary>Deletes a push receipt; a missing one is not an error.</summary>
    Task DeletePushReceiptAsync(string key, CancellationToken ct);

    private GitMlException RunCacheUnsupported() => new(
        $"remote {Description} cannot hold run-cache entries",
        "use a directory or S3 remote for --run-cache",
        ExitCode.Remote);
}
