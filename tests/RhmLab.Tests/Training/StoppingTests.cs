using RhmLab.Numerics;
using RhmLab.Experiments;
using RhmLab.Training;

namespace RhmLab.Tests.Training;

/// <summary>
/// Update budgets and the stopping rules as run options (probe-stop on validation data, objective-stop on the training
/// data alone): resolution, refusals, real runs that stop, and the data each run records having read.
/// </summary>
public sealed class StoppingTests
{
    private static ResolvedRun Resolve(Action<RunConfig> set)
    {
        var c = new RunConfig { Rhm = { Nc = 4, M = 4, V = 4, L = 2 }, Data = { Test = 50 }, Execution = { Blas = MatMulChoice.Managed } };
        set(c);
        return ResolvedRun.Resolve(c);
    }

    [Fact]
    public void UpdateBudgetGivesSmallTrainingSetsMoreEpochs()
    {
        // P = 64 at batch 128: one step per epoch, so 20 000 updates are 20 000 epochs; P = 192: 2 steps per epoch.
        Assert.Equal(20_000, Resolve(c => { c.Data.Train = 64; c.Training.Updates = 20_000; }).Epochs);
        Assert.Equal(10_000, Resolve(c => { c.Data.Train = 192; c.Training.Updates = 20_000; }).Epochs);
        // The epoch budget stays a floor: 1000 updates at 2 steps per epoch would be only 500 epochs.
        Assert.Equal(500, Resolve(c => { c.Data.Train = 192; c.Training.Updates = 1000; }).Epochs);
        Assert.Equal(700, Resolve(c => { c.Data.Train = 192; c.Training.Updates = 1000; c.Training.Epochs = 700; }).Epochs);
        // In-batch pairing takes B/2 data per step: 192 data are 3 steps of 64.
        Assert.Equal(3, Resolve(c => { c.Data.Train = 192; c.Rule = "clapp"; c.Set("clapp-pairing", "in-batch"); }).StepsPerEpoch);
        Assert.Equal(500, Resolve(c => { c.Data.Train = 192; c.Training.Updates = 1000; }).Epochs);
    }

