using System.Collections.Concurrent;
using RhmLab.Analysis;
using RhmLab.Experiments;
using RhmLab.Training;

namespace RhmLab.Tests.Experiments;

/// <summary>
/// The adaptive P* search: each step of the pure bracketing and bisection, and the search runner on synthetic error
/// curves (a fake executor whose error depends only on P), which must end with a narrow bracket around the known
/// crossing, run each run once, resume after a stop, and agree with the P* of a full grid while running fewer sizes.
/// </summary>
public sealed class PStarSearchTests : IDisposable
{
    private readonly TempFolder _tmp = new("rhmlab-search-");
    private string _out => _tmp.Path;

    public void Dispose() => _tmp.Dispose();

    private static SearchStep Next(params (long P, double E)[] levels) =>
        PStarSearch.Next(levels.Select(l => new SearchLevel(l.P, l.E)).ToArray(), threshold: 0.1, start: 100, minTrain: 10, maxTrain: 10_000, factor: 4, ratio: 1.5);

    [Fact]
    public void StartsAtTheStartAndBracketsUpThenDown()
    {
        Assert.Equal(new SearchStep(100, null, null, "start"), Next());
        Assert.Equal(new SearchStep(400, 100, null, "bracketing"), Next((100, 0.5)));
        Assert.Equal(new SearchStep(25, null, 100, "bracketing"), Next((100, 0.05)));
        // Stepping up stops at the largest P; down at the smallest.
        Assert.Equal(new SearchStep(10_000, 6400, null, "bracketing"), Next((100, 0.5), (400, 0.5), (1600, 0.5), (6400, 0.5)));
        Assert.Equal(new SearchStep(null, 10_000, null, "censored-high"), Next((6400, 0.5), (10_000, 0.5)));
        Assert.Equal(new SearchStep(null, null, 10, "censored-low"), Next((10, 0.0), (25, 0.0)));
    }

    [Fact]
    public void BisectsInLogPUntilTheRatioIsReached()
    {
        // Bracket [100, 400]: the geometric mean 200, then [200, 400] → 283, then [200, 283] has ratio 1.415 ≤ 1.5.
        Assert.Equal(new SearchStep(200, 100, 400, "bisecting"), Next((100, 0.5), (400, 0.01)));
        Assert.Equal(new SearchStep(283, 200, 400, "bisecting"), Next((100, 0.5), (400, 0.01), (200, 0.2)));
        Assert.Equal(new SearchStep(null, 200, 283, "done"), Next((100, 0.5), (400, 0.01), (200, 0.2), (283, 0.05)));
    }

    [Fact]
    public void FollowsTheFirstCrossingLikeTheEstimator()
    {
        // A curve that dips below the threshold at 400 and rises again at 1600: the bracket is the first crossing.
        var step = Next((100, 0.5), (400, 0.05), (1600, 0.3), (200, 0.2), (283, 0.2));
        Assert.Equal((283L, 400L), (step.Below!.Value, step.Above!.Value));
        Assert.Equal("done", step.Status);
        // Exactly at the threshold counts as reached (≤), as in PStarEstimator.
        Assert.Equal(100L, Next((100, 0.1)).Above);
    }

    [Fact]
    public void IntegerSizesAlwaysMoveAndNarrowBracketsEnd()
    {
        var step = PStarSearch.Next([new SearchLevel(2, 0.5)], 0.1, 2, 1, 100, factor: 1.2, ratio: 1.01);
        Assert.Equal(3L, step.Next);
        var done = PStarSearch.Next([new SearchLevel(5, 0.5), new SearchLevel(6, 0.0)], 0.1, 5, 1, 100, factor: 4, ratio: 1.01);
        Assert.Equal("done", done.Status);
    }

    [Fact]
    public void PlanChecksTheSearchBlock()
    {
        static string Error(string plan) => Assert.Throws<ArgumentException>(() => SweepPlan.Parse(plan, "p.json")).Message;
        Assert.Equal("p.json: grid.train-x: a plan with \"search\" chooses P itself (leave train and train-x out)",
            Error("""{ "grid": { "train-x": [1, 2] }, "fixed": { "nmv": 3, "L": 2 }, "search": { "measure": "probe" } }"""));
        Assert.Equal("p.json: search.measure: expected \"probe\" or \"network\" (got 'logits')",
            Error("""{ "fixed": { "nmv": 3, "L": 2 }, "search": { "measure": "logits" } }"""));
        Assert.Equal("p.json: search.ratio: must be > 1 (got 1)",
            Error("""{ "fixed": { "nmv": 3, "L": 2 }, "search": { "measure": "probe", "ratio": 1 } }"""));
        Assert.Equal("p.json: search.steps: unknown key (expected measure, threshold, start-x, factor, ratio, min-x, max-x, max-test)",
            Error("""{ "fixed": { "nmv": 3, "L": 2 }, "search": { "measure": "probe", "steps": 3 } }"""));
    }

