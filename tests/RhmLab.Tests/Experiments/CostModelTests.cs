using RhmLab.Evaluation;
using System.Text.Json.Nodes;
using RhmLab.Experiments;
using RhmLab.Networks;
using RhmLab.Numerics;

namespace RhmLab.Tests.Experiments;

/// <summary>
/// The cost model's shape: the work of an update is the benchmark's FLOP count of the same network, updates follow
/// the budget, the stopping rule and the pairing, a search is priced at its expected sizes, and the CLI's dry runs
/// give runs and core-hours. Calibrated numbers are not asserted (timings are noisy); a fixed calibration is used.
/// </summary>
public sealed class CostModelTests
{
    // 1 GFLOP/s, 1 ms per update, 10 ms per run: easy to read back from an estimate.
    private static readonly CostCalibration Unit = new(1, 1e-3, 1e-2, "test", "", 1);

    private static ResolvedRun Run(Action<RunConfig> set)
    {
        var c = new RunConfig { Rhm = { Nc = 4, M = 4, V = 4, L = 3 }, Data = { Test = 1000 }, Evaluation = { Probe = ProbeKind.None }, Training = { EvalEvery = 0 }, Execution = { Blas = MatMulChoice.Managed } };
        set(c);
        return ResolvedRun.Resolve(c);
    }

    [Fact]
    public void AnUpdateCostsTheBenchmarksFlops()
    {
        var run = Run(c => { c.Data.Train = 1024; c.Training.Epochs = 10; c.Training.StopLoss = 0; });
        var net = new Network<float>(run.Rhm, run.Network, 1, new ReferenceMatMul());
        var cost = CostModel.Estimate(run, Unit);
        Assert.Equal(8 * 10, cost.Steps);
        // Training flops are steps × the benchmark's BP step; evaluation is the last epoch's checkpoint (the test
        // error) and the final errors on train and test.
        double step = StepBenchmark.BpStepFlops(net, 128);
        Assert.Equal(80 * step, cost.TrainFlops, 6);
        double forward = StepBenchmark.ForwardFlops(net.Layers, net.Classes);
        Assert.Equal((1000 + 1024 + 1000) * forward, cost.EvalFlops, 6);
        Assert.Equal(1e-2 + 80 * (1e-3 + step / 1e9) + cost.EvalFlops / 1e9, cost.Seconds, 9);
    }

    [Fact]
    public void UpdatesFollowTheBudgetTheStoppingRuleAndThePairing()
    {
        // A train-loss criterion: the measured prior of 2500 updates, at most the budget.
        Assert.Equal(2504, CostModel.Estimate(Run(c => c.Data.Train = 1024), Unit).Steps);
        Assert.Equal(500 * 8, CostModel.Estimate(Run(c => c.Data.Train = 1024), Unit).MaxSteps);
        Assert.Equal(200, CostModel.Estimate(Run(c => { c.Data.Train = 100; c.Training.Epochs = 200; }), Unit).Steps);
        // Probe-stop: the floor plus two windows of evaluations, at most the budget; in-batch: 64 data per step.
        var ssl = Run(c => { c.Rule = "clapp"; c.Set("clapp-pairing", "in-batch"); c.Data.Train = 1024; c.Training.ProbeStop.Enabled = true; c.Training.ProbeStop.MinEpochs = 400; c.Training.ProbeStop.Window = 20; c.Training.ProbeStop.Data = 500; });
        Assert.Equal(16 * 800, CostModel.Estimate(ssl, Unit).Steps);
        Assert.Equal(16 * 1000, CostModel.Estimate(ssl, Unit).MaxSteps);
        Assert.Equal(16 * 123, CostModel.Estimate(ssl, Unit, epochsRun: 123).Steps);
        // Without a stopping rule the whole budget is run; triplets take 128 data per step.
        Assert.Equal(8 * 1000, CostModel.Estimate(Run(c => { c.Rule = "clapp"; c.Data.Train = 1024; }), Unit).Steps);
        // A CLAPP update of 128 anchors in-batch is cheaper than with triplets (1 row per anchor instead of 3).
        var triplets = CostModel.Estimate(Run(c => { c.Rule = "clapp"; c.Data.Train = 1024; }), Unit);
        var inBatch = CostModel.Estimate(Run(c => { c.Rule = "clapp"; c.Data.Train = 1024; c.Set("clapp-pairing", "in-batch"); }), Unit);
        Assert.InRange(inBatch.TrainFlops / inBatch.Steps / (triplets.TrainFlops / triplets.Steps), 0.3, 0.95);
    }

