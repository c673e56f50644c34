using System.IO.Compression;
using System.Xml.Linq;
using GitMl.Core;

namespace GitMl.Serving.Export;

/// <summary>A GitMl tool package (.nupkg) to bake into an exported image: its bytes, file name and version.</summary>
/// <param name="FileName">File name inside the build context (<c>GitMl.VERSION.nupkg</c>).</param>
/// <param name="Version">Package version, from its .nuspec.</param>
/// <param name="Bytes">The package.</param>
public sealed record ToolPackage(string FileName, string Version, byte[] Bytes)
{
    /// <summary>Reads and checks a package: a zip whose .nuspec names package id GitMl and a version.</summary>
    public static ToolPackage Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new GitMlException($"tool package '{path}' does not exist", "build it with 'dotnet pack src/GitMl.Cli -o artifacts' and pass artifacts/GitMl.<version>.nupkg", ExitCode.NotFound);
        }

        var bytes = File.ReadAllBytes(path);
        string? id = null, version = null;
        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
            var nuspec = zip.Entries.FirstOrDefault(e => !e.FullName.Contains('/') && e.FullName.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase));
            if (nuspec is not null && nuspec.Length < 1 << 20)
            {
                using var stream = nuspec.Open();
                var metadata = XDocument.Load(stream).Root?.Elements().FirstOrDefault(e => e.Name.LocalName == "metadata");
                id = metadata?.Elements().FirstOrDefault(e => e.Name.LocalName == "id")?.Value;
                version = metadata?.Elements().FirstOrDefault(e => e.Name.LocalName == "version")?.Value;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or System.Xml.XmlException)
        {
            throw new GitMlException($"tool package '{path}' is not a NuGet package: {ex.Message}", "pass the .nupkg that 'dotnet pack src/GitMl.Cli' writes", ExitCode.InvalidInput, ex);
        }

        if (!string.Equals(id, "GitMl", StringComparison.OrdinalIgnoreCase) || string.IsNullOrWhiteSpace(version)
            || !version.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '+'))
        {
            throw new GitMlException(
                $"tool package '{path}' is not the GitMl tool (package id '{id ?? "none"}', version '{version ?? "none"}')",
                "pass the .nupkg that 'dotnet pack src/GitMl.Cli' writes",
                ExitCode.InvalidInput);
        }

        return new ToolPackage($"GitMl.{version}.nupkg", version, bytes);
    }
}
