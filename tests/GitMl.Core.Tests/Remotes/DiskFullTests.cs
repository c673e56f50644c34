using GitMl.Core;
using GitMl.Core.Pointers;
using GitMl.Core.Remotes;
using GitMl.Testing;
using LibGit2Sharp;

namespace GitMl.Core.Tests.Remotes;

/// <summary>A fetch onto a full disk: a real 2 MiB tmpfs (needs root to mount; skipped otherwise, outside CI).</summary>
public sealed class DiskFullTests
{
    [Fact]
    public async Task Fetch_OntoFullDisk_FailsWithIoErrorAndLeavesNoPartialObject()
    {
        // Given a 4 MiB object on a directory remote, and a clone whose repository lives on a 2 MiB file system
        var remoteDir = TempDir.Create("full-remote");
        var mount = TempDir.Create("full-mnt");
        using var source = TempGitRepo.Create();
        try
        {
            using var a = GitMlRepository.Init(source.Root);
            new RemoteConfigService(a, _ => null).Add("storage", remoteDir, true, false);
            TrackedData.TrackFile(a, "big.bin", TrackedData.Bytes(4 << 20, 1));
            using (var remote = new RemoteConfigService(a, _ => null).Open(null))
            {
                (await new TransferService(a.Cache).PushAsync(new RevisionScope().Collect(a), remote, 2, null, TestContext.Current.CancellationToken)).ThrowIfIncomplete();
            }

            var m = ProcessRunner.Run("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mount], mount, check: false);
            if (m.ExitCode != 0)
            {
                if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase) && Environment.UserName == "root")
                {
                    Assert.Fail("could not mount a tmpfs as root: " + m.StdErr);
                }

                Assert.Skip("mounting a tmpfs needs root: " + m.StdErr.Trim());
            }

            try
            {
                Repository.Init(mount);
                using var b = GitMlRepository.Init(mount);
                new RemoteConfigService(b, _ => null).Add("storage", remoteDir, true, false);
                File.Copy(Path.Combine(source.Root, "big.bin.gitml"), Path.Combine(mount, "big.bin.gitml"));
                using var remote = new RemoteConfigService(b, _ => null).Open(null);

                // When fetching into it
                var ex = await Assert.ThrowsAsync<GitMlException>(() =>
                    new TransferService(b.Cache).FetchAsync(new RevisionScope().Collect(b), remote, 2, null, TestContext.Current.CancellationToken));

                // Then the error is the documented I/O code, and neither a partial object nor a temp file is left
                Assert.Equal(ExitCode.IoError, ex.ExitCode);
                Assert.Contains("no space left", ex.Message);
                Assert.Empty(b.Cache.EnumerateOids());
                Assert.Empty(Directory.EnumerateFiles(b.TmpDir, "obj-*"));
            }
            finally
            {
                ProcessRunner.Run("umount", [mount], "/", check: false);
            }
        }
        finally
        {
            TempDir.Delete(mount);
            TempDir.Delete(remoteDir);
        }
    }
}
