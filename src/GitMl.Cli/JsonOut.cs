using System.Text.Encodings.Web;
using System.Text.Json;

namespace GitMl.Cli;

/// <summary>Writes <c>--json</c> output: snake_case keys, indented, raw UTF-8 for non-ASCII paths.</summary>
internal static class JsonOut
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(CliContext ctx, object value) => ctx.Out.WriteLine(JsonSerializer.Serialize(value, Options));
}
