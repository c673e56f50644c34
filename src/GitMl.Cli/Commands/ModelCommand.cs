using System.CommandLine;
using System.Globalization;
using GitMl.Core;
using GitMl.Core.Registry;

namespace GitMl.Cli.Commands;

/// <summary><c>git ml model register|assign|unassign|deregister|deprecate|list|show|history</c>: the model registry on Git tags.</summary>
internal static class ModelCommand
{
    public static Command Create(CliContext ctx)
    {
        var command = new Command("model", "Model registry on annotated Git tags (GTO-compatible): versions, stages, history");
        command.Subcommands.Add(Register(ctx));
        command.Subcommands.Add(Assign(ctx));
        command.Subcommands.Add(Unassign(ctx));
        command.Subcommands.Add(Deregister(ctx));
        command.Subcommands.Add(Deprecate(ctx));
        command.Subcommands.Add(List(ctx));
        command.Subcommands.Add(Show(ctx));
        command.Subcommands.Add(History(ctx));
        return command;
    }

    private static Command Register(CliContext ctx)
    {
        var name = new Argument<string>("name") { Description = "Artifact name (declared under 'artifacts:' in gitml.yaml)" };
        var rev = new Argument<string?>("rev") { Description = "Commit to register (default HEAD)", Arity = ArgumentArity.ZeroOrOne };
        var version = new Option<string?>("--version") { Description = "Version to register, e.g. v1.2.0 (default: bump patch, or v0.0.1 first)" };
        var bump = new Option<string?>("--bump") { Description = "Bump the latest version: major, minor or patch" };
        bump.AcceptOnlyFromAmong("major", "minor", "patch");
        var message = new Option<string?>("--message", "-m") { Description = "Tag message summary" };
        var force = new Option<bool>("--force") { Description = "Allow a version lower than the latest, or a second version on one commit" };
        var (push, remote) = PushOptions();
        var json = GlobalOptions.Json();
        var c = new Command("register", "Register the artifact's bytes at REV as a new version (tag NAME@vX.Y.Z)") { name, rev, version, bump, message, force, push, remote, json };
        c.SetAction(p =>
        {
            using var repo = ctx.OpenRepository();
            using var held = ctx.Lock(repo, "model register");
            var change = new ModelRegistry(repo).Register(p.GetValue(name)!, p.GetValue(rev), new RegisterOptions
            {
                Version = p.GetValue(version),
                Bump = p.GetValue(bump),
                Message = p.GetValue(message),
                Force = p.GetValue(force),
                Push = p.GetValue(push),
                Remote = p.GetValue(remote)!,
            });
            return Report(ctx, change, p.GetValue(json), p.GetValue(remote)!);
        });
        return c;
    }

    private static Command Assign(CliContext ctx)
    {
        var name = new Argument<string>("name") { Description = "Artifact name" };
        var rev = new Argument<string?>("rev") { Description = "Commit whose registered version to assign (default HEAD, unless --version)", Arity = ArgumentArity.ZeroOrOne };
        var version = new Option<string?>("--version") { Description = "Registered version to assign, e.g. v1.2.0" };
        var stage = new Option<string>("--stage") { Description = "Stage name, e.g. prod", Required = true };
        var message = new Option<string?>("--message", "-m") { Description = "Tag message" };
        var force = new Option<bool>("--force") { Description = "Create the tag even if the version already holds the stage" };
        var (push, remote) = PushOptions();
        var json = GlobalOptions.Json();
        var c = new Command("assign", "Put a registered version in a stage (tag NAME#STAGE#N)") { name, rev, version, stage, message, force, push, remote, json };
        c.SetAction(p =>
        {
            using var repo = ctx.OpenRepository();
            using var held = ctx.Lock(repo, "model assign");
            var change = new ModelRegistry(repo).Assign(p.GetValue(name)!, p.GetValue(stage)!, p.GetValue(version), p.GetValue(rev), p.GetValue(message), p.GetValue(force), p.GetValue(push), p.GetValue(remote)!);
            return Report(ctx, change, p.GetValue(json), p.GetValue(remote)!);
        });
        return c;
    }

