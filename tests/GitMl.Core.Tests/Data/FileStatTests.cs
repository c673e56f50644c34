using GitMl.Core.Data;
using GitMl.Testing;

namespace GitMl.Core.Tests.Data;

public class FileStatTests
{
    [Fact]
    public void TryGet_RegularFile_MatchesManagedSizeMtimeAndInode()
    {
        // Given a file with a known mtime
        var dir = TempDir.Create("stat");
        try
        {
            var path = Path.Combine(dir, "f.bin");
            File.WriteAllBytes(path, new byte[1234]);
            var when = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(1234567);
            File.SetLastWriteTimeUtc(path, when);

            // When it is statted
            var st = FileStat.TryGet(path)!.Value;

            // Then size, mtime (ns) and type agree with .NET, and an inode is present on Linux
            Assert.Equal(1234, st.Size);
            Assert.Equal((when - DateTime.UnixEpoch).Ticks * 100, st.MtimeNs);
            Assert.True(st.IsFile);
            Assert.False(st.IsDirectory);
            Assert.NotEqual(0UL, st.Inode);
            Assert.Null(FileStat.TryGet(Path.Combine(dir, "missing")));
            Assert.True(FileStat.TryGet(dir)!.Value.IsDirectory);
        }
        finally
        {
            TempDir.Delete(dir);
        }
    }
}
