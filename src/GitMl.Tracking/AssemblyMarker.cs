namespace GitMl.Tracking;
internal static class AssemblyMarker
{
}