    [Theory]
    [InlineData("ica", "on", 10, 20, "probe-stop: the ica rule fits its layers in one pass and has nothing to stop")]
    [InlineData("clapp", "on", 0, 20, "probe-stop-every: must be >= 1 (got 0)")]
    [InlineData("clapp", "on", 10, 0, "probe-stop-data: must be >= 1 (got 0)")]
    [InlineData("clapp", "on", 10, 107, "probe-stop-data: 107 validation data do not fit beside train + test = 150 in P_max = 256")]
    public void ProbeStopRefusesWhatItCannotDo(string rule, string stop, int every, int data, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => Resolve(c => { c.Rule = rule; c.Set("probe-stop", stop); c.Training.ProbeStop.Every = every; c.Training.ProbeStop.Data = data; c.Data.Train = 100; }));
        Assert.Equal(message, e.Message);
        Assert.Equal("updates: must be >= 1 (got 0)", Assert.Throws<ArgumentException>(() => Resolve(c => { c.Data.Train = 100; c.Training.Updates = 0; })).Message);
    }

    [Theory]
    [InlineData("clapp", "probe-stop-measure: network is for supervised rules, whose output is trained (clapp has a frozen readout; use probe)")]
    public void ProbeStopOnTheNetworkIsForSupervisedRules(string rule, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => Resolve(c => { c.Rule = rule; c.Training.ProbeStop.Enabled = true; c.Training.ProbeStop.OnNetwork = true; c.Training.ProbeStop.Data = 20; c.Data.Train = 100; }));
        Assert.Equal(message, e.Message);
        Assert.Equal("probe-stop-measure: applies only with probe-stop on",
            Assert.Throws<ArgumentException>(() => Resolve(c => { c.Data.Train = 100; c.Training.ProbeStop.OnNetwork = true; })).Message);
        // BP may stop on the same validation data, by its own error or its probe, so a validation-based comparison is fair.
        Assert.Equal(20, Resolve(c => { c.Data.Train = 100; c.Training.ProbeStop.Enabled = true; c.Training.ProbeStop.OnNetwork = true; c.Training.ProbeStop.Data = 20; }).ExtraDataRead);
        Assert.Equal(20, Resolve(c => { c.Data.Train = 100; c.Training.ProbeStop.Enabled = true; c.Training.ProbeStop.Data = 20; }).ExtraDataRead);
    }

    [Fact]
    public void ObjectiveStopRefusesItsConstantsWhenOffAndTheOnePassRule()
    {
        foreach (Action<RunConfig> set in new Action<RunConfig>[]
        {
            c => c.Training.ObjectiveStop.Every = 10, c => c.Training.ObjectiveStop.Window = 10, c => c.Training.ObjectiveStop.Tolerance = 0.5, c => c.Training.ObjectiveStop.MinUpdates = 1,
        })
        {
            var e = Assert.Throws<ArgumentException>(() => Resolve(c => { c.Rule = "clapp"; c.Data.Train = 100; set(c); }));
            Assert.Equal("objective-stop-every, -window, -tol, -min-updates: apply only with objective-stop on", e.Message);
        }
        Assert.Equal("objective-stop: the ica rule fits its layers in one pass and has no objective to follow",
            Assert.Throws<ArgumentException>(() => Resolve(c => { c.Rule = "ica"; c.Data.Train = 100; c.Training.ObjectiveStop.Enabled = true; })).Message);
        var run = Resolve(c => { c.Rule = "clapp"; c.Data.Train = 100; c.Training.ObjectiveStop.Enabled = true; c.Training.ObjectiveStop.Window = 300; });
        Assert.Equal(new ObjectiveStopOptions { Enabled = true, Every = 1000, Window = 300, Tolerance = 0.01, MinUpdates = 20000 }, run.TrainerSettings.Options.ObjectiveStop);
        Assert.Equal(0, run.ExtraDataRead);
        Assert.False(Resolve(c => c.Data.Train = 100).TrainerSettings.Options.ObjectiveStop.Enabled);
    }

    [Fact]
    public void ObjectiveStopEndsARunOnItsTrainingDataAloneAndRecordsWhy()
    {
        var run = Resolve(c =>
        {
            c.Rule = "clapp"; c.Data.Train = 128; c.Data.Test = 64; c.Training.Epochs = 3000; c.Training.EvalEvery = 0;
            c.Training.ObjectiveStop.Enabled = true; c.Training.ObjectiveStop.Every = 20; c.Training.ObjectiveStop.Window = 200; c.Training.ObjectiveStop.MinUpdates = 400;
        });
        var result = RunExecutor.Execute(run);
        Assert.Equal("objective-plateau", result.Outcome.StopReason);
        // One update per epoch (P = 128 at batch 128): the floor is 400 epochs and the run cannot stop before it.
        Assert.InRange(result.Outcome.Epochs.Count, 400, 2999);
        Assert.True(double.IsFinite(result.Outcome.Epochs[^1].Components["objective_block"]));
        var json = result.ToJson(curves: false);
        Assert.Equal("objective-plateau", (string?)json["stop_reason"]);
        Assert.Equal(0L, (long)json["extra_data_read"]!);
        // The run is the first epochs of the same run with no stopping rule: stopping reads and changes nothing.
        var full = RunExecutor.Execute(Resolve(c => { c.Rule = "clapp"; c.Data.Train = 128; c.Data.Test = 64; c.Training.Epochs = result.Outcome.Epochs.Count; c.Training.EvalEvery = 0; }));
        Assert.Equal(full.Outcome.Epochs[^1].TrainLoss, result.Outcome.Epochs[^1].TrainLoss);
        Assert.Equal(full.ProbeErrors, result.ProbeErrors);
    }

    [Fact]
    public void ValidationDataAreFreshAndLeaveTrainAndTestAlone()
    {
        var run = Resolve(c => { c.Data.Train = 100; });
        var grammar = RhmLab.Rhm.Grammar.Sample(run.Rhm, 1, run.Version);
        var split = RhmLab.Data.DataSplit.Sample(grammar, 100, 50, run.SamplingOptions);
        var again = RhmLab.Data.DataSplit.Sample(grammar, 100, 50, run.SamplingOptions);
        var v = RhmLab.Data.DataSplit.SampleDisjoint(grammar, split, 106, 1);
        Assert.Equal(106, v.Indices!.Distinct().Count());
        Assert.Empty(v.Indices!.Intersect(split.Train.Indices!.Concat(split.Test.Indices!)));
        Assert.Equal(split.Train.Indices, again.Train.Indices);
        // Every datum left: 256 − 150 = 106, so one more cannot be drawn.
        Assert.Throws<ArgumentException>(() => RhmLab.Data.DataSplit.SampleDisjoint(grammar, split, 107, 1));
    }

    [Fact]
    public void ProbeStopEndsARunEarlyAndRecordsWhy()
    {
        var run = Resolve(c =>
        {
            c.Rule = "clapp"; c.Rhm.Nc = 4; c.Rhm.M = 4; c.Rhm.V = 4; c.Rhm.L = 2; c.Data.Train = 128; c.Data.Test = 64; c.Training.Epochs = 2000;
            c.Training.ProbeStop.Enabled = true; c.Training.ProbeStop.Every = 5; c.Training.ProbeStop.Window = 4; c.Training.EvalEvery = 0; c.Training.ProbeStop.Data = 64;
        });
        var result = RunExecutor.Execute(run);
        Assert.Contains(result.Outcome.StopReason, new[] { "probe-converged", "probe-plateau" });
        Assert.True(result.Outcome.Epochs.Count < 2000);
        Assert.Equal(0, result.Outcome.Epochs.Count % 5);
        Assert.True(result.Outcome.Epochs[^1].Components.ContainsKey("probe_stop_error"));
        Assert.NotNull(result.Outcome.Epochs[^1].TestError);
        var json = result.ToJson(curves: false);
        Assert.Equal(result.Outcome.StopReason, (string?)json["stop_reason"]);
        Assert.Equal(64L, (long)json["extra_data_read"]!);
        Assert.Null(json["curves"]);
    }

    [Fact]
    public void ACompactRecordKeepsTheTestErrorAtItsCheckpoints()
    {
        var result = RunExecutor.Execute(Resolve(c => { c.Rule = "clapp"; c.Data.Train = 64; c.Training.Epochs = 12; c.Training.EvalEvery = 5; }));
        var compact = result.ToJson(curves: false);
        var epochs = compact["checkpoints"]!["epoch"]!.AsArray().Select(e => (double)e!).ToArray();
        Assert.Equal(new double[] { 5, 10, 12 }, epochs);
        Assert.Equal(result.TestError, (double)compact["checkpoints"]!["test_error"]!.AsArray()[^1]!);
        Assert.Null(result.ToJson(curves: true)["checkpoints"]);
        // Checkpoints counted in updates: P = 64 is one update per epoch, so every 3 updates is every 3 epochs.
        var byUpdates = RunExecutor.Execute(Resolve(c => { c.Rule = "clapp"; c.Data.Train = 64; c.Training.Epochs = 10; c.Training.EvalEvery = 0; c.Training.EvalEveryUpdates = 3; }));
        Assert.Equal(new double[] { 3, 6, 9, 10 }, byUpdates.ToJson(curves: false)["checkpoints"]!["epoch"]!.AsArray().Select(e => (double)e!).ToArray());
    }

    [Fact]
    public void ACompactRecordsCheckpointsAreItsLearningCurve()
    {
        // The records kept in the repository are compact: Figs. 3, 7 and 8 draw their learning curves from checkpoints.
        var result = RunExecutor.Execute(Resolve(c => { c.Data.Train = 64; c.Training.Epochs = 12; c.Training.EvalEvery = 5; }));
        var record = RhmLab.Analysis.RunRecord.Parse(result.ToJson(curves: false).ToJsonString(), "/x/result.json", "x");
        Assert.Equal(new double[] { 5, 10, 12 }, record.Curves!.Epoch);
        Assert.Equal(result.TestError, record.Curves.TestError[^1]);
        Assert.Equal(3, record.Curves.TrainLoss.Length);
        Assert.Empty(record.Curves.Lr);
        var figure = RhmLab.Analysis.Figures.FigureCatalog.Build("curves", [record], new RhmLab.Analysis.Figures.FigureOptions { Measure = RhmLab.Analysis.ErrorMeasure.Network });
        Assert.NotNull(figure);
    }

    [Fact]
    public void BpCanStopEarlyOnTheSameValidationData()
    {
        var run = Resolve(c =>
        {
            c.Data.Train = 128; c.Data.Test = 64; c.Training.Epochs = 2000; c.Training.StopLoss = 0; c.Training.EvalEvery = 0;
            c.Training.ProbeStop.Enabled = true; c.Training.ProbeStop.OnNetwork = true; c.Training.ProbeStop.Every = 5; c.Training.ProbeStop.Window = 4; c.Training.ProbeStop.Data = 64;
        });
        var result = RunExecutor.Execute(run);
        Assert.Contains(result.Outcome.StopReason, new[] { "probe-converged", "probe-plateau" });
        Assert.True(result.Outcome.Epochs.Count < 2000);
        Assert.Equal(64L, (long)result.ToJson(curves: false)["extra_data_read"]!);
    }
}
