using System.Diagnostics;
using System.Text.Json.Nodes;
using RhmLab.Experiments;
using Xunit.Abstractions;

namespace RhmLab.Tests.Reliability;

/// <summary>
/// Two and three <c>rhmlab sweep</c> processes started together on one plan and one results folder: every run is
/// executed exactly once (one start and one finish in its attempts.log), and the results equal a single sweep's.
/// </summary>
public sealed class ConcurrentSweepTests : IDisposable
{
    private readonly TempFolder _tmp = new("rhmlab-concurrent-");
    private string _dir => _tmp.Path;
    private readonly ITestOutputHelper _log;

    public ConcurrentSweepTests(ITestOutputHelper log) => _log = log;

    public void Dispose() => _tmp.Dispose();

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ConcurrentSweepsExecuteEveryRunOnce(int writers)
    {
        var reference = ReliabilityPlan.Reference;
        string plan = ReliabilityPlan.Write(_dir);
        int rounds = Settings.Long ? 10 : 1;
        var sw = Stopwatch.StartNew();
        int executed = 0;
        for (int round = 1; round <= rounds; round++)
        {
            string outDir = Path.Combine(_dir, $"round-{round}");
            var processes = Enumerable.Range(0, writers)
                .Select(_ => CliProcess.Start(["sweep", plan, "--out", outDir, "--json"])).ToList();
            try
            {
                int finished = 0;
                foreach (var p in processes)
                {
                    Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), $"round {round}: a sweep did not finish\n{p.Stderr}");
                    Assert.True(p.ExitCode == 0, $"round {round}: exit {p.ExitCode}\n{p.Stdout}\n{p.Stderr}");
                    var summary = (JsonObject)JsonNode.Parse(p.Stdout.Trim().Split('\n')[^1])!;
                    Assert.Equal(ReliabilityPlan.Runs, (int)summary["finished"]! + (int)summary["skipped"]!);
                    finished += (int)summary["finished"]!;
                }
                Assert.Equal(ReliabilityPlan.Runs, finished);
                executed += finished;
            }
            finally
            {
                foreach (var p in processes) p.Dispose();
            }
            foreach (var (hash, expected) in reference)
            {
                string dir = Path.Combine(outDir, "runs", hash);
                Assert.True(Records.Attempts(dir, "started") == 1, $"round {round}: run {hash} was started {Records.Attempts(dir, "started")} times");
                Assert.True(Records.Attempts(dir, "finished") == 1, $"round {round}: run {hash} finished {Records.Attempts(dir, "finished")} times");
                var record = SweepStore.TryReadResult(dir, hash);
                Assert.NotNull(record);
                Assert.Equal(expected, Records.Metrics(record));
                Assert.False(File.Exists(Path.Combine(dir, RunLock.FileName)));
            }
        }
        _log.WriteLine($"concurrent sweeps: {writers} processes x {rounds} rounds on the {ReliabilityPlan.Runs}-run plan: {executed} runs executed, " +
            $"each exactly once; {sw.Elapsed.TotalSeconds:F1} s");
    }
}
