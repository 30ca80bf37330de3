using System.Diagnostics;
using RhmLab.Experiments;
using Xunit.Abstractions;

namespace RhmLab.Tests.Reliability;

/// <summary>
/// <c>kill -9</c> of a running <c>rhmlab sweep</c> at random moments, restarting it each time: in the end the results
/// equal those of an uninterrupted sweep, no run is finished twice, and no partial record is ever visible.
/// </summary>
public sealed class KillTests : IDisposable
{
    /// <summary>
    /// A quarter of the kills come at a moment drawn from 0 to this many milliseconds after the start, mostly during
    /// start-up (the runtime, JIT, reading the plan, writing the manifest: about 300 ms unloaded, more on a busy machine).
    /// </summary>
    private const int StartupDelayMs = 600;

    /// <summary>
    /// The others come at a moment drawn from 0 to this many milliseconds after the process has started its first run
    /// (seen in attempts.log), so they land inside runs (the first takes ~250 ms with JIT, later ones ~50 ms), between
    /// them, and between a record's write, its rename and its log line, whatever the machine's speed.
    /// </summary>
    private const int InRunDelayMs = 400;

    private readonly TempFolder _tmp = new("rhmlab-kill-");
    private string _dir => _tmp.Path;
    private readonly ITestOutputHelper _log;

    public KillTests(ITestOutputHelper log) => _log = log;

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void KilledAndRestartedSweepsEndWithTheResultsOfAnUninterruptedOne()
    {
        int target = Settings.Kills;
        int seed = Settings.KillSeed;
        var rng = new Random(seed);
        var reference = ReliabilityPlan.Reference;
        string plan = ReliabilityPlan.Write(_dir);
        int kills = 0, rounds = 0, starts = 0, interrupted = 0, takeovers = 0, unloggedFinishes = 0;
        var sw = Stopwatch.StartNew();
        while (kills < target)
        {
            rounds++;
            string outDir = Path.Combine(_dir, $"round-{rounds}");
            var seen = new Dictionary<string, string>(StringComparer.Ordinal);
            while (true)
            {
                string where = $"seed {seed}, round {rounds}, after {kills} kills";
                starts++;
                int startsBefore = StartedLines(outDir);
                using var p = CliProcess.Start(["sweep", plan, "--out", outDir, "--stale-after", "10"]);
                bool killed = false;
                if (kills < target && KillMomentReached(p, outDir, startsBefore, rng))
                {
                    p.Kill();
                    kills++;
                    killed = true;
                }
                if (!killed)
                {
                    Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), $"{where}: the restarted sweep did not finish\n{p.Stdout}");
                    Assert.True(p.ExitCode == 0, $"{where}: exit {p.ExitCode}\n{p.Stdout}\n{p.Stderr}");
                }
                takeovers += p.Stdout.Split('\n').Count(l => l.Contains("took over an abandoned lock", StringComparison.Ordinal));
                CheckVisibleRecords(outDir, seen, where);
                if (!killed) break;   // the sweep ended by itself: this round is complete
            }
            var (midRun, unlogged) = CheckRound(outDir, reference, $"seed {seed}, round {rounds}");
            interrupted += midRun;
            unloggedFinishes += unlogged;
        }
        _log.WriteLine($"kill test: {kills} kills (SIGKILL) in {rounds} rounds of the {ReliabilityPlan.Runs}-run plan, {starts} sweep starts, " +
            $"{interrupted} runs killed while executing, {takeovers} locks taken over, {unloggedFinishes} finished runs killed before their log line; " +
            $"records lost 0, runs finished twice 0, partial records seen 0; {sw.Elapsed.TotalSeconds:F1} s (seed {seed})");
    }

    /// <summary>Waits for a random kill moment; false when the sweep ended by itself first.</summary>
    private static bool KillMomentReached(CliProcess p, string outDir, int startsBefore, Random rng)
    {
        if (rng.Next(4) == 0) return !p.WaitForExit(TimeSpan.FromMilliseconds(rng.Next(0, StartupDelayMs)));
        var deadline = Stopwatch.StartNew();
        while (StartedLines(outDir) == startsBefore)
        {
            if (p.WaitForExit(TimeSpan.FromMilliseconds(5))) return false;
            // A start-up that never reaches a run (everything already done) ends by itself; this only bounds the wait.
            if (deadline.Elapsed > TimeSpan.FromSeconds(30)) break;
        }
        return !p.WaitForExit(TimeSpan.FromMilliseconds(rng.Next(0, InRunDelayMs)));
    }

    /// <summary>"started" lines in all attempts.log files of a results folder.</summary>
    private static int StartedLines(string outDir)
    {
        string runs = Path.Combine(outDir, "runs");
        if (!Directory.Exists(runs)) return 0;
        int n = 0;
        foreach (var dir in Directory.GetDirectories(runs))
        {
            try { n += Records.Attempts(dir, "started"); }
            catch (IOException) { }
        }
        return n;
    }

    /// <summary>
    /// After every kill: each result.json on disk is a complete, valid record, and once one exists its bytes never
    /// change (a rewrite would mean the run was executed again after it had finished).
    /// </summary>
    private static void CheckVisibleRecords(string outDir, Dictionary<string, string> seen, string where)
    {
        string runs = Path.Combine(outDir, "runs");
        if (!Directory.Exists(runs)) return;
        foreach (var dir in Directory.GetDirectories(runs))
        {
            string hash = Path.GetFileName(dir);
            string path = Path.Combine(dir, SweepStore.ResultFile);
            if (!File.Exists(path)) continue;
            var record = SweepStore.TryReadResult(dir, hash, out string? problem);
            Assert.True(record != null, $"{where}: {path} is not a complete record: {problem}");
            string sha = Records.Sha(path);
            if (seen.TryGetValue(hash, out string? before))
                Assert.True(before == sha, $"{where}: {path} was rewritten: the run was executed again after it had finished");
            else seen[hash] = sha;
        }
    }

    /// <summary>
    /// At the end of a round: every run has the reference's metrics, none has two "finished" lines, and nothing is
    /// left behind (temporary files, locks). Returns how many runs were killed while executing, and how many were
    /// killed between their record and its log line.
    /// </summary>
    private static (int Interrupted, int Unlogged) CheckRound(string outDir, Dictionary<string, string> reference, string where)
    {
        var metrics = Records.FolderMetrics(outDir);
        Assert.True(reference.Count == metrics.Count, $"{where}: {metrics.Count} finished runs, expected {reference.Count}");
        foreach (var (hash, expected) in reference)
        {
            Assert.True(metrics.TryGetValue(hash, out string? actual), $"{where}: run {hash} has no record");
            Assert.True(expected == actual, $"{where}: run {hash} differs from the uninterrupted sweep:\n{expected}\n{actual}");
        }
        int interrupted = 0, unlogged = 0;
        foreach (var hash in reference.Keys)
        {
            string dir = Path.Combine(outDir, "runs", hash);
            int started = Records.Attempts(dir, "started");
            int finished = Records.Attempts(dir, "finished");
            Assert.True(finished <= 1, $"{where}: run {hash} finished {finished} times");
            Assert.True(started >= 1, $"{where}: run {hash} has a record but no start in attempts.log");
            interrupted += started - 1;
            unlogged += 1 - finished;
        }
        var leftovers = Directory.GetFiles(outDir, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".tmp", StringComparison.Ordinal) || Path.GetFileName(f) == RunLock.FileName).ToList();
        Assert.True(leftovers.Count == 0, $"{where}: left behind: {string.Join(", ", leftovers)}");
        return (interrupted, unlogged);
    }
}
