using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using RhmLab.Experiments;

namespace RhmLab.Tests.Experiments;

/// <summary>
/// Sweeps on tiny runs: finished runs are skipped, two sweeps on one folder run each run once, stale locks are taken
/// over, diverging and failing runs are recorded and the sweep goes on.
/// </summary>
public sealed class SweepRunnerTests : IDisposable
{
    private readonly TempFolder _tmp = new("rhmlab-sweep-");
    private string _out => _tmp.Path;

    public void Dispose() => _tmp.Dispose();

    /// <summary>Counts executions per run hash, then runs the real executor.</summary>
    private sealed class Counter
    {
        public ConcurrentDictionary<string, int> Executions { get; } = new();
        public int Total => Executions.Values.Sum();
        public TimeSpan Delay { get; init; }

        public RunResult Execute(ResolvedRun run, CancellationToken cancel)
        {
            Executions.AddOrUpdate(RunHash.Of(run.Config), 1, (_, n) => n + 1);
            if (Delay > TimeSpan.Zero) Thread.Sleep(Delay);
            return RunExecutor.Execute(run, null, cancel);
        }
    }

    private SweepOptions Options(Counter? counter = null, int jobs = 1, SweepShard? shard = null, Action<SweepEvent>? onEvent = null) => new()
    {
        OutDir = _out, Jobs = jobs, Shard = shard, Execute = counter is null ? null : counter.Execute, OnEvent = onEvent,
        PollInterval = TimeSpan.FromMilliseconds(20),
    };

    private string RunDir(SweepPoint p) => SweepStore.RunDir(_out, p.Hash);

