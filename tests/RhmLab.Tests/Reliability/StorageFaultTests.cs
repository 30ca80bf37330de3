using RhmLab.IO;
using RhmLab.Experiments;

namespace RhmLab.Tests.Reliability;

/// <summary>
/// A results folder that fills up or refuses writes: the sweep stops at the first refused write with one clear error
/// line and exit code 2, releases its locks, and leaves every record finished before intact; once the folder works
/// again the same command completes the plan.
/// </summary>
[Collection(nameof(AtomicFileHookCollection))]
public sealed class StorageFaultTests : IDisposable
{
    private readonly TempFolder _tmp = new("rhmlab-storage-");
    private string _dir => _tmp.Path;

    public void Dispose()
    {
        AtomicFile.BeforeCommit = null;
        _tmp.Dispose();
    }

    private const string Fixed = "\"nmv\": 3, \"L\": 2, \"train\": 30, \"test\": 20, \"width\": 8, \"epochs\": 2, \"blas\": \"managed\"";

    private string Plan(int runs)
    {
        string path = Path.Combine(_dir, $"plan-{runs}.json");
        File.WriteAllText(path, $$"""{ "grid": { "seed": [{{string.Join(", ", Enumerable.Range(1, runs))}}] }, "fixed": { {{Fixed}} } }""");
        return path;
    }

    private static string OneErrorLine(Cli.Cli.Result r)
    {
        Assert.True(r.ExitCode == 2, r.ToString());
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, r.ToString());
        Assert.StartsWith("rhmlab: error: ", lines[0]);
        Assert.DoesNotContain("   at ", r.Stderr);
        return lines[0];
    }

    /// <summary>SHA-256 of every valid record, by hash; fails on any invalid record, temporary file or lock left behind.</summary>
    private static Dictionary<string, string> CheckFolder(string outDir)
    {
        var shas = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var dir in Directory.GetDirectories(Path.Combine(outDir, "runs")))
        {
            string hash = Path.GetFileName(dir);
            string path = Path.Combine(dir, SweepStore.ResultFile);
            if (File.Exists(path))
            {
                Assert.True(SweepStore.TryReadResult(dir, hash, out string? problem) != null, $"{path}: {problem}");
                shas[hash] = Records.Sha(path);
            }
            Assert.False(File.Exists(Path.Combine(dir, RunLock.FileName)), $"lock left in {dir}");
        }
        var tmp = Directory.GetFiles(outDir, "*.tmp", SearchOption.AllDirectories);
        Assert.True(tmp.Length == 0, string.Join(", ", tmp));
        return shas;
    }

    private static void AssertUnchanged(Dictionary<string, string> before, Dictionary<string, string> after)
    {
        foreach (var (hash, sha) in before)
            Assert.True(after.TryGetValue(hash, out string? now) && now == sha, $"record {hash} changed");
    }

    [Fact]
    public void RefusedRecordWriteStopsTheSweepWithOneLineAndKeepsFinishedRuns()
    {
        string plan = Plan(8);
        string outDir = Path.Combine(_dir, "results");
        int writes = 0;
        AtomicFile.BeforeCommit = path =>
        {
            if (path.StartsWith(_dir, StringComparison.Ordinal) && Path.GetFileName(path) == SweepStore.ResultFile && Interlocked.Increment(ref writes) >= 4)
                throw new IOException($"No space left on device : '{path}'");
        };
        var r = Cli.Cli.Run("sweep", plan, "--out", outDir);
        string line = OneErrorLine(r);
        Assert.Contains("sweep stopped: cannot write result.json of run", line);
        Assert.Contains("(No space left on device)", line);
        Assert.Contains("run the same command again", line);
        Assert.Contains("3 finished", r.Stdout);
        var before = CheckFolder(outDir);
        Assert.Equal(3, before.Count);
        // It stopped at the refused write: the run after it never started.
        int started = Directory.GetDirectories(Path.Combine(outDir, "runs")).Sum(d => Records.Attempts(d, "started"));
        Assert.Equal(4, started);

        // A revoked permission on the run's config stops it the same way.
        AtomicFile.BeforeCommit = path =>
        {
            if (path.StartsWith(_dir, StringComparison.Ordinal) && Path.GetFileName(path) == SweepStore.ConfigFile)
                throw new UnauthorizedAccessException($"Access to the path '{path}' is denied.");
        };
        string denied = OneErrorLine(Cli.Cli.Run("sweep", plan, "--out", outDir));
        Assert.Contains("cannot write config.json of run", denied);
        AssertUnchanged(before, CheckFolder(outDir));

        AtomicFile.BeforeCommit = null;
        var again = Cli.Cli.Run("sweep", plan, "--out", outDir);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("5 finished, 3 skipped", again.Stdout);
        var after = CheckFolder(outDir);
        Assert.Equal(8, after.Count);
        AssertUnchanged(before, after);
    }

    [TmpfsFact]
    public void FullFileSystemStopsTheSweepAndReadOnlyFolderIsRefusedUpFront()
    {
        string plan = Plan(8);
        // The reference: the same plan in an ordinary folder.
        string refDir = Path.Combine(_dir, "reference");
        Assert.Equal(0, Cli.Cli.Run("sweep", plan, "--out", refDir).ExitCode);
        var reference = Records.FolderMetrics(refDir);

        // 64 KiB holds the manifest and the files of only a few runs (each takes about three 4 KiB pages).
        using var fs = new Tmpfs("64k");
        string outDir = Path.Combine(fs.Path, "results");
        var r = Cli.Cli.Run("sweep", plan, "--out", outDir);
        string line = OneErrorLine(r);
        Assert.Contains("sweep stopped: cannot write", line);
        Assert.Contains("No space left on device", line);
        var before = CheckFolder(outDir);
        Assert.InRange(before.Count, 1, 7);
        foreach (var (hash, _) in before)
            Assert.Equal(reference[hash], Records.Metrics(Path.Combine(outDir, "runs", hash, SweepStore.ResultFile)));

        // Read-only: refused before anything runs, naming the folder.
        fs.Remount("ro");
        string ro = OneErrorLine(Cli.Cli.Run("sweep", plan, "--out", outDir));
        Assert.Contains("--out", ro);
        AssertUnchanged(before, CheckFolder(outDir));

        fs.Remount("rw,size=4m");
        var again = Cli.Cli.Run("sweep", plan, "--out", outDir);
        Assert.True(again.ExitCode == 0, again.ToString());
        var after = CheckFolder(outDir);
        AssertUnchanged(before, after);
        Assert.Equal(reference, Records.FolderMetrics(outDir));
    }
}

/// <summary>Tests that set <see cref="AtomicFile.BeforeCommit"/> run one at a time.</summary>
[CollectionDefinition(nameof(AtomicFileHookCollection))]
public sealed class AtomicFileHookCollection;
