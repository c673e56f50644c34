namespace GitMl.Core.Data;

/// <summary>
/// Everything a checkout will do, decided before the workspace is touched: files to write (by temp name and rename),
/// paths to delete, folders to create, and the paths it would overwrite without their content being in the cache.
/// </summary>
internal sealed class CheckoutPlan
{
    public List<WriteOp> Writes { get; } = [];

    public List<(string Full, string Key)> Deletes { get; } = [];

    public List<string> Conflicts { get; } = [];

    public HashSet<string> ChangedOuts { get; } = new(StringComparer.Ordinal);

    public HashSet<string> CheckedParents { get; } = new(StringComparer.Ordinal);

    public List<string> Folders { get; } = [];

    public int Unchanged { get; set; }
}

/// <summary>One file to put into the workspace; <c>Relink</c>: the bytes are right already, only the link type changes.</summary>
internal readonly record struct WriteOp(string OutPath, string Key, string Full, string Oid, long Size, bool IsExec, bool Relink = false);