    [Fact]
    public void ProbesAndCheckpointsAddTheirWork()
    {
        var without = CostModel.Estimate(Run(c => { c.Rule = "clapp"; c.Data.Train = 512; }), Unit);
        var probes = CostModel.Estimate(Run(c => { c.Rule = "clapp"; c.Data.Train = 512; c.Evaluation.Probe = ProbeKind.Ridge; }), Unit);
        var checkpoints = CostModel.Estimate(Run(c => { c.Rule = "clapp"; c.Data.Train = 512; c.Training.EvalEvery = 10; }), Unit);
        Assert.True(probes.EvalFlops > without.EvalFlops);
        Assert.True(checkpoints.EvalFlops > 50 * without.EvalFlops / 2);
        Assert.Equal(without.TrainFlops, checkpoints.TrainFlops);
    }

    [Fact]
    public void ASearchIsPricedAtItsExpectedSizes()
    {
        var search = new PStarSearchOptions { Measure = "probe", Factor = 4, Ratio = 1.5 };
        // Start, one factor up, then bisections that alternate sides: [256, 1024] → 512 → [256, 512] → 362.
        Assert.Equal([256L, 1024, 512, 362], CostModel.ExpectedSearchSizes(256, 16, 16384, search));
        Assert.Equal([256L, 300], CostModel.ExpectedSearchSizes(256, 16, 300, search));
        var plan = SweepPlan.Parse("""
            { "grid": { "nmv": [4, 5], "seed": [1, 2, 3] }, "fixed": { "rule": "bp", "L": 3, "probe": "none" },
              "search": { "measure": "network" } }
            """);
        var estimate = PlanEstimate.Of(plan, Unit);
        Assert.True(estimate.Search);
        Assert.Equal(2 * 3 * 4, estimate.Runs.Count);
        Assert.Equal([256L, 362, 512, 1024], estimate.Runs.Where(r => r.Point.Config.Rhm.Nc == 4).Select(r => r.Point.Run.Train).Distinct().Order());
        Assert.Equal(estimate.CoreHours, estimate.RemainingCoreHours);
        var grid = PlanEstimate.Of(SweepPlanTests.Tiny("\"seed\": [1, 2, 3]"), Unit);
        Assert.False(grid.Search);
        Assert.Equal(3, grid.Runs.Count);
    }

    [Fact]
    public void DryRunsGiveRunsAndCoreHours()
    {
        // The test run's cache (TestCache) holds a calibration of this machine, so nothing is measured.
        using var tmp = new TempFolder("rhmlab-cost-");
        var r = Cli.Cli.Run("reproduce", "fig4", "--scale", "quick", "--dry-run", "--json", "--out", Path.Combine(tmp.Path, "results"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("calibrating", r.Stderr + r.Stdout);
        var o = (JsonObject)JsonNode.Parse(r.Stdout)!;
        Assert.Equal(40, (int)o["runs"]!);
        Assert.True((double)o["estimated_core_hours"]! > 0);
        Assert.Empty((JsonArray)o["calibration_warnings"]!);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "results", "pstar", "runs")));
        string plan = Path.Combine(tmp.Path, "plan.json");
        File.WriteAllText(plan, """{ "grid": { "seed": [1, 2] }, "fixed": { "nmv": 3, "L": 2, "train": 30, "test": 20, "width": 8, "epochs": 2 } }""");
        var s = Cli.Cli.Run("sweep", plan, "--out", Path.Combine(tmp.Path, "sweep"), "--dry-run", "--json");
        Assert.True(s.ExitCode == 0, s.ToString());
        var so = (JsonObject)JsonNode.Parse(s.Stdout)!;
        Assert.Equal(2, (int)so["runs"]!);
        Assert.True((double)so["estimated_core_hours"]! > 0);
        Assert.Equal(CostCalibration.CachePath(), (string)so["calibration_file"]!);
    }
}
