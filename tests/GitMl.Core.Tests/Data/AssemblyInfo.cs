// The data tests check Unix modes; the suite runs on Linux (CI and this machine).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