    private static Command Unassign(CliContext ctx)
    {
        var name = new Argument<string>("name") { Description = "Artifact name" };
        var version = new Option<string?>("--version") { Description = "Version to take the stage from (default: the one holding it)" };
        var stage = new Option<string>("--stage") { Description = "Stage name", Required = true };
        var message = new Option<string?>("--message", "-m") { Description = "Tag message" };
        var force = new Option<bool>("--force") { Description = "Create the tag even if the version does not hold the stage" };
        var (push, remote) = PushOptions();
        var json = GlobalOptions.Json();
        var c = new Command("unassign", "Take a stage away from a version (tag NAME#STAGE!#N)") { name, version, stage, message, force, push, remote, json };
        c.SetAction(p =>
        {
            using var repo = ctx.OpenRepository();
            using var held = ctx.Lock(repo, "model unassign");
            var change = new ModelRegistry(repo).Unassign(p.GetValue(name)!, p.GetValue(stage)!, p.GetValue(version), p.GetValue(message), p.GetValue(force), p.GetValue(push), p.GetValue(remote)!);
            return Report(ctx, change, p.GetValue(json), p.GetValue(remote)!);
        });
        return c;
    }

    private static Command Deregister(CliContext ctx)
    {
        var name = new Argument<string>("name") { Description = "Artifact name" };
        var version = new Option<string>("--version") { Description = "Version to withdraw", Required = true };
        var message = new Option<string?>("--message", "-m") { Description = "Tag message" };
        var (push, remote) = PushOptions();
        var json = GlobalOptions.Json();
        var c = new Command("deregister", "Withdraw a version (tag NAME@vX.Y.Z!)") { name, version, message, push, remote, json };
        c.SetAction(p =>
        {
            using var repo = ctx.OpenRepository();
            using var held = ctx.Lock(repo, "model deregister");
            var change = new ModelRegistry(repo).Deregister(p.GetValue(name)!, p.GetValue(version)!, p.GetValue(message), p.GetValue(push), p.GetValue(remote)!);
            return Report(ctx, change, p.GetValue(json), p.GetValue(remote)!);
        });
        return c;
    }

    private static Command Deprecate(CliContext ctx)
    {
        var name = new Argument<string>("name") { Description = "Artifact name" };
        var message = new Option<string?>("--message", "-m") { Description = "Tag message" };
        var (push, remote) = PushOptions();
        var json = GlobalOptions.Json();
        var c = new Command("deprecate", "Retire an artifact (tag NAME@deprecated)") { name, message, push, remote, json };
        c.SetAction(p =>
        {
            using var repo = ctx.OpenRepository();
            using var held = ctx.Lock(repo, "model deprecate");
            var change = new ModelRegistry(repo).Deprecate(p.GetValue(name)!, p.GetValue(message), p.GetValue(push), p.GetValue(remote)!);
            return Report(ctx, change, p.GetValue(json), p.GetValue(remote)!);
        });
        return c;
    }

