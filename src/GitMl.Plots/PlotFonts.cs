using ScottPlot;
using SkiaSharp;

namespace GitMl.Plots;

/// <summary>
/// Registers the bundled DejaVu Sans with ScottPlot and makes it the default, so charts carry text on machines with
/// no system fonts (CI containers), where ScottPlot would otherwise silently draw none.
/// </summary>
public static class PlotFonts
{
    /// <summary>Family name of the bundled font.</summary>
    public const string Family = "DejaVu Sans";

    /// <summary>Diagnostic switch: set to 1 to skip the bundled font (only to prove tests detect missing text).</summary>
    public const string DisableVariable = "GITML_NO_BUNDLED_FONT";

    private static readonly Lock Gate = new();
    private static bool _registered;

    /// <summary>Registers the font once per process; safe to call from any thread.</summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered)
            {
                return;
            }

            _registered = true;
            if (Environment.GetEnvironmentVariable(DisableVariable) == "1")
            {
                return;
            }

            using var stream = typeof(PlotFonts).Assembly.GetManifestResourceStream("GitMl.Plots.DejaVuSans.ttf")
                ?? throw new InvalidOperationException("bundled font resource GitMl.Plots.DejaVuSans.ttf is missing");
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            var typeface = SKTypeface.FromData(SKData.CreateCopy(ms.ToArray()))
                ?? throw new InvalidOperationException("bundled font could not be loaded");
            Fonts.FontResolvers.Insert(0, new EmbeddedFontResolver(typeface));
            Fonts.Default = Family;
            Fonts.Sans = Family;
        }
    }

    private sealed class EmbeddedFontResolver(SKTypeface typeface) : IFontResolver
    {
        // Bold/italic requests get the regular face: better than no text at all.
        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) => fontName == Family ? typeface : null;

        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) =>
            fontName == Family ? typeface : null;
    }
}
