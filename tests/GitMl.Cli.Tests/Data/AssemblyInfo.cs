// The data-path tests check Unix modes, hard links and symlinks; the suite runs on Linux (CI and this machine).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
