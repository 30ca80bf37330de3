using RhmLab.Experiments;

namespace RhmLab.Tests.Training;

/// <summary>Update budgets and the probe-stop criterion as run options: resolution, refusals, and a real run that stops.</summary>
public sealed class StoppingTests
{
    private static ResolvedRun Resolve(Action<RunConfig> set)
    {
        var c = new RunConfig { Nc = 4, M = 4, V = 4, L = 2, Test = 50, Blas = "managed" };
        set(c);
        return ResolvedRun.Resolve(c);
    }

    [Fact]
    public void UpdateBudgetGivesSmallTrainingSetsMoreEpochs()
    {
        // P = 64 at batch 128: one step per epoch, so 20 000 updates are 20 000 epochs; P = 192: 2 steps per epoch.
        Assert.Equal(20_000, Resolve(c => { c.Train = 64; c.Updates = 20_000; }).Epochs);
        Assert.Equal(10_000, Resolve(c => { c.Train = 192; c.Updates = 20_000; }).Epochs);
        // The epoch budget stays a floor: 1000 updates at 2 steps per epoch would be only 500 epochs.
        Assert.Equal(500, Resolve(c => { c.Train = 192; c.Updates = 1000; }).Epochs);
        Assert.Equal(700, Resolve(c => { c.Train = 192; c.Updates = 1000; c.Epochs = 700; }).Epochs);
        // In-batch pairing takes B/2 data per step: 192 data are 3 steps of 64.
        Assert.Equal(3, Resolve(c => { c.Train = 192; c.Rule = "clapp"; c.ClappPairing = "in-batch"; }).StepsPerEpoch);
        Assert.Equal(500, Resolve(c => { c.Train = 192; c.Updates = 1000; }).Epochs);
    }

    [Theory]
    [InlineData("bp", "on", 10, 20, "probe-stop: the bp rule is measured by its own output and stops on its train loss (stop-loss); probe-stop is for self-supervised rules")]
    [InlineData("clapp", "on", 0, 20, "probe-stop-every: must be >= 1 (got 0)")]
    [InlineData("clapp", "on", 10, 0, "probe-stop-data: must be >= 1 (got 0)")]
    [InlineData("clapp", "on", 10, 107, "probe-stop-data: 107 validation data do not fit beside train + test = 150 in P_max = 256")]
    public void ProbeStopRefusesWhatItCannotDo(string rule, string stop, int every, int data, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => Resolve(c => { c.Rule = rule; c.ProbeStop = stop; c.ProbeStopEvery = every; c.ProbeStopData = data; c.Train = 100; }));
        Assert.Equal(message, e.Message);
        Assert.Equal("updates: must be >= 1 (got 0)", Assert.Throws<ArgumentException>(() => Resolve(c => { c.Train = 100; c.Updates = 0; })).Message);
    }

    [Fact]
    public void ValidationDataAreFreshAndLeaveTrainAndTestAlone()
    {
        var run = Resolve(c => { c.Train = 100; });
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
            c.Rule = "clapp"; c.Nc = 4; c.M = 4; c.V = 4; c.L = 2; c.Train = 128; c.Test = 64; c.Epochs = 2000;
            c.ProbeStop = "on"; c.ProbeStopEvery = 5; c.ProbeStopWindow = 4; c.EvalEvery = 0; c.ProbeStopData = 64;
        });
        var result = RunExecutor.Execute(run);
        Assert.Contains(result.Outcome.StopReason, new[] { "probe-converged", "probe-plateau" });
        Assert.True(result.Outcome.Epochs.Count < 2000);
        Assert.Equal(0, result.Outcome.Epochs.Count % 5);
        Assert.True(result.Outcome.Epochs[^1].Components.ContainsKey("probe_stop_error"));
        Assert.NotNull(result.Outcome.Epochs[^1].TestError);
        var json = result.ToJson(curves: false);
        Assert.Equal(result.Outcome.StopReason, (string?)json["stop_reason"]);
        Assert.Null(json["curves"]);
    }
}
