using System.CommandLine;
using GitMl.Core.Registry;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml get REF [-o PATH]</c>: write the artifact a model reference names, verified by oid.</summary>
internal static class GetCommand
{
    public static Command Create(CliContext ctx)
    {
        var reference = new Argument<string>("ref") { Description = "name@v1.2.3, name@latest, name#stage, or rev:path" };
        var output = new Option<string?>("--out", "-o") { Description = "Where to write it (default: the artifact's file name in the current folder)" };
        var asOf = new Option<string?>("--as-of") { Description = "Resolve stages and 'latest' as they were at this time" };
        var json = GlobalOptions.Json();
        var command = new Command("get", "Write the artifact a reference names, from the cache (or the remote), verified by oid") { reference, output, asOf, json };
        command.SetAction(async (p, ct) =>
        {
            using var repo = ctx.OpenRepository();
            var resolver = new ArtifactResolver(repo);
            var location = resolver.Resolve(p.GetValue(reference)!, ModelCommand.ParseAsOf(p.GetValue(asOf)));
            var dest = Path.GetFullPath(Path.Combine(ctx.Cwd, p.GetValue(output) ?? Path.GetFileName(location.Path)));
            if (!location.IsDirectory && Directory.Exists(dest))
            {
                // Like cp: an existing folder receives the file under its own name.
                dest = Path.Combine(dest, Path.GetFileName(location.Path));
            }
            await resolver.WriteToAsync(location, dest, ctx.ObjectFetcherFactory(repo), ct);
            if (p.GetValue(json))
            {
                JsonOut.Write(ctx, new
                {
                    reference = location.Reference,
                    artifact = location.Artifact,
                    version = location.Version,
                    stage = location.Stage,
                    commit = location.Commit,
                    path = location.Path,
                    oid = location.Oid,
                    size = location.Size,
                    output = dest,
                });
            }
            else
            {
                var label = location.Version is null ? location.Commit[..12] : location.Version;
                ctx.Out.WriteLine($"Wrote {location.Path} ({label}, {Format.Bytes(location.Size)}, oid {location.Oid[..12]}) to {dest}");
            }

            return 0;
        });
        return command;
    }
}