    /// <summary>A search plan on n_c = m = v = 4, L = 3 (n_c·m^L = 256), two configurations (two widths), three seeds.</summary>
    private static SweepPlan Plan(string extra = "") => SweepPlan.Parse($$"""
        { "grid": { "width": [8, 9], "seed": [1, 2, 3] },
          "fixed": { "rule": "bp", "nmv": 4, "L": 3, "test": 50, "blas": "managed" },
          "search": { "measure": "network", "start-x": 1, "factor": 4, "ratio": 1.2{{extra}} } }
        """);

    /// <summary>A fake run whose network error depends only on P (and a little on the seed): a smooth fall in log P.</summary>
    private sealed class Synthetic(double crossing)
    {
        public ConcurrentDictionary<string, int> Executions { get; } = new();

        public double Error(long p, long seed) => 0.75 / (1 + Math.Pow(p / crossing, 3)) * (1 + 0.02 * (seed - 2));

        public RunResult Execute(ResolvedRun run, CancellationToken cancel)
        {
            cancel.ThrowIfCancellationRequested();
            Executions.AddOrUpdate(RunHash.Of(run.Config), 1, (_, n) => n + 1);
            double e = Error(run.Train, run.Config.Seeds.Seed);
            return new RunResult
            {
                Rule = run.Rule, Run = run, Provider = "synthetic", Outcome = new TrainingOutcome([], "max-epochs", null, 0),
                NetworkTestError = e, ProbeErrors = [e],
            };
        }
    }

    private SweepOptions Options(Synthetic s, int jobs = 1, SweepShard? shard = null) =>
        new() { OutDir = _out, Jobs = jobs, Shard = shard, Execute = s.Execute, PollInterval = TimeSpan.FromMilliseconds(20) };

    [Fact]
    public void SearchEndsWithANarrowBracketAroundTheCrossingAndRunsEachRunOnce()
    {
        var plan = Plan();
        var synthetic = new Synthetic(crossing: 700);
        var summary = new SearchRunner(plan, Options(synthetic, jobs: 2)).Run();
        Assert.Equal(0, summary.Failed);
        Assert.All(synthetic.Executions.Values, n => Assert.Equal(1, n));
        // Threshold 0.1·0.75 = 0.075: the seed mean crosses it at 700·3^(1/3) ≈ 1010.
        double crossing = 700 * Math.Cbrt(9);
        foreach (var unit in SearchRunner.UnitsOf(plan))
        {
            var state = SearchRunner.State(unit, plan.Search!, _out);
            Assert.Equal("done", state.Step.Status);
            Assert.InRange(crossing, state.Step.Below!.Value, state.Step.Above!.Value);
            Assert.True((double)state.Step.Above!.Value / state.Step.Below!.Value <= 1.2);
            Assert.Equal(3 * state.Levels.Count, synthetic.Executions.Keys.Count / 2);
        }
        // A second search finds everything settled and runs nothing.
        var again = new Synthetic(crossing: 700);
        var second = new SearchRunner(plan, Options(again)).Run();
        Assert.Empty(again.Executions);
        Assert.Equal(0, second.Executed);
    }

    [Fact]
    public void AStoppedSearchResumesAndTwoProcessesRunEachRunOnce()
    {
        var plan = Plan();
        var first = new Synthetic(crossing: 300);
        using (var cts = new CancellationTokenSource())
        {
            var options = new SweepOptions
            {
                OutDir = _out, Execute = (run, ct) => { if (first.Executions.Count >= 7) cts.Cancel(); return first.Execute(run, ct); },
                PollInterval = TimeSpan.FromMilliseconds(20),
            };
            var stopped = new SearchRunner(plan, options).Run(cts.Token);
            Assert.True(stopped.Cancelled);
        }
        var shared = new Synthetic(crossing: 300);
        var a = new Thread(() => new SearchRunner(plan, Options(shared)).Run());
        var b = new Thread(() => new SearchRunner(plan, Options(shared)).Run());
        a.Start(); b.Start(); a.Join(); b.Join();
        Assert.All(shared.Executions.Values, n => Assert.Equal(1, n));
        Assert.Empty(shared.Executions.Keys.Intersect(first.Executions.Keys));
        foreach (var unit in SearchRunner.UnitsOf(plan))
            Assert.Equal("done", SearchRunner.State(unit, plan.Search!, _out).Step.Status);
    }

    [Fact]
    public void ShardsSplitConfigurations()
    {
        var plan = Plan();
        var one = new SearchRunner(plan, Options(new Synthetic(500), shard: new SweepShard(1, 2)));
        var two = new SearchRunner(plan, Options(new Synthetic(500), shard: new SweepShard(2, 2)));
        Assert.Equal(["width=8"], one.Units.Select(u => u.Label));
        Assert.Equal(["width=9"], two.Units.Select(u => u.Label));
        Assert.All(one.Units.Concat(two.Units), u => Assert.Equal(3, u.Seeds.Count));
    }

