using GitMl.Core.Remotes;

namespace GitMl.Cli;

/// <summary>Renders a push/fetch result as text or JSON.</summary>
internal static class TransferReport
{
    public static object ToJson(TransferResult r) => new
    {
        direction = r.Direction,
        remote = r.Remote,
        needed = r.Needed,
        transferred = r.Transferred,
        bytes = r.BytesTransferred,
        alreadyPresent = r.AlreadyPresent,
        presenceCheck = r.PresenceCheck,
        missing = r.Missing,
        corrupt = r.Corrupt.Select(c => c.Message).ToList(),
    };

    public static void Write(CliContext ctx, TransferResult r, bool json)
    {
        if (json)
        {
            RemoteOptions.WriteJson(ctx, ToJson(r));
            return;
        }

        var verb = r.Direction == "push" ? "pushed" : "fetched";
        var prep = r.Direction == "push" ? "to" : "from";
        ctx.Out.WriteLine($"{verb} {r.Transferred} object(s) ({Format.Bytes(r.BytesTransferred)}) {prep} {r.Remote}; {r.AlreadyPresent} already present");
    }
}