    private static Command List(CliContext ctx)
    {
        var asOf = AsOfOption();
        var all = new Option<bool>("--all") { Description = "Include deprecated models" };
        var json = GlobalOptions.Json();
        var c = new Command("list", "Each model: latest version and the version each stage holds") { asOf, all, json };
        c.SetAction(p =>
        {
            using var repo = ctx.OpenRepository();
            var when = ParseAsOf(p.GetValue(asOf));
            var state = RegistryState.Load(repo.Git);
            var pipeline = Core.Pipelines.PipelineFile.Load(repo.WorkDir);
            var allowed = pipeline.RegistryStages ?? [];
            foreach (var bad in pipeline.Artifacts.Keys.Where(k => !RegistryTagName.IsValidArtifactName(k)))
            {
                ctx.Warn($"artifact name '{bad}' in gitml.yaml is not valid in registry tags (lower-case letters, digits, '-', '/')");
            }

            // Declared artifacts with no tags yet are listed too (GTO marks them unregistered).
            var names = state.Artifacts.Concat(pipeline.Artifacts.Keys.Where(RegistryTagName.IsValidArtifactName)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
            var snaps = names.Select(a => state.Snapshot(a, when))
                .Where(s => p.GetValue(all) || !s.Deprecated)
                .Where(s => s.Versions.Count > 0 || s.StageVersions.Count > 0 || s.Deprecated || (when is null && pipeline.Artifacts.ContainsKey(s.Name)))
                .ToList();
            var stages = allowed.Concat(snaps.SelectMany(s => s.StageVersions.Keys).Order(StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
            if (p.GetValue(json))
            {
                WriteJson(ctx, snaps.Select(s => new
                {
                    name = s.Name,
                    latest = s.Latest?.Version,
                    stages = s.StageVersions,
                    deprecated = s.Deprecated,
                    registered = s.Versions.Count > 0,
                }));
                return 0;
            }

            if (snaps.Count == 0)
            {
                ctx.Out.WriteLine("No registered models. Register one with 'git ml model register NAME'.");
                return 0;
            }

            var header = new List<string> { "name", "latest" };
            header.AddRange(stages.Select(s => "#" + s));
            var rows = snaps.Select(s =>
            {
                var label = s.Deprecated ? s.Name + " (deprecated)" : s.Versions.Count == 0 ? "*" + s.Name : s.Name;
                var row = new List<string> { label, s.Latest?.Version ?? "-" };
                row.AddRange(stages.Select(st => s.StageVersions.TryGetValue(st, out var v) ? ShortVersion(v) : "-"));
                return (IReadOnlyList<string>)row;
            }).ToList();
            WriteTable(ctx.Out, header, rows);
            return 0;
        });
        return c;
    }

    private static Command Show(CliContext ctx)
    {
        var name = new Argument<string>("name") { Description = "Artifact name" };
        var asOf = AsOfOption();
        var json = GlobalOptions.Json();
        var c = new Command("show", "All versions of a model with commit, date, author, oid, size, key metrics, and its stages") { name, asOf, json };
        c.SetAction(p =>
        {
            using var repo = ctx.OpenRepository();
            var artifact = RegistryTagName.RequireArtifactName(p.GetValue(name)!);
            var state = RegistryState.Load(repo.Git);
            if (!state.Contains(artifact))
            {
                throw new GitMlException($"unknown model '{artifact}'", "'git ml model list' shows registered models", ExitCode.NotFound);
            }

            var s = state.Snapshot(artifact, ParseAsOf(p.GetValue(asOf)));
            var keyMetrics = Core.Pipelines.PipelineFile.Load(repo.WorkDir).MetricPolicies.Keys.ToHashSet(StringComparer.Ordinal);
            if (p.GetValue(json))
            {
                WriteJson(ctx, new
                {
                    name = s.Name,
                    latest = s.Latest?.Version,
                    deprecated = s.Deprecated,
                    stages = s.StageVersions,
                    versions = s.Versions.Select(v => new
                    {
                        version = v.Version,
                        commit = v.Commit,
                        created_at = v.Registration.When.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                        author = v.Registration.Author,
                        author_email = v.Registration.AuthorEmail,
                        message = RegistryTagMessage.Summary(v.Registration.Message),
                        deregistered = v.Deregistered,
                        path = v.Record?.Path,
                        oid = v.Record?.Oid,
                        size = v.Record?.Size,
                        stages = v.Stages,
                        metrics = v.Record?.Metrics.ToDictionary(kv => kv.Key, kv => kv.Value),
                        @params = v.Record?.Params.ToDictionary(kv => kv.Key, kv => kv.Value),
                        tag = v.Registration.Tag,
                    }),
                });
                return 0;
            }

            ctx.Out.WriteLine($"{s.Name}{(s.Deprecated ? " (deprecated)" : string.Empty)}: latest {s.Latest?.Version ?? "-"}; stages: "
                + (s.StageVersions.Count == 0 ? "none" : string.Join(", ", s.StageVersions.Select(kv => $"{kv.Key}={ShortVersion(kv.Value)}"))));
            var rows = s.Versions.Select(v => (IReadOnlyList<string>)
            [
                v.Version + (v.Deregistered ? " (deregistered)" : string.Empty),
                v.Commit[..12],
                v.Registration.When.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                v.Registration.Author ?? "-",
                v.Record?.Size is { } size ? Format.Bytes(size) : "-",
                v.Record?.Oid is { } oid ? oid[..12] : "-",
                string.Join(",", v.Stages),
                v.Record is null ? string.Empty : string.Join(" ", v.Record.Metrics.Where(m => keyMetrics.Count == 0 || keyMetrics.Contains(m.Key)).Take(4).Select(m => $"{m.Key}={m.Value}")),
            ]).ToList();
            WriteTable(ctx.Out, ["version", "commit", "created (UTC)", "author", "size", "oid", "stages", "metrics"], rows);
            return 0;
        });
        return c;
    }

    private static Command History(CliContext ctx)
    {
        var name = new Argument<string?>("name") { Description = "Artifact name (default: all)", Arity = ArgumentArity.ZeroOrOne };
        var json = GlobalOptions.Json();
        var c = new Command("history", "Every registry event in time order") { name, json };
        c.SetAction(p =>
        {
            using var repo = ctx.OpenRepository();
            var artifact = p.GetValue(name);
            if (artifact is not null)
            {
                RegistryTagName.RequireArtifactName(artifact);
            }

            var state = RegistryState.Load(repo.Git);
            if (artifact is not null && !state.Contains(artifact))
            {
                throw new GitMlException($"unknown model '{artifact}'", "'git ml model list' shows registered models", ExitCode.NotFound);
            }

            var events = state.History(artifact);
            if (p.GetValue(json))
            {
                WriteJson(ctx, events.Select(e => new
                {
                    timestamp = e.When.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                    artifact = e.Artifact,
                    @event = EventName(e.Action),
                    version = e.Version,
                    stage = e.Stage,
                    commit = e.Commit,
                    author = e.Author,
                    author_email = e.AuthorEmail,
                    message = RegistryTagMessage.Summary(e.Message),
                    tag = e.Tag,
                }));
                return 0;
            }

            var rows = events.Select(e => (IReadOnlyList<string>)
            [
                e.When.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                e.Artifact,
                EventName(e.Action),
                e.Version is null ? "-" : ShortVersion(e.Version),
                e.Stage ?? "-",
                e.Commit[..12],
                e.Tag,
            ]).ToList();
            WriteTable(ctx.Out, ["timestamp (UTC)", "artifact", "event", "version", "stage", "commit", "tag"], rows);
            return 0;
        });
        return c;
    }

    private static (Option<bool> Push, Option<string> Remote) PushOptions() =>
        (new Option<bool>("--push") { Description = "Push the new tag to the Git remote" },
         new Option<string>("--git-remote") { Description = "Git remote for --push", DefaultValueFactory = _ => "origin" });

    private static Option<string?> AsOfOption() => new("--as-of") { Description = "Show the registry as it was at this time (ISO 8601, e.g. 2026-05-01T12:00:00Z)" };

    internal static DateTimeOffset? ParseAsOf(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
        {
            return when;
        }

        throw new GitMlException($"invalid --as-of date '{text}'", "use ISO 8601, e.g. 2026-05-01 or 2026-05-01T12:00:00Z", ExitCode.InvalidInput);
    }

    private static int Report(CliContext ctx, RegistryChange change, bool json, string remote)
    {
        if (json)
        {
            WriteJson(ctx, new
            {
                tag = change.Tag,
                artifact = change.Artifact,
                version = change.Version,
                stage = change.Stage,
                commit = change.Commit,
                path = change.Record?.Path,
                oid = change.Record?.Oid,
                size = change.Record?.Size,
                pushed = change.Pushed,
            });
            return 0;
        }

        var what = change.Record is { } r ? $" ({r.Path}, {Format.Bytes(r.Size ?? 0)}, oid {r.Oid?[..12]})" : string.Empty;
        ctx.Out.WriteLine($"Created tag {change.Tag} on {change.Commit[..12]}{what}");
        ctx.Out.WriteLine(change.Pushed ? $"Pushed {change.Tag} to {remote}" : $"To share it: git push {remote} {change.Tag}");
        return 0;
    }

    private static string EventName(RegistryAction a) => a switch
    {
        RegistryAction.Register => "registration",
        RegistryAction.Deregister => "deregistration",
        RegistryAction.Assign => "assignment",
        RegistryAction.Unassign => "unassignment",
        _ => "deprecation",
    };

    // A stage held by an unregistered commit shows the commit, shortened.
    private static string ShortVersion(string v) => v.Length == 40 && !v.StartsWith('v') ? v[..12] : v;

    private static void WriteJson(CliContext ctx, object value) => JsonOut.Write(ctx, value);

    private static void WriteTable(TextWriter output, IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        output.WriteLine(string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        }
    }
}