    [Fact]
    public void SecondSweepExecutesNothing()
    {
        var plan = SweepPlanTests.Tiny("\"rule\": [\"bp\", \"dfa\"], \"seed\": [1, 2]");
        var first = new Counter();
        var s1 = new SweepRunner(plan, Options(first, jobs: 2)).Run();
        Assert.Equal((4, 0, 0), (s1.Executed, s1.Skipped, s1.Failed));
        Assert.Equal(4, first.Total);
        foreach (var p in plan.Points)
        {
            var record = SweepStore.TryReadResult(RunDir(p), p.Hash);
            Assert.NotNull(record);
            Assert.Equal(p.Config.Rule, (string)record["rule"]!);
            Assert.Equal(p.Hash, (string)record["run_hash"]!);
            Assert.NotNull(record["curves"]);
            Assert.True(File.Exists(Path.Combine(RunDir(p), SweepStore.ConfigFile)));
            Assert.False(File.Exists(Path.Combine(RunDir(p), RunLock.FileName)));
        }

        var second = new Counter();
        var s2 = new SweepRunner(plan, Options(second, jobs: 2)).Run();
        Assert.Equal(0, second.Total);
        Assert.Equal((0, 4, 0), (s2.Executed, s2.Skipped, s2.Failed));

        var manifest = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(_out, SweepStore.ManifestFile)))!;
        Assert.Equal(plan.Points.Select(p => p.Hash), manifest["runs"]!.AsArray().Select(r => (string)r!["hash"]!));
        Assert.Equal(4, (int)manifest["points"]!);
    }

    [Fact]
    public void PartialOrForeignResultsAreNotCounted()
    {
        var plan = SweepPlanTests.Tiny("\"seed\": [1, 2, 3]");
        Directory.CreateDirectory(RunDir(plan.Points[0]));
        File.WriteAllText(Path.Combine(RunDir(plan.Points[0]), SweepStore.ResultFile), "{\"format\":\"rhmlab-run\",\"run_ha");
        Directory.CreateDirectory(RunDir(plan.Points[1]));
        File.WriteAllText(Path.Combine(RunDir(plan.Points[1]), SweepStore.ResultFile), "{\"run_hash\":\"0000000000000000\",\"config\":{}}");
        var counter = new Counter();
        var s = new SweepRunner(plan, Options(counter)).Run();
        Assert.Equal(3, s.Executed);
        Assert.Equal(3, counter.Total);
        Assert.All(plan.Points, p => Assert.NotNull(SweepStore.TryReadResult(RunDir(p), p.Hash)));
    }

    [Fact]
    public void TwoConcurrentSweepsExecuteEveryRunOnce()
    {
        var plan = SweepPlanTests.Tiny("\"rule\": [\"bp\", \"fa\"], \"seed\": [1, 2, 3]");
        // One counter for both: a run executed by both sweeps would count 2.
        var counter = new Counter { Delay = TimeSpan.FromMilliseconds(30) };
        SweepSummary? a = null, b = null;
        using var go = new Barrier(2);
        var ta = new Thread(() => { go.SignalAndWait(); a = new SweepRunner(plan, Options(counter, jobs: 2)).Run(); });
        var tb = new Thread(() => { go.SignalAndWait(); b = new SweepRunner(plan, Options(counter, jobs: 2)).Run(); });
        ta.Start(); tb.Start();
        ta.Join(); tb.Join();
        Assert.Equal(plan.Points.Count, counter.Executions.Count);
        Assert.All(counter.Executions, kv => Assert.Equal(1, kv.Value));
        Assert.Equal(plan.Points.Count, a!.Executed + b!.Executed);
        Assert.Equal(plan.Points.Count, a.Executed + a.Skipped);
        Assert.Equal(plan.Points.Count, b.Executed + b.Skipped);
        Assert.All(plan.Points, p =>
        {
            Assert.NotNull(SweepStore.TryReadResult(RunDir(p), p.Hash));
            var log = File.ReadAllLines(Path.Combine(RunDir(p), SweepStore.AttemptsFile));
            Assert.Single(log, l => l.Contains(" started ", StringComparison.Ordinal));
            Assert.Single(log, l => l.Contains(" finished ", StringComparison.Ordinal));
        });
    }

    [Fact]
    public void ShardsTogetherRunThePlanOnce()
    {
        var plan = SweepPlanTests.Tiny("\"seed\": [1, 2, 3, 4, 5]");
        var counter = new Counter();
        int executed = 0;
        for (int i = 1; i <= 3; i++)
        {
            var s = new SweepRunner(plan, Options(counter, shard: new SweepShard(i, 3))).Run();
            Assert.Equal(plan.PointsOf(new SweepShard(i, 3)).Count(), s.Total);
            Assert.Equal(s.Total, s.Executed);
            executed += s.Executed;
        }
        Assert.Equal(plan.Points.Count, executed);
        Assert.All(counter.Executions, kv => Assert.Equal(1, kv.Value));
        Assert.Equal(plan.Points.Count, counter.Executions.Count);
        // The whole plan afterwards: nothing left.
        Assert.Equal(0, new SweepRunner(plan, Options(counter)).Run().Executed);
    }

    [Fact]
    public void StaleLockOfADeadProcessIsTakenOver()
    {
        var plan = SweepPlanTests.Tiny("\"seed\": [1, 2]");
        var victim = plan.Points[1];
        Directory.CreateDirectory(RunDir(victim));
        int deadPid;
        using (var p = System.Diagnostics.Process.Start("true")) { p!.WaitForExit(); deadPid = p.Id; }
        File.WriteAllText(Path.Combine(RunDir(victim), RunLock.FileName),
            new RunLockInfo(ProcessIdentity.Host, ProcessIdentity.PidNamespace, deadPid, "proc:1", DateTime.UtcNow, "dead").ToJson().ToJsonString());
        var events = new ConcurrentQueue<SweepEvent>();
        var counter = new Counter();
        var s = new SweepRunner(plan, Options(counter, onEvent: events.Enqueue)).Run();
        Assert.Equal(2, s.Executed);
        Assert.Equal(1, counter.Executions[victim.Hash]);
        Assert.Contains(events, e => e.State == SweepRunState.TakenOver && e.Point.Hash == victim.Hash);
        Assert.False(File.Exists(Path.Combine(RunDir(victim), RunLock.FileName)));
    }

    [Fact]
    public void LiveLockIsLeftElsewhereOrWaitedFor()
    {
        var plan = SweepPlanTests.Tiny("\"seed\": [1, 2]");
        var held = plan.Points[0];
        Directory.CreateDirectory(RunDir(held));
        var runLock = RunLock.TryAcquire(RunDir(held), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1), out _, out _)!;
        var counter = new Counter();
        var noWait = new SweepOptions { OutDir = _out, Execute = counter.Execute, WaitForOthers = false };
        var s = new SweepRunner(plan, noWait).Run();
        Assert.Equal((1, 1, 0), (s.Executed, s.Elsewhere, s.NotRun));
        Assert.False(counter.Executions.ContainsKey(held.Hash));

        // Waiting: the run is executed once its holder lets go.
        var busySeen = new ManualResetEventSlim();
        var waiting = new SweepOptions
        {
            OutDir = _out, Execute = counter.Execute, PollInterval = TimeSpan.FromMilliseconds(20),
            OnEvent = e => { if (e.State == SweepRunState.Busy) busySeen.Set(); },
        };
        SweepSummary? waited = null;
        var t = new Thread(() => waited = new SweepRunner(plan, waiting).Run());
        t.Start();
        Assert.True(busySeen.Wait(TimeSpan.FromSeconds(30)));
        runLock.Release();
        t.Join();
        Assert.Equal((1, 1, 0), (waited!.Executed, waited.Skipped, waited.Elsewhere));
        Assert.Equal(1, counter.Executions[held.Hash]);
    }

    [Fact]
    public void DivergingRunIsRecordedAndTheSweepContinues()
    {
        var plan = SweepPlanTests.Tiny("\"lr\": [1e30, 0.1], \"seed\": [1, 2]");
        var events = new ConcurrentQueue<SweepEvent>();
        var s = new SweepRunner(plan, Options(onEvent: events.Enqueue)).Run();
        Assert.Equal((4, 2, 0), (s.Executed, s.Diverged, s.Failed));
        foreach (var p in plan.Points)
        {
            var record = SweepStore.TryReadResult(RunDir(p), p.Hash)!;
            Assert.Equal(p.Config.Training.Lr > 1, (bool)record["diverged"]!);
        }
        Assert.Equal(2, events.Count(e => e.State == SweepRunState.Finished && e.Detail?.Contains("diverged") == true));
        // Diverged runs are finished runs: not run again.
        Assert.Equal(4, new SweepRunner(plan, Options()).Run().Skipped);
    }

    [Fact]
    public void RunThatFailsAtExecutionIsRecordedAndTheSweepContinues()
    {
        // ridge-alpha 0 resolves, but the unregularised probe of the one-hot input is singular: the run throws.
        var plan = SweepPlanTests.Tiny("\"ridge-alpha\": [1.0, 0.0], \"seed\": [1, 2]");
        var s = new SweepRunner(plan, Options(jobs: 2)).Run();
        Assert.Equal((2, 2), (s.Executed, s.Failed));
        Assert.Equal(2, s.Failures.Count);
        foreach (var p in plan.Points)
        {
            string dir = RunDir(p);
            bool bad = p.Config.Evaluation.RidgeAlpha == 0;
            Assert.Equal(!bad, SweepStore.TryReadResult(dir, p.Hash) != null);
            Assert.Equal(bad, File.Exists(Path.Combine(dir, SweepStore.ErrorFile)));
            Assert.False(File.Exists(Path.Combine(dir, RunLock.FileName)));
            if (bad)
            {
                var error = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, SweepStore.ErrorFile)))!;
                Assert.Equal(p.Hash, (string)error["run_hash"]!);
                Assert.False(string.IsNullOrEmpty((string?)error["message"]));
                Assert.Contains(" failed ", File.ReadAllText(Path.Combine(dir, SweepStore.AttemptsFile)));
            }
        }
        // A later sweep retries the failed runs only.
        var counter = new Counter();
        var again = new SweepRunner(plan, Options(counter)).Run();
        Assert.Equal((0, 2, 2), (again.Executed, again.Skipped, again.Failed));
        Assert.Equal(2, counter.Total);
    }

    [Fact]
    public void ExecutorExceptionIsAFailureNotACrash()
    {
        var plan = SweepPlanTests.Tiny("\"seed\": [1, 2, 3]");
        var options = new SweepOptions
        {
            OutDir = _out,
            Execute = (run, ct) => run.Config.Seeds.Seed == 2 ? throw new InvalidOperationException("boom\nsecond line") : RunExecutor.Execute(run, null, ct),
        };
        var s = new SweepRunner(plan, options).Run();
        Assert.Equal((2, 1), (s.Executed, s.Failed));
        Assert.Equal("boom", s.Failures[0].Message);
        Assert.Equal("seed=2", s.Failures[0].Label);
    }

    [Fact]
    public void CancellationReleasesClaimsAndLeavesNoResult()
    {
        var plan = SweepPlanTests.Tiny("\"seed\": [1, 2, 3]");
        using var cts = new CancellationTokenSource();
        var options = new SweepOptions
        {
            OutDir = _out,
            Execute = (run, ct) =>
            {
                cts.Cancel();
                ct.ThrowIfCancellationRequested();
                return RunExecutor.Execute(run, null, ct);
            },
        };
        var s = new SweepRunner(plan, options).Run(cts.Token);
        Assert.True(s.Cancelled);
        Assert.Equal((0, 0, 3), (s.Executed, s.Failed, s.NotRun));
        var dir = RunDir(plan.Points[0]);
        Assert.False(File.Exists(Path.Combine(dir, RunLock.FileName)));
        Assert.False(File.Exists(Path.Combine(dir, SweepStore.ResultFile)));
        Assert.False(File.Exists(Path.Combine(dir, SweepStore.ErrorFile)));
        Assert.Contains(" cancelled ", File.ReadAllText(Path.Combine(dir, SweepStore.AttemptsFile)));
    }
}
