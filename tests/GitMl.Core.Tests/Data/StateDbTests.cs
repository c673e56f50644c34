using GitMl.Core.Data;
using GitMl.Testing;

namespace GitMl.Core.Tests.Data;

public class StateDbTests
{
    private const string Oid = "8e4c7c1b99dbfd50e7a95185fead5ee1448fa904a2fdd778eaf5f2dbfd629a99";

    [Fact]
    public void SaveAndLoad_100kEntries_RoundTripsQuickly()
    {
        // Given 100,000 entries with old mtimes
        var dir = TempDir.Create("state");
        try
        {
            var db = StateDb.Load(dir);
            var old = 1_600_000_000L * 1_000_000_000L;
            for (var i = 0; i < 100_000; i++)
            {
                db.Record($"data/images/{i:D6}.png", new FileStat((ulong)i, old + i, i, 0x81a4), Oid);
            }

            // When saved and loaded again
            db.Save();
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var loaded = StateDb.Load(dir);
            sw.Stop();

            // Then every entry is found by its stat, a changed stat is not, and loading is fast (bound generous: CI shares its 2 cores with the parallel test run)
            Assert.Equal(100_000, loaded.Count);
            Assert.Equal(Oid, loaded.Lookup("data/images/012345.png", new FileStat(12345, old + 12345, 12345, 0x81a4)));
            Assert.Null(loaded.Lookup("data/images/012345.png", new FileStat(12345, old + 12346, 12345, 0x81a4)));
            Assert.Null(loaded.Lookup("data/images/012345.png", new FileStat(99, old + 12345, 12345, 0x81a4)));
            Assert.True(sw.ElapsedMilliseconds < 3000, $"load took {sw.ElapsedMilliseconds} ms");
        }
        finally
        {
            TempDir.Delete(dir);
        }
    }

    [Fact]
    public void Save_EntryWithMtimeNow_IsNotPersisted()
    {
        // Given one entry modified just now and one long ago
        var dir = TempDir.Create("state");
        try
        {
            var db = StateDb.Load(dir);
            var now = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
            db.Record("fresh", new FileStat(1, now, 1, 0x81a4), Oid);
            db.Record("old", new FileStat(2, now - 10_000_000_000, 1, 0x81a4), Oid);

            // When saved and reloaded
            db.Save();
            var loaded = StateDb.Load(dir);

            // Then only the old entry survives: a same-tick rewrite of the fresh file could have kept its mtime
            Assert.Equal(1, loaded.Count);
            Assert.NotNull(loaded.Lookup("old", new FileStat(2, now - 10_000_000_000, 1, 0x81a4)));
        }
        finally
        {
            TempDir.Delete(dir);
        }
    }

    [Fact]
    public void Load_GarbageFile_StartsEmpty()
    {
        // Given a damaged state file
        var dir = TempDir.Create("state");
        try
        {
            File.WriteAllText(Path.Combine(dir, StateDb.FileName), "not a state file at all");

            // When loaded, then it is empty rather than an error (it is only a cache)
            Assert.Equal(0, StateDb.Load(dir).Count);
        }
        finally
        {
            TempDir.Delete(dir);
        }
    }
}
