namespace GitMl.Core;

/// <summary>Progress of a long operation (hashing, linking, transfers), reported through <see cref="IProgress{T}"/>.</summary>
/// <param name="Phase">What is being done, e.g. "hashing", "checkout", "push".</param>
/// <param name="FilesDone">Files or objects finished.</param>
/// <param name="FilesTotal">Files or objects in all, or 0 when unknown.</param>
/// <param name="BytesDone">Bytes finished.</param>
/// <param name="BytesTotal">Bytes in all, or 0 when unknown.</param>
public readonly record struct WorkProgress(string Phase, long FilesDone, long FilesTotal, long BytesDone, long BytesTotal);
