namespace GitMl.Plots;
internal static class AssemblyMarker
{
}
