using System.Globalization;
using System.Net.Sockets;
using GitMl.Core.Cache;
using GitMl.Core.Hashing;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;

namespace GitMl.Core.Remotes;

/// <summary>
/// A remote in an S3-compatible bucket through the Minio SDK (path-style addressing, SigV4). Transient network
/// failures are retried a bounded number of times, then reported naming the endpoint's host and port; S3 answers
/// (missing bucket, rejected credentials) are reported at once. Uploads are single PUTs or multipart uploads, both of
/// which S3 makes visible only when complete.
/// </summary>
public sealed class S3RemoteStorage : IRemoteStorage
{
    /// <summary>Payload hash for requests whose body is not signed (parts: their bytes are checked by our own hash).</summary>
    private const string UnsignedPayload = "UNSIGNED-PAYLOAD";

    /// <summary>Parts in flight for a large object uploaded outside a transfer that sizes its lanes.</summary>
    private const int DefaultPartLanes = 4;

    private const int PresignExpirySeconds = 3600;
    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(800)];

    // One pooled client for the process: connections are reused across objects and parallel lanes.
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        MaxConnectionsPerServer = 256,
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
    private readonly RemoteSettings _settings;
    private readonly IMinioClient _client;
    private readonly string _bucket;
    private readonly string _keyPrefix;
    private readonly Uri _endpoint;
    private long _bytesResumed;

    /// <summary>Creates a client for an S3 remote.</summary>
    public S3RemoteStorage(RemoteSettings settings)
    {
        _settings = settings;
        _bucket = settings.Bucket!;
        _keyPrefix = settings.Prefix.Length > 0 ? settings.Prefix + "/" : string.Empty;
        var endpoint = settings.Endpoint ?? new Uri("https://s3." + settings.Region + ".amazonaws.com");
        _endpoint = endpoint;
        var client = new MinioClient()
            .WithEndpoint(endpoint.Host, endpoint.Port)
            .WithSSL(endpoint.Scheme == "https")
            .WithRegion(settings.Region)
            .WithTimeout(60_000);
        var c = settings.Credentials ?? throw new GitMlException(
            $"no credentials for remote {settings.Describe()}",
            $"set access_key_id and secret_access_key with 'git ml remote modify {settings.Name} KEY VALUE --local', export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or name a profile ('git ml remote modify {settings.Name} profile NAME')",
            ExitCode.Remote);
        client = client.WithCredentials(c.AccessKeyId, c.SecretAccessKey);
        if (c.SessionToken is not null)
        {
            client = client.WithSessionToken(c.SessionToken);
        }

        _client = client.Build();
        Description = settings.Describe();
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>Bytes of multipart uploads that were not sent again because an earlier, interrupted upload had them.</summary>
    internal long BytesResumed => Interlocked.Read(ref _bytesResumed);

    /// <summary>The S3 key of an object.</summary>
    public string KeyOf(string oid) => _keyPrefix + Oid.StoragePath(oid);

    /// <inheritdoc />
    public Task EnsureReadyAsync(CancellationToken ct) => RunAsync(async token =>
    {
        // One list request proves reachability, the bucket and the credentials together.
        using var response = await SendSignedAsync(HttpMethod.Get, "/" + _bucket, [new("list-type", "2"), new("max-keys", "1"), new("prefix", _keyPrefix + "b3/")], token);
        await EnsureSuccessAsync(response, null, token);
        return true;
    }, null, ct);

    /// <inheritdoc />
    public Task<bool> ExistsAsync(string oid, CancellationToken ct) => RunAsync(async token =>
    {
        // A signed HEAD is one request; the SDK's stat costs two.
        using var response = await SendSignedAsync(HttpMethod.Head, "/" + _bucket + "/" + S3Signer.Encode(KeyOf(oid), true), [], token);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, oid, token);
        return true;
    }, oid, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<RemoteObject>> ListPrefixAsync(string prefix, CancellationToken ct) => ListAsync("b3/" + prefix + "/", ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<RemoteObject>> ListAllAsync(CancellationToken ct) => ListAsync("b3/", ct);

    /// <inheritdoc />
    public long MultipartThreshold => _settings.MultipartThreshold;

    /// <summary>The configured part size, grown for huge objects so that no upload needs more than S3's 10,000 parts.</summary>
    private long PartSizeFor(long size) => Math.Max(_settings.PartSize, (size + 9_999) / 10_000);

    /// <inheritdoc />
    public Task UploadPartsAsync(string oid, string localPath, int lanes, Action<long>? onBytes, CancellationToken ct)
    {
        var size = new FileInfo(localPath).Length;
        return size > MultipartThreshold ? UploadMultipartAsync(oid, localPath, size, lanes, onBytes, ct) : UploadSingleAsync(oid, localPath, onBytes, ct);
    }

    /// <inheritdoc />
    public Task UploadAsync(string oid, string localPath, Action<long>? onBytes, CancellationToken ct)
    {
        var size = new FileInfo(localPath).Length;
        return size > MultipartThreshold ? UploadMultipartAsync(oid, localPath, size, DefaultPartLanes, onBytes, ct) : UploadSingleAsync(oid, localPath, onBytes, ct);
    }

    private Task UploadSingleAsync(string oid, string localPath, Action<long>? onBytes, CancellationToken ct) => RunAsync(async token =>
    {
        var sent = 0L;
        string actual;
        using (var hasher = Blake3Hasher.CreateIncremental())
        {
            await using (var file = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous))
            {
                var hashing = new HashingReadStream(file, hasher, n =>
                {
                    sent += n;
                    onBytes?.Invoke(n);
                });
                try
                {
                    // One presigned PUT is one request; the SDK's own path adds round trips per object.
                    var url = await _client.PresignedPutObjectAsync(new PresignedPutObjectArgs().WithBucket(_bucket).WithObject(KeyOf(oid)).WithExpiry(PresignExpirySeconds));
                    using var content = new StreamContent(hashing, 1 << 20);
                    content.Headers.ContentLength = file.Length;
                    content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
                    using var response = await Http.PutAsync(url, content, token);
                    await EnsureSuccessAsync(response, oid, token);
                }
                catch
                {
                    // A retried attempt re-sends the whole object: take back the bytes this attempt reported.
                    onBytes?.Invoke(-sent);
                    throw;
                }
            }

            actual = hasher.Finish();
        }

        if (actual != Oid.Digest(oid))
        {
            // The cache copy was bad: take the upload back so the remote never keeps wrong bytes under this name.
            await _client.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(_bucket).WithObject(KeyOf(oid)), token);
            throw ObjectStore.Corrupt(oid);
        }

        return true;
    }, oid, ct);

    /// <inheritdoc />
    public Task DownloadAsync(string oid, Func<Stream, CancellationToken, Task> consume, CancellationToken ct) => RunAsync(async token =>
    {
        // A presigned GET is one request; the SDK's GetObject costs three.
        var url = await _client.PresignedGetObjectAsync(new PresignedGetObjectArgs().WithBucket(_bucket).WithObject(KeyOf(oid)).WithExpiry(PresignExpirySeconds));
        using var response = await Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, token);
        await EnsureSuccessAsync(response, oid, token);
        await using var stream = await response.Content.ReadAsStreamAsync(token);
        try
        {
            await consume(stream, token);
        }
        catch (Exception ex) when (ex is GitMlException || IsLocalIoFailure(ex))
        {
            throw new ConsumerException(ex);
        }

        return true;
    }, oid, ct);

    /// <inheritdoc />
    public async Task DownloadPartsAsync(string oid, long size, string destination, int lanes, Action<long>? onBytes, CancellationToken ct)
    {
        var path = ObjectPath(oid);
        using var handle = File.OpenHandle(destination, FileMode.Open, FileAccess.Write, FileShare.None, FileOptions.Asynchronous);
        var partSize = PartSizeFor(size);
        var count = (int)((size + partSize - 1) / partSize);
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, lanes), CancellationToken = ct }, async (i, token) =>
        {
            var offset = i * partSize;
            var length = Math.Min(partSize, size - offset);
            await RunAsync(t => ReadRangeAsync(path, oid, size, handle, offset, length, onBytes, t), oid, token);
        });
    }

    /// <inheritdoc />
    public Task<int> SweepStaleAsync(TimeSpan olderThan, CancellationToken ct) => RunAsync(async token =>
    {
        var stale = new List<(string Key, string UploadId)>();
        var cutoff = DateTime.UtcNow - olderThan;
        string? keyMarker = null;
        string? idMarker = null;
        do
        {
            var query = new List<KeyValuePair<string, string>> { new("uploads", string.Empty), new("prefix", _keyPrefix + "b3/") };
            if (keyMarker is not null)
            {
                query.Add(new("key-marker", keyMarker));
                query.Add(new("upload-id-marker", idMarker ?? string.Empty));
            }

            using var response = await SendSignedAsync(HttpMethod.Get, "/" + _bucket, query, token);
            await EnsureSuccessAsync(response, null, token);
            var page = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync(token));
            foreach (var upload in page.Descendants().Where(e => e.Name.LocalName == "Upload"))
            {
                var initiated = DateTime.Parse(Child(upload, "Initiated") ?? string.Empty, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
                if (initiated < cutoff && Child(upload, "Key") is { } key && Child(upload, "UploadId") is { } id)
                {
                    stale.Add((key, id));
                }
            }

            var truncated = Child(page.Root!, "IsTruncated") == "true";
            keyMarker = truncated ? Child(page.Root!, "NextKeyMarker") : null;
            idMarker = truncated ? Child(page.Root!, "NextUploadIdMarker") : null;
        }
        while (keyMarker is not null);

        foreach (var (key, id) in stale)
        {
            await AbortAsync("/" + _bucket + "/" + S3Signer.Encode(key, true), id, token);
        }

        return stale.Count;
    }, null, ct);

    /// <inheritdoc />
    public Task DeleteAsync(string oid, CancellationToken ct) => RunAsync(async token =>
    {
        await _client.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(_bucket).WithObject(KeyOf(oid)), token);
        return true;
    }, oid, ct);

    /// <summary>Keys per DeleteObjects request: S3's limit, lowered only by tests to cross batch boundaries cheaply.</summary>
    internal int DeleteBatchSize { get; set; } = 1000;

    /// <summary>
    /// Deletes in DeleteObjects batches of up to 1,000 keys (one request each, in quiet mode so only failures come
    /// back): a gc of 100,000 objects is 100 requests, not 100,000.
    /// </summary>
    public Task DeleteManyAsync(IReadOnlyList<string> oids, int jobs, CancellationToken ct) =>
        TransferService.RunParallel(oids.Chunk(DeleteBatchSize).ToList(), jobs, (batch, token) => new ValueTask(DeleteBatchAsync(batch, token)), ct);

    private Task DeleteBatchAsync(string[] oids, CancellationToken ct) => RunAsync(async token =>
    {
        var xml = new System.Text.StringBuilder("<Delete><Quiet>true</Quiet>");
        foreach (var oid in oids)
        {
            xml.Append("<Object><Key>").Append(System.Security.SecurityElement.Escape(KeyOf(oid))).Append("</Key></Object>");
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(xml.Append("</Delete>").ToString());
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");

        // S3 requires a body checksum on DeleteObjects.
        content.Headers.ContentMD5 = System.Security.Cryptography.MD5.HashData(bytes);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        using var response = await SendSignedAsync(HttpMethod.Post, "/" + _bucket, [new("delete", string.Empty)], token, content, hash);
        await EnsureSuccessAsync(response, null, token);

        if (FirstDeleteFailure(await response.Content.ReadAsStringAsync(token)) is { } failure)
        {
            throw new GitMlException(
                $"remote {Description} refused to delete {failure.Key}: {failure.Code}",
                "check that the credentials may delete objects (s3:DeleteObject) and run gc again; nothing that is still used was touched",
                ExitCode.Remote);
        }

        return true;
    }, null, ct);

    /// <summary>
    /// The first key a DeleteObjects answer reports as not deleted, with its error code. The answer is 200 even
    /// then; a key that was already gone is not a failure.
    /// </summary>
    internal static (string Key, string Code)? FirstDeleteFailure(string body)
    {
        var doc = System.Xml.Linq.XDocument.Parse(body);
        foreach (var error in doc.Root?.Elements().Where(e => e.Name.LocalName == "Error") ?? [])
        {
            var code = Child(error, "Code") ?? "unknown error";
            if (code != "NoSuchKey")
            {
                return (Child(error, "Key") ?? "(no key)", code);
            }
        }

        return null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListRunEntriesAsync(CancellationToken ct) =>
        (await ListAsync("runs/", ct)).Select(o => o.Oid).ToList();

    /// <inheritdoc />
    public Task PutRunEntryAsync(string key, byte[] bytes, CancellationToken ct) => PutEntryAsync("runs/", key, bytes, "application/yaml", ct);

    /// <inheritdoc />
    public async Task<byte[]> GetRunEntryAsync(string key, CancellationToken ct) =>
        await GetEntryAsync("runs/", key, ct) ?? throw new GitMlException($"run-cache entry {key} is not on remote {Description}", null, ExitCode.NotFound);

    /// <inheritdoc />
    public Task<IReadOnlyList<RemoteObject>> ListPushReceiptsAsync(CancellationToken ct) => ListAsync("pushes/", ct);

    /// <inheritdoc />
    public Task PutPushReceiptAsync(string key, byte[] bytes, CancellationToken ct) => PutEntryAsync("pushes/", key, bytes, "application/json", ct);

    /// <inheritdoc />
    public Task<byte[]?> GetPushReceiptAsync(string key, CancellationToken ct) => GetEntryAsync("pushes/", key, ct);

    /// <inheritdoc />
    public Task DeletePushReceiptAsync(string key, CancellationToken ct) => RunAsync(async token =>
    {
        await _client.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(_bucket).WithObject(AreaKeyOf("pushes/", key)), token);
        return true;
    }, null, ct);

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();

    private string ObjectPath(string oid) => "/" + _bucket + "/" + S3Signer.Encode(KeyOf(oid), true);

    /// <summary>
    /// A multipart upload with up to <paramref name="lanes"/> parts in flight. The whole file is hashed beside the
    /// parts and the upload is completed only when the bytes match the oid, so S3 never shows a damaged object, not
    /// even for a moment; until completion nothing is visible under the key. An upload a crash or a dead server left
    /// behind is resumed: its parts whose size and MD5 ETag match the local bytes are kept, only the rest are sent.
    /// Any other failure aborts the upload, so no parts are left behind.
    /// </summary>
    private async Task UploadMultipartAsync(string oid, string localPath, long size, int lanes, Action<long>? onBytes, CancellationToken ct)
    {
        var path = ObjectPath(oid);
        using var handle = File.OpenHandle(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        var partSize = PartSizeFor(size);
        var count = (int)((size + partSize - 1) / partSize);
        var etags = new string?[count];
        var (uploadId, resumed) = await RunAsync(token => FindOrStartUploadAsync(path, oid, handle, size, partSize, etags, token), oid, ct);
        using var hashCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var hashing = Task.Run(() => HashFile(handle, size, hashCancel.Token), hashCancel.Token);
        var done = false;
        try
        {
            foreach (var i in Enumerable.Range(0, count).Where(i => etags[i] is not null))
            {
                var kept = Math.Min(partSize, size - (i * partSize));
                Interlocked.Add(ref _bytesResumed, kept);
                onBytes?.Invoke(kept);
            }

            var missing = Enumerable.Range(0, count).Where(i => etags[i] is null).ToList();
            await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, lanes), CancellationToken = ct }, async (i, token) =>
            {
                var offset = i * partSize;
                var length = Math.Min(partSize, size - offset);
                etags[i] = await RunAsync(t => PutPartAsync(path, uploadId, i + 1, handle, offset, length, onBytes, t), oid, token);
            });

            if (await hashing != Oid.Digest(oid))
            {
                throw ObjectStore.Corrupt(oid);
            }

            try
            {
                await RunAsync(t => CompleteAsync(path, uploadId, etags!, t), oid, ct);
            }
            catch (GitMlException) when (resumed)
            {
                // Another push of the same object may have resumed this upload too and completed it first.
                if (!await ExistsAsync(oid, ct))
                {
                    throw;
                }
            }

            done = true;
        }
        catch (Exception ex) when (ex is OperationCanceledException or GitMlException { ExitCode: ExitCode.Remote })
        {
            // Interrupted (Ctrl-C, a dead server, a broken network): the parts are kept so that the next push resumes
            // instead of starting over; 'gc --cloud' aborts uploads nobody resumes.
            done = true;
            throw;
        }
        finally
        {
            if (!done)
            {
                await TryAbortAsync(path, uploadId);
            }

            // The hash pass must not outlive the file handle.
            await hashCancel.CancelAsync();
            await hashing.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Looks for an unfinished upload of this key (one request) and keeps its parts that match the local bytes;
    /// otherwise starts a new upload. Returns the upload id and whether it was resumed.
    /// </summary>
    private async Task<(string UploadId, bool Resumed)> FindOrStartUploadAsync(string path, string oid, Microsoft.Win32.SafeHandles.SafeFileHandle handle, long size, long partSize, string?[] etags, CancellationToken ct)
    {
        var key = KeyOf(oid);
        using (var response = await SendSignedAsync(HttpMethod.Get, "/" + _bucket, [new("uploads", string.Empty), new("prefix", key)], ct))
        {
            await EnsureSuccessAsync(response, null, ct);
            var page = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            var existing = page.Descendants().Where(e => e.Name.LocalName == "Upload" && Child(e, "Key") == key)
                .Select(e => Child(e, "UploadId")).FirstOrDefault(id => id is not null);
            if (existing is not null)
            {
                using var parts = await SendSignedAsync(HttpMethod.Get, path, [new("uploadId", existing), new("max-parts", "10000")], ct);
                if (parts.IsSuccessStatusCode)
                {
                    var doc = System.Xml.Linq.XDocument.Parse(await parts.Content.ReadAsStringAsync(ct));
                    foreach (var part in doc.Descendants().Where(e => e.Name.LocalName == "Part"))
                    {
                        var number = int.Parse(Child(part, "PartNumber") ?? "0", CultureInfo.InvariantCulture);
                        var length = long.Parse(Child(part, "Size") ?? "-1", CultureInfo.InvariantCulture);
                        var offset = (number - 1) * partSize;
                        if (number < 1 || number > etags.Length || length != Math.Min(partSize, size - offset))
                        {
                            continue;
                        }

                        // A part is kept only if its MD5 ETag matches our bytes: the remote is not trusted either.
                        var etag = Child(part, "ETag")?.Trim('"');
                        if (etag is not null && etag.Equals(Md5Hex(handle, offset, length), StringComparison.OrdinalIgnoreCase))
                        {
                            etags[number - 1] = "\"" + etag + "\"";
                        }
                    }

                    return (existing, true);
                }
            }
        }

        using var start = await SendSignedAsync(HttpMethod.Post, path, [new("uploads", string.Empty)], ct);
        await EnsureSuccessAsync(start, oid, ct);
        var started = System.Xml.Linq.XDocument.Parse(await start.Content.ReadAsStringAsync(ct));
        var uploadId = started.Descendants().FirstOrDefault(e => e.Name.LocalName == "UploadId")?.Value;
        return string.IsNullOrEmpty(uploadId)
            ? throw new InvalidOperationException("the server started a multipart upload without an UploadId")
            : (uploadId, false);
    }

    private async Task<string> PutPartAsync(string path, string uploadId, int number, Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, long length,
        Action<long>? onBytes, CancellationToken ct)
    {
        long sent = 0;
        try
        {
            var body = new FileRangeStream(handle, offset, length, n =>
            {
                sent += n;
                onBytes?.Invoke(n);
            });
            using var content = new StreamContent(body, 1 << 20);
            content.Headers.ContentLength = length;
            using var response = await SendSignedAsync(HttpMethod.Put, path,
                [new("partNumber", number.ToString(CultureInfo.InvariantCulture)), new("uploadId", uploadId)], ct, content, UnsignedPayload);
            await EnsureSuccessAsync(response, null, ct);
            return response.Headers.ETag?.Tag ?? throw new HttpRequestException($"no ETag for part {number}");
        }
        catch
        {
            // A retried part re-sends its bytes: take back what this attempt reported.
            onBytes?.Invoke(-sent);
            throw;
        }
    }

    private async Task<bool> CompleteAsync(string path, string uploadId, string[] etags, CancellationToken ct)
    {
        var xml = new System.Text.StringBuilder("<CompleteMultipartUpload>");
        for (var i = 0; i < etags.Length; i++)
        {
            xml.Append("<Part><PartNumber>").Append((i + 1).ToString(CultureInfo.InvariantCulture)).Append("</PartNumber><ETag>")
                .Append(System.Security.SecurityElement.Escape(etags[i])).Append("</ETag></Part>");
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(xml.Append("</CompleteMultipartUpload>").ToString());
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        using var response = await SendSignedAsync(HttpMethod.Post, path, [new("uploadId", uploadId)], ct, content, hash);
        await EnsureSuccessAsync(response, null, ct);

        // S3 may answer 200 and report a failure in the body.
        var body = await response.Content.ReadAsStringAsync(ct);
        if (body.Contains("<Error>", StringComparison.Ordinal))
        {
            var code = System.Text.RegularExpressions.Regex.Match(body, "<Code>([^<]*)</Code>").Groups[1].Value;
            throw code is "InternalError" or "SlowDown"
                ? new HttpRequestException("completing the multipart upload failed: " + code)
                : new InvalidOperationException("completing the multipart upload failed: " + code);
        }

        return true;
    }

    private async Task<bool> AbortAsync(string path, string uploadId, CancellationToken ct)
    {
        using var response = await SendSignedAsync(HttpMethod.Delete, path, [new("uploadId", uploadId)], ct);
        if (response.StatusCode != System.Net.HttpStatusCode.NotFound)
        {
            await EnsureSuccessAsync(response, null, ct);
        }

        return true;
    }

    private async Task TryAbortAsync(string path, string uploadId)
    {
        // Not tied to the caller's token (it may be the reason we are here), but bounded.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await AbortAsync(path, uploadId, cts.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException or InvalidOperationException or AccessDeniedException)
        {
            // Best effort: gc --cloud aborts uploads left behind.
        }
    }

    private async Task<bool> ReadRangeAsync(string path, string oid, long size, Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, long length,
        Action<long>? onBytes, CancellationToken ct)
    {
        long got = 0;
        try
        {
            using var request = SignedRequest(HttpMethod.Get, path, [], null, S3Signer.EmptyPayloadHash);
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(offset, offset + length - 1);
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (response.StatusCode == System.Net.HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                throw SizeMismatch(oid, null, size);
            }

            await EnsureSuccessAsync(response, oid, ct);
            var total = response.Content.Headers.ContentRange?.Length;
            if (response.StatusCode != System.Net.HttpStatusCode.PartialContent || total != size)
            {
                // A whole-object answer or another total: the remote's object is not the one the pointer names.
                throw SizeMismatch(oid, total ?? response.Content.Headers.ContentLength, size);
            }

            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
            try
            {
                while (got < length)
                {
                    var filled = 0;
                    int read;
                    while (filled < buffer.Length && got + filled < length
                        && (read = await stream.ReadAsync(buffer.AsMemory(filled, (int)Math.Min(buffer.Length - filled, length - got - filled)), ct)) > 0)
                    {
                        filled += read;
                    }

                    if (filled == 0)
                    {
                        throw new UnexpectedShortReadException($"range {offset}+{length} of {oid} ended after {got} bytes");
                    }

                    await RandomAccess.WriteAsync(handle, buffer.AsMemory(0, filled), offset + got, ct);
                    got += filled;
                    onBytes?.Invoke(filled);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (IOException io) when (IsLocalIoFailure(io))
        {
            throw new ConsumerException(io);
        }
        catch
        {
            onBytes?.Invoke(-got);
            throw;
        }

        return true;
    }

    private GitMlException SizeMismatch(string oid, long? actual, long expected) => new(
        $"object {oid} on remote {Description} is corrupted (its size is {(actual is null ? "smaller" : actual.Value.ToString(CultureInfo.InvariantCulture))}, its pointer says {expected.ToString(CultureInfo.InvariantCulture)} bytes)",
        "the bad bytes were discarded; push a good copy from a clone that has it, then fetch again",
        ExitCode.Corrupted);

    private static string HashFile(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long size, CancellationToken ct)
    {
        using var hasher = Blake3Hasher.CreateIncremental();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            for (long offset = 0; offset < size;)
            {
                ct.ThrowIfCancellationRequested();
                var n = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, size - offset)), offset);
                if (n == 0)
                {
                    break;
                }

                hasher.Update(buffer.AsSpan(0, n));
                offset += n;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        return hasher.Finish();
    }

    private static string Md5Hex(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, long length)
    {
        using var md5 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.MD5);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            for (long done = 0; done < length;)
            {
                var n = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - done)), offset + done);
                if (n == 0)
                {
                    break;
                }

                md5.AppendData(buffer.AsSpan(0, n));
                done += n;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        return Convert.ToHexStringLower(md5.GetHashAndReset());
    }

    private static string? Child(System.Xml.Linq.XElement element, string name) =>
        element.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;

    /// <summary>Writes a small entry of a side area (<c>runs/</c>, <c>pushes/</c>) in one PUT.</summary>
    private Task PutEntryAsync(string area, string key, byte[] bytes, string contentType, CancellationToken ct) => RunAsync(async token =>
    {
        // A single PUT replaces the object atomically: readers see the old entry or the new one.
        var url = await _client.PresignedPutObjectAsync(new PresignedPutObjectArgs().WithBucket(_bucket).WithObject(AreaKeyOf(area, key)).WithExpiry(PresignExpirySeconds));
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var response = await Http.PutAsync(url, content, token);
        await EnsureSuccessAsync(response, null, token);
        return true;
    }, null, ct);

    /// <summary>Reads a small entry of a side area; null when it is not there.</summary>
    private Task<byte[]?> GetEntryAsync(string area, string key, CancellationToken ct) => RunAsync<byte[]?>(async token =>
    {
        var url = await _client.PresignedGetObjectAsync(new PresignedGetObjectArgs().WithBucket(_bucket).WithObject(AreaKeyOf(area, key)).WithExpiry(PresignExpirySeconds));
        using var response = await Http.GetAsync(url, token);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, null, token);
        return await response.Content.ReadAsByteArrayAsync(token);
    }, null, ct);

    private string AreaKeyOf(string area, string key) => _keyPrefix + area + Oid.Require(key, area.TrimEnd('/') + " key")[..2] + "/" + key[2..];

    private Task<IReadOnlyList<RemoteObject>> ListAsync(string relPrefix, CancellationToken ct) => RunAsync<IReadOnlyList<RemoteObject>>(async token =>
    {
        var result = new List<RemoteObject>();
        var fullPrefix = _keyPrefix + relPrefix;
        string? token2 = null;
        do
        {
            var query = new List<KeyValuePair<string, string>> { new("list-type", "2"), new("max-keys", "1000"), new("prefix", fullPrefix) };
            if (token2 is not null)
            {
                query.Add(new("continuation-token", token2));
            }

            using var response = await SendSignedAsync(HttpMethod.Get, "/" + _bucket, query, token);
            await EnsureSuccessAsync(response, null, token);
            await using var body = await response.Content.ReadAsStreamAsync(token);
            token2 = await ReadListPageAsync(body, _keyPrefix + relPrefix[..(relPrefix.IndexOf('/') + 1)], result);
        }
        while (token2 is not null);

        return result;
    }, null, ct);

    private async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> op, string? oid, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await op(ct);
            }
            catch (ConsumerException c)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(c.InnerException!).Throw();
                throw;
            }
            catch (GitMlException)
            {
                throw;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (IsTransient(ex) && attempt < RetryDelays.Length)
            {
                await Task.Delay(RetryDelays[attempt], ct);
            }
            catch (Exception ex)
            {
                throw Map(ex, oid, attempt + 1);
            }
        }
    }

    private Task<HttpResponseMessage> SendSignedAsync(HttpMethod method, string path, List<KeyValuePair<string, string>> query, CancellationToken ct,
        HttpContent? content = null, string payloadHash = S3Signer.EmptyPayloadHash)
    {
        var request = SignedRequest(method, path, query, content, payloadHash);
        return SendOwnedAsync(request, ct);
    }

    private static async Task<HttpResponseMessage> SendOwnedAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        {
            return await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
    }

    /// <summary>A request signed with SigV4 in its headers; <paramref name="payloadHash"/> may be UNSIGNED-PAYLOAD.</summary>
    private HttpRequestMessage SignedRequest(HttpMethod method, string path, List<KeyValuePair<string, string>> query, HttpContent? content, string payloadHash)
    {
        var c = _settings.Credentials!;
        var now = DateTime.UtcNow;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var host = _endpoint.IsDefaultPort ? _endpoint.Host : _endpoint.Host + ":" + _endpoint.Port.ToString(CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>
        {
            ["host"] = host,
            ["x-amz-content-sha256"] = payloadHash,
            ["x-amz-date"] = amzDate,
        };
        if (c.SessionToken is not null)
        {
            headers["x-amz-security-token"] = c.SessionToken;
        }

        var auth = S3Signer.Authorization(method.Method, path, query, headers, payloadHash, now, _settings.Region, c.AccessKeyId, c.SecretAccessKey);
        var queryText = string.Join('&', query.Select(kv => S3Signer.Encode(kv.Key, false) + "=" + S3Signer.Encode(kv.Value, false)));
        var request = new HttpRequestMessage(method, new Uri(_endpoint.GetLeftPart(UriPartial.Authority) + path + (queryText.Length > 0 ? "?" + queryText : string.Empty)));
        request.Headers.Host = host;
        foreach (var (k, v) in headers)
        {
            if (k != "host")
            {
                request.Headers.TryAddWithoutValidation(k, v);
            }
        }

        request.Headers.TryAddWithoutValidation("Authorization", auth);
        request.Content = content;
        return request;
    }

    /// <summary>Adds one ListObjectsV2 page's entries under <paramref name="areaPrefix"/> (the full key prefix of <c>b3/</c>, <c>runs/</c> or <c>pushes/</c>); returns the continuation token or null.</summary>
    private async Task<string?> ReadListPageAsync(Stream body, string areaPrefix, List<RemoteObject> result)
    {
        string? next = null;
        var truncated = false;
        string? key = null;
        long size = 0;
        DateTimeOffset? modified = null;
        using var reader = System.Xml.XmlReader.Create(body, new System.Xml.XmlReaderSettings { Async = true, DtdProcessing = System.Xml.DtdProcessing.Prohibit });

        // ReadElementContentAsString leaves the reader on the node after the element; reading again would skip it
        // (servers send <Key>…</Key><LastModified>… with no whitespace between), so the loop only reads when needed.
        var positioned = false;
        while (positioned || await reader.ReadAsync())
        {
            positioned = false;
            if (reader.NodeType == System.Xml.XmlNodeType.EndElement && reader.LocalName == "Contents" && key is not null)
            {
                if (key.StartsWith(areaPrefix, StringComparison.Ordinal))
                {
                    var parts = key[areaPrefix.Length..].Split('/');
                    if (parts.Length == 2 && parts[0].Length == 2 && Oid.IsValid(parts[0] + parts[1]))
                    {
                        result.Add(new RemoteObject(parts[0] + parts[1], size, modified));
                    }
                }

                key = null;
                size = 0;
                modified = null;
                continue;
            }

            if (reader.NodeType != System.Xml.XmlNodeType.Element)
            {
                continue;
            }

            switch (reader.LocalName)
            {
                case "Key":
                    key = await reader.ReadElementContentAsStringAsync();
                    positioned = true;
                    break;
                case "Size":
                    size = long.Parse(await reader.ReadElementContentAsStringAsync(), CultureInfo.InvariantCulture);
                    positioned = true;
                    break;
                case "LastModified":
                    modified = DateTimeOffset.TryParse(await reader.ReadElementContentAsStringAsync(), CultureInfo.InvariantCulture,
                        DateTimeStyles.AssumeUniversal, out var m) ? m : null;
                    positioned = true;
                    break;
                case "IsTruncated":
                    truncated = (await reader.ReadElementContentAsStringAsync()).Trim() == "true";
                    positioned = true;
                    break;
                case "NextContinuationToken":
                    next = await reader.ReadElementContentAsStringAsync();
                    positioned = true;
                    break;
            }
        }

        return truncated ? next : null;
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, string? oid, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(ct);
        var code = System.Text.RegularExpressions.Regex.Match(body, "<Code>([^<]*)</Code>").Groups[1].Value;
        var status = (int)response.StatusCode;
        if (oid is not null && (code == "NoSuchKey" || (status == 404 && code.Length == 0)))
        {
            throw RemoteErrors.MissingObject(oid, Description);
        }

        if (code == "NoSuchBucket")
        {
            throw new BucketNotFoundException(_bucket, body);
        }

        if (status is 401 or 403 || code is "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied")
        {
            throw new AccessDeniedException(code.Length > 0 ? code : "HTTP " + status);
        }

        // 5xx and throttling are worth another attempt; other answers are final.
        var ex = new HttpRequestException($"HTTP {status} {code}".Trim(), null, response.StatusCode);
        throw status >= 500 || status == 429 ? ex : new InvalidOperationException(ex.Message);
    }

    private GitMlException Map(Exception ex, string? oid, int attempts)
    {
        var where = _settings.HostPort;
        var text = ex.Message + " " + (ex.InnerException?.Message ?? string.Empty);
        switch (ex)
        {
            case BucketNotFoundException:
                return new GitMlException(
                    $"bucket '{_bucket}' does not exist on {where} (remote {Description})",
                    $"create it (e.g. 'aws s3 mb s3://{_bucket}' with --endpoint-url), or fix the remote's url",
                    ExitCode.Remote, ex);
            case AuthorizationException or AccessDeniedException or ForbiddenException:
                return CredentialsRejected(ex);
            case ErrorResponseException er when er.Response?.Code is "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied"
                or "InvalidToken" or "ExpiredToken" or "InvalidSecurity":
                return CredentialsRejected(ex);
            case ErrorResponseException er when er.Response?.Code is "NoSuchBucket":
                return Map(new BucketNotFoundException(_bucket, er.Message), oid, attempts);
        }

        if (text.Contains("InvalidAccessKeyId", StringComparison.Ordinal) || text.Contains("SignatureDoesNotMatch", StringComparison.Ordinal)
            || text.Contains("Access Denied", StringComparison.OrdinalIgnoreCase) || text.Contains("403", StringComparison.Ordinal))
        {
            return CredentialsRejected(ex);
        }

        if (IsTransient(ex))
        {
            return new GitMlException(
                $"cannot reach S3 endpoint {where} for remote {Description} after {attempts.ToString(CultureInfo.InvariantCulture)} attempts: {FirstLine(ex)}",
                "check that the server is running and the remote's endpointurl is right; re-running sends only what is missing",
                ExitCode.Remote, ex);
        }

        return new GitMlException(
            $"S3 request to {where} failed{(oid is null ? string.Empty : " for object " + oid)}: {FirstLine(ex)}",
            "run again with --verbose for details; re-running sends only what is missing",
            ExitCode.Remote, ex);
    }

    private GitMlException CredentialsRejected(Exception ex) => new(
        $"{_settings.HostPort} rejected the credentials for remote {Description} ({_settings.Credentials?.ToString() ?? "no credentials found"})",
        $"set valid keys with 'git ml remote modify {_settings.Name} access_key_id ID --local' and secret_access_key, or via AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile",
        ExitCode.Remote, ex);

    private static string FirstLine(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null && (inner is ConnectionException or HttpRequestException or AggregateException))
        {
            inner = inner.InnerException;
        }

        var msg = inner.Message;
        var nl = msg.IndexOfAny(['\r', '\n']);
        return nl < 0 ? msg : msg[..nl];
    }

    private static bool IsTransient(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is ConnectionException or HttpRequestException or SocketException or TimeoutException or InternalServerException
                || (e is IOException && !IsLocalIoFailure(e))
                || (e is TaskCanceledException))
            {
                return true;
            }
        }

        return ex is UnexpectedShortReadException;
    }

    private static bool IsLocalIoFailure(Exception ex) =>
        ex is IOException io && (io.HResult == 28 || io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)
            || ex is FileNotFoundException or DirectoryNotFoundException);

    /// <summary>Carries an exception thrown by a download's consumer through the retry loop unchanged.</summary>
    private sealed class ConsumerException(Exception inner) : Exception(inner.Message, inner);

    /// <summary>A read-only window of a file (one part of a multipart upload), read at offsets so parts can share one handle.</summary>
    private sealed class FileRangeStream(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long start, long length, Action<long> onBytes) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = RandomAccess.Read(handle, buffer[..(int)Math.Min(buffer.Length, length - _position)], start + _position);
            _position += n;
            onBytes(n);
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await RandomAccess.ReadAsync(handle, buffer[..(int)Math.Min(buffer.Length, length - _position)], start + _position, cancellationToken);
            _position += n;
            onBytes(n);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Hashes the bytes the SDK reads, so an upload is verified without a second pass over the file.</summary>
    private sealed class HashingReadStream(Stream inner, Blake3Hasher.IncrementalHash hasher, Action<long> onBytes) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            hasher.Update(buffer[..n]);
            onBytes(n);
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            hasher.Update(buffer.Span[..n]);
            onBytes(n);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
