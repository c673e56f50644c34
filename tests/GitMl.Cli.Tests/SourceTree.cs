namespace GitMl.Cli.Tests;

/// <summary>The repository checkout the tests were built from (for docs and examples the tests read).</summary>
internal static class SourceTree
{
    /// <summary>The repository root: two folders above this file.</summary>
    public static string Root { get; } = RootOf();

    private static string RootOf([System.Runtime.CompilerServices.CallerFilePath] string self = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(self)!, "..", ".."));
}
