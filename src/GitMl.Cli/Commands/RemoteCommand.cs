using System.CommandLine;
using GitMl.Core.Remotes;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml remote add/list/remove/default/modify</c>: edit remotes in .gitml/config (secrets only in config.local).</summary>
internal static class RemoteCommand
{
    public static Command Create(CliContext ctx)
    {
        var command = new Command("remote", "Add, list, remove and configure remotes (S3 buckets or directories)");
        command.Subcommands.Add(Add(ctx));
        command.Subcommands.Add(List(ctx));
        command.Subcommands.Add(Remove(ctx));
        command.Subcommands.Add(Default(ctx));
        command.Subcommands.Add(Modify(ctx));
        return command;
    }

    private static Option<bool> LocalOption() => new("--local") { Description = "Write to .gitml/config.local (not committed) instead of .gitml/config" };

    private static Command Add(CliContext ctx)
    {
        var name = new Argument<string>("name") { Description = "Remote name" };
        var url = new Argument<string>("url") { Description = "s3://bucket/prefix, an absolute directory path, ./relative/path, or file:///path" };
        var makeDefault = new Option<bool>("--default", "-d") { Description = "Make it the default remote (core.remote)" };
        var local = LocalOption();
        var c = new Command("add", "Add a remote") { name, url, makeDefault, local };
        c.SetAction(pr =>
        {
            using var repo = ctx.OpenRepository();
            using var _ = ctx.Lock(repo, "remote add");
            var n = pr.GetValue(name)!;
            new RemoteConfigService(repo).Add(n, pr.GetValue(url)!, pr.GetValue(makeDefault), pr.GetValue(local));
            ctx.Out.WriteLine($"Added remote '{n}'{(pr.GetValue(makeDefault) ? " (default)" : string.Empty)}");
            return 0;
        });
        return c;
    }

    private static Command List(CliContext ctx)
    {
        var json = GlobalOptions.Json();
        var c = new Command("list", "List remotes (secrets are never shown)") { json };
        c.SetAction(pr =>
        {
            using var repo = ctx.OpenRepository();
            var remotes = new RemoteConfigService(repo).List();
            if (pr.GetValue(json))
            {
                RemoteOptions.WriteJson(ctx, remotes.Select(r => new { r.Name, r.Url, r.IsDefault, r.Settings, r.HasLocalCredentials }));
                return 0;
            }

            foreach (var r in remotes)
            {
                var extras = r.Settings.Where(kv => kv.Key != "url").Select(kv => $"{kv.Key}={kv.Value}").ToList();
                if (r.HasLocalCredentials)
                {
                    extras.Add("credentials in config.local");
                }

                ctx.Out.WriteLine($"{(r.IsDefault ? "*" : " ")} {r.Name}\t{r.Url}{(extras.Count > 0 ? "\t" + string.Join(' ', extras) : string.Empty)}");
            }

            return 0;
        });
        return c;
    }

    private static Command Remove(CliContext ctx)
    {
        var name = new Argument<string>("name") { Description = "Remote name" };
        var c = new Command("remove", "Remove a remote from .gitml/config and .gitml/config.local (its data is untouched)") { name };
        c.SetAction(pr =>
        {
            using var repo = ctx.OpenRepository();
            using var _ = ctx.Lock(repo, "remote remove");
            new RemoteConfigService(repo).Remove(pr.GetValue(name)!);
            ctx.Out.WriteLine($"Removed remote '{pr.GetValue(name)}'");
            return 0;
        });
        return c;
    }

    private static Command Default(CliContext ctx)
    {
        var name = new Argument<string?>("name") { Description = "Remote to make the default; omit to print the current one", Arity = ArgumentArity.ZeroOrOne };
        var unset = new Option<bool>("--unset") { Description = "Clear the default remote" };
        var local = LocalOption();
        var c = new Command("default", "Show or set the default remote (core.remote)") { name, unset, local };
        c.SetAction(pr =>
        {
            using var repo = ctx.OpenRepository();
            var service = new RemoteConfigService(repo);
            if (pr.GetValue(unset))
            {
                using var l = ctx.Lock(repo, "remote default");
                service.UnsetDefault(pr.GetValue(local));
                ctx.Out.WriteLine("Cleared the default remote");
                return 0;
            }

            var n = pr.GetValue(name);
            if (n is null)
            {
                var current = service.SetDefault(null, false);
                if (current is null)
                {
                    throw new Core.GitMlException("no default remote is set", "set one with 'git ml remote default NAME'", Core.ExitCode.NotFound);
                }

                ctx.Out.WriteLine(current);
                return 0;
            }

            using var _ = ctx.Lock(repo, "remote default");
            service.SetDefault(n, pr.GetValue(local));
            ctx.Out.WriteLine($"Default remote is now '{n}'");
            return 0;
        });
        return c;
    }

    private static Command Modify(CliContext ctx)
    {
        var name = new Argument<string>("name") { Description = "Remote name" };
        var key = new Argument<string>("key") { Description = "url, endpointurl, region, jobs, profile; with --local also access_key_id, secret_access_key, session_token" };
        var value = new Argument<string?>("value") { Description = "New value (omit with --unset)", Arity = ArgumentArity.ZeroOrOne };
        var unset = new Option<bool>("--unset") { Description = "Remove the key" };
        var local = LocalOption();
        var c = new Command("modify", "Set or unset one setting of a remote") { name, key, value, unset, local };
        c.SetAction(pr =>
        {
            var v = pr.GetValue(value);
            var isUnset = pr.GetValue(unset);
            if (v is null && !isUnset)
            {
                throw new Core.GitMlException("missing value", "give a value, or --unset to remove the key", Core.ExitCode.Usage);
            }

            using var repo = ctx.OpenRepository();
            using var _ = ctx.Lock(repo, "remote modify");
            var k = pr.GetValue(key)!;
            new RemoteConfigService(repo).Modify(pr.GetValue(name)!, k, v, pr.GetValue(local), isUnset);

            // Echo the key but never the value: it may be a secret.
            ctx.Out.WriteLine(isUnset ? $"Unset {k} of remote '{pr.GetValue(name)}'" : $"Set {k} of remote '{pr.GetValue(name)}'{(pr.GetValue(local) ? " in .gitml/config.local" : string.Empty)}");
            return 0;
        });
        return c;
    }
}
