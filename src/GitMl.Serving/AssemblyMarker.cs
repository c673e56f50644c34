namespace GitMl.Serving;
internal static class AssemblyMarker
{
}
