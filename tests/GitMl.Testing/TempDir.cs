namespace GitMl.Testing;

/// <summary>Temp folders for tests that are removed even when cached files are read-only.</summary>
public static class TempDir
{
    /// <summary>Creates a new empty folder under the system temp folder.</summary>
    public static string Create(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), "gitml-tests", prefix + "-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Deletes a folder tree, clearing read-only bits first; never throws.</summary>
    public static void Delete(string path)
    {
        try
        {
            if (!Directory.Exists(path))
            {
                return;
            }

            foreach (var f in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
            {
                try
                {
                    File.SetAttributes(f, FileAttributes.Normal);
                }
                catch (IOException)
                {
                }
            }

            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
