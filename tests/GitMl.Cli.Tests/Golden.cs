using System.Runtime.CompilerServices;

namespace GitMl.Cli.Tests;

/// <summary>
/// Compares output with a checked-in file under <c>Golden/</c> next to the test sources. Set
/// <c>GITML_UPDATE_GOLDEN=1</c> to rewrite the files after an intended change (then review the git diff).
/// A missing golden file fails the test, it is never silently created.
/// </summary>
public static class Golden
{
    public static void Match(string actual, string name, [CallerFilePath] string caller = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(caller)!, "Golden", name);
        actual = actual.Replace("\r\n", "\n");
        if (Environment.GetEnvironmentVariable("GITML_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"golden file {path} is missing; run with GITML_UPDATE_GOLDEN=1 to create it, then review it");
        Assert.Equal(File.ReadAllText(path), actual);
    }
}