    [Fact]
    public void SearchFindsTheGridsPStarWithFewerSizes()
    {
        var plan = Plan();
        var synthetic = new Synthetic(crossing: 450);
        new SearchRunner(plan, Options(synthetic, jobs: 2)).Run();
        var unit = SearchRunner.UnitsOf(plan)[0];
        var state = SearchRunner.State(unit, plan.Search!, _out);
        var levels = state.Levels.OrderBy(l => l.Train).ToArray();
        double threshold = 0.1 * 0.75;
        var searched = PStarEstimator.FirstCrossing(levels.Select(l => (double)l.Train).ToArray(), levels.Select(l => l.MeanError).ToArray(), threshold);
        // The §4.3 grid: round(x·256) for x = 1/8 … 16 (eight sizes).
        double[] grid = [32, 64, 128, 256, 512, 1024, 2048, 4096];
        var gridErrors = grid.Select(p => Enumerable.Range(1, 3).Average(seed => synthetic.Error((long)p, seed))).ToArray();
        var full = PStarEstimator.FirstCrossing(grid, gridErrors, threshold);
        double truth = 450 * Math.Cbrt(9);
        Assert.True(levels.Length < grid.Length, $"{levels.Length} sizes searched");
        // Interpolating inside a bracket of ratio ≤ 1.2 is closer to the true crossing than the grid's factor 2.
        Assert.True(Math.Abs(Math.Log(searched.Value / truth)) <= Math.Abs(Math.Log(full.Value / truth)) + 1e-9);
        Assert.InRange(searched.Value / truth, 0.9, 1.1);
    }

    [Fact]
    public void AFailingConfigurationIsSetAsideAndTheOthersSettle()
    {
        var plan = Plan();
        var synthetic = new Synthetic(crossing: 600);
        var options = new SweepOptions
        {
            OutDir = _out, PollInterval = TimeSpan.FromMilliseconds(20),
            Execute = (run, ct) => run.Network.Widths[0] == 9 && run.Train > 256 ? throw new InvalidOperationException("boom") : synthetic.Execute(run, ct),
        };
        var runner = new SearchRunner(plan, options);
        var summary = runner.Run();
        Assert.True(summary.Failed > 0);
        Assert.Equal(1, runner.Unsettled);
        var units = SearchRunner.UnitsOf(plan);
        Assert.Equal("done", SearchRunner.State(units[0], plan.Search!, _out).Step.Status);
        Assert.Equal("bracketing", SearchRunner.State(units[1], plan.Search!, _out).Step.Status);
    }

    [Fact]
    public void ASearchWithProbeStopKeepsRoomForItsValidationData()
    {
        // n_c = m = v = 4, L = 3: P_max = 65 536; the largest P is ¾ of it, 49 152. The test set takes what is left
        // after the largest P and 2 000 validation data, so all three fit at every size.
        var rhm = new RhmLab.Rhm.RhmParameters(4, 4, 4, 2, 3);
        var search = new PStarSearchOptions { Measure = "probe", MaxX = 256 };
        var (_, _, max, test) = PStarSearch.Range(rhm, search, null, validation: 2000);
        Assert.Equal((49152L, 65536L - 49152 - 2000), (max, test));
        Assert.Equal((49152L, 65536L - 49152), PStarSearch.Range(rhm, search, null, validation: 0) is var r ? (r.Max, r.Test) : default);
        // A test size given by the plan caps the largest P instead.
        Assert.Equal(65536L - 30000 - 2000, PStarSearch.Range(rhm, search, 30000, validation: 2000).Max);
        // n_c = m = v = 4, L = 2 (P_max = 256) has no room: the plan is refused when read, not hours later.
        string message = Assert.Throws<ArgumentException>(() => SweepPlan.Parse(
            """{ "fixed": { "rule": "clapp", "nmv": 4, "L": 2, "probe-stop": "on" }, "search": { "measure": "probe" } }""", "p.json")).Message;
        Assert.StartsWith("p.json: point 0: search: no P between min-x and max-x leaves room for test", message);
    }

    [Fact]
    public void ProbeConvergenceStopsOnZeroTwiceAndOnAPlateauButNotOnASlowFall()
    {
        var options = new ProbeStopOptions { Enabled = true, Window = 3, Tolerance = 0.01, MinEpochs = 0 };
        var zero = new ProbeConvergence(options);
        Assert.Null(zero.Observe(10, 0.2));
        Assert.Null(zero.Observe(20, 0.0));
        Assert.Equal(ProbeConvergence.Converged, zero.Observe(30, 0.0));

        var flat = new ProbeConvergence(options);
        Assert.Null(flat.Observe(10, 0.5));
        Assert.Null(flat.Observe(20, 0.495));
        Assert.Null(flat.Observe(30, 0.505));
        Assert.Equal(ProbeConvergence.Plateau, flat.Observe(40, 0.498));

        // 0.006 per evaluation: below the tolerance each time, above it every second time.
        var slow = new ProbeConvergence(options);
        double e = 0.5;
        for (int i = 1; i <= 30; i++, e -= 0.006) Assert.Null(slow.Observe(10 * i, e));

        var floor = new ProbeConvergence(options with { MinEpochs = 100 });
        for (int i = 1; i <= 9; i++) Assert.Null(floor.Observe(10 * i, 0.5));
        Assert.Equal(ProbeConvergence.Plateau, floor.Observe(100, 0.5));
    }
}
