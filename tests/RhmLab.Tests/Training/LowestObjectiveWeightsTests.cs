using RhmLab.Experiments;
using RhmLab.Numerics;
using RhmLab.Training;

namespace RhmLab.Tests.Training;

/// <summary>
/// keep-weights lowest-objective on synthetic objectives and in real runs: the weights a run ends with are those at the
/// end of its lowest block, a run whose objective falls to its end keeps its last weights, and the option changes
/// nothing of the training itself.
/// </summary>
public sealed class LowestObjectiveWeightsTests
{
    private static readonly KeepWeightsOptions Options = new() { Keep = KeepWeights.LowestObjective, Every = 1000 };

    /// <summary>
    /// Feeds epochs of <paramref name="perEpoch"/> updates with loss f(updates at the epoch's end); before each epoch is
    /// observed, the one weight is set to the update count, so the kept weight says at which update it was copied.
    /// </summary>
    private static (KeptWeights? Kept, float Weight) Run(long perEpoch, long budget, Func<long, double> loss, bool lastMetStop = false)
    {
        // Two tensors, so that a restore that put back only the first would show.
        var w = new Parameter<float>("W1", new float[2], ParameterKind.Weight, 0);
        var b = new Parameter<float>("b1", new float[1], ParameterKind.Bias, 0);
        var keep = new LowestObjectiveWeights<float>(Options, [w, b]);
        long done;
        for (done = perEpoch; done <= budget; done += perEpoch)
        {
            w.Value[0] = done;
            w.Value[1] = -done;
            b.Value[0] = 2 * done;
            keep.Observe(done, perEpoch, loss(done));
        }
        var kept = keep.Finish(done - perEpoch, lastMetStop);
        Assert.Equal(-w.Value[0], w.Value[1]);
        Assert.Equal(2 * w.Value[0], b.Value[0]);
        return (kept, w.Value[0]);
    }

    [Fact]
    public void ARunThatLearnsAndThenLosesItEndsWithTheWeightsOfItsLowestBlock()
    {
        // Like CLAPP at L = 4, P = 3 888, seed 4: the objective falls from 5.8 to 3.75 by update 32 000, then jumps to
        // 6.7 and stays there until the stop.
        var (kept, weight) = Run(41, 60_000, u => u <= 32_000 ? 3.75 + 2.0 * Math.Exp(-u / 8000.0) : 6.7);
        Assert.NotNull(kept);
        Assert.True(kept!.Restored);
        // The lowest block is the last one that ends before the jump: its end is within one block of update 32 000.
        Assert.InRange(kept.Update, 31_000, 32_000);
        Assert.Equal(kept.Update, (long)weight);
        Assert.InRange(kept.Objective, 3.75, 3.8);
    }

    [Fact]
    public void ARunWhoseObjectiveFallsToItsEndKeepsItsLastWeights()
    {
        var (kept, weight) = Run(4, 40_000, u => 1 + Math.Exp(-u / 15000.0));
        Assert.False(kept!.Restored);
        Assert.Equal(40_000, kept.Update);
        Assert.Equal(40_000f, weight);
        // A short last block counts: 39 000 updates in blocks of 1 000 whose last epoch ends at 39 004 leave 4 updates
        // after the last full block; still falling, they are the lowest and nothing is put back.
        var (tail, w) = Run(4, 39_004, u => 1 + Math.Exp(-u / 15000.0));
        Assert.False(tail!.Restored);
        Assert.Equal(39_004f, w);
    }

    [Fact]
    public void OneLuckyEpochIsNotABlockAndANonFiniteBlockIsNeverLowest()
    {
        // Every block's mean is 2 except the third's, 1.5; inside the fifth block one epoch dips to 0.5 but its block
        // mean (about 1.9) stays above 1.5, so the third block's end is kept.
        var (kept, weight) = Run(100, 6000, u =>
            u is > 2000 and <= 3000 ? 1.5 : u == 4500 ? 0.5 : u > 5000 ? double.NaN : 2.0);
        Assert.Equal(3000, kept!.Update);
        Assert.Equal(3000f, weight);
        Assert.Null(Run(100, 3000, _ => double.NaN).Kept);
    }

    [Fact]
    public void AFlatObjectiveAndATrainLossStopKeepTheLastWeights()
    {
        // Every block alike: a tie keeps the later block, so nothing is put back.
        var (flat, w) = Run(100, 6000, _ => 4.0);
        Assert.False(flat!.Restored);
        Assert.Equal(6000f, w);
        // A last block whose mean (0.004) is above an earlier one's (0.002) but whose last epoch met the train-loss
        // stop: the weights that met it are kept.
        Func<long, double> loss = u => u <= 1000 ? 0.002 : u < 1400 ? 0.005 : 0.0009;
        var (stopped, ws) = Run(100, 1400, loss, lastMetStop: true);
        Assert.False(stopped!.Restored);
        Assert.Equal(1400, stopped.Update);
        Assert.Equal(1400f, ws);
        Assert.Equal((3 * 0.005 + 0.0009) / 4, stopped.Objective, 12);
        // Without the stop, the same objective puts the first block's weights back.
        Assert.Equal(1000f, Run(100, 1400, loss).Weight);
    }

    [Fact]
    public void TheOptionIsRefusedWhereItMeansNothingAndReadsNoExtraData()
    {
        static ResolvedRun Resolve(Action<RunConfig> set)
        {
            var c = new RunConfig { Rhm = { Nc = 4, M = 4, V = 4, L = 2 }, Data = { Train = 100, Test = 50 }, Execution = { Blas = MatMulChoice.Managed } };
            set(c);
            return ResolvedRun.Resolve(c);
        }
        Assert.Equal("keep-weights-every: applies only with keep-weights lowest-objective",
            Assert.Throws<ArgumentException>(() => Resolve(c => c.Training.KeepWeights.Every = 10)).Message);
        Assert.Equal("keep-weights: the ica rule fits its layers in one pass and has no objective to keep the lowest of",
            Assert.Throws<ArgumentException>(() => Resolve(c => { c.Rule = "ica"; c.Set("keep-weights", "lowest-objective"); })).Message);
        // The default leaves every earlier run's hash as it was.
        Assert.Equal(RunHash.Of(new RunConfig { Rule = "clapp" }), RunHash.Of(new RunConfig { Rule = "clapp", Training = { KeepWeights = new KeepWeightsOptions() } }));
        Assert.NotEqual(RunHash.Of(new RunConfig { Rule = "clapp" }), RunHash.Of(new RunConfig { Rule = "clapp", Training = { KeepWeights = Options } }));
    }

    [Theory]
    [InlineData("clapp", null)]
    [InlineData("bp", null)]
    [InlineData("bp", 1.0)]
    public void KeepingTheWeightsChangesNothingOfTheTrainingAndTheRecordSaysWhatWasKept(string rule, double? lr)
    {
        ResolvedRun Resolve(bool keep, int epochs = 60)
        {
            var c = new RunConfig { Rule = rule, Rhm = { Nc = 4, M = 4, V = 4, L = 2 }, Data = { Train = 128, Test = 64 }, Execution = { Blas = MatMulChoice.Managed } };
            c.Training.Epochs = epochs; c.Training.EvalEvery = 0; c.Training.StopLoss = 0; c.Training.Lr = lr;
            if (keep) { c.Training.KeepWeights.Keep = KeepWeights.LowestObjective; c.Training.KeepWeights.Every = 5; }
            return ResolvedRun.Resolve(c);
        }
        var last = RunExecutor.Execute(Resolve(false));
        var keep = RunExecutor.Execute(Resolve(true));
        Assert.Equal(last.Outcome.Epochs.Select(e => e.TrainLoss), keep.Outcome.Epochs.Select(e => e.TrainLoss));
        Assert.Null(last.Outcome.Kept);
        Assert.Null(last.ToJson(curves: false)["kept_weights"]);
        var kept = keep.Outcome.Kept!;
        var json = keep.ToJson(curves: false)["kept_weights"]!;
        Assert.Equal(kept.Update, (long)json["update"]!);
        Assert.Equal(kept.Restored, (bool)json["restored"]!);
        // The analysis reads it back, and the tidy table has it in a column (null for a run that kept its last weights).
        var records = new[] { keep, last }.Select((r, i) => RhmLab.Analysis.RunRecord.Parse(r.ToJson(curves: false).ToJsonString(), "result.json", $"run{i}")).ToArray();
        Assert.Equal(kept.Update, records[0].KeptWeightsUpdate);
        Assert.Equal(kept.Restored, records[0].KeptWeightsRestored);
        Assert.Null(records[1].KeptWeightsUpdate);
        Assert.Null(records[1].KeptWeightsRestored);
        var table = RhmLab.Analysis.TidyTable.Build(records);
        int column = table.Columns.Select(c => c.Name).ToList().IndexOf("kept_weights_update");
        Assert.Equal(kept.Update, table.Rows[0][column]);
        Assert.Null(table.Rows[^1][column]);
        Assert.Equal(kept.Restored, table.Rows[0][column + 1]);
        // One update per epoch (P = 128, batch 128): the kept block of 5 epochs has the lowest mean training loss (the
        // later of tied blocks).
        var losses = last.Outcome.Epochs.Select(e => e.TrainLoss).ToArray();
        var blocks = Enumerable.Range(0, 12).Select(b => losses.Skip(5 * b).Take(5).Average()).ToArray();
        int lowest = Array.LastIndexOf(blocks, blocks.Min());
        Assert.Equal(5L * (lowest + 1), kept.Update);
        Assert.Equal(blocks.Min(), kept.Objective, 9);
        Assert.Equal(lowest < 11, kept.Restored);
        // At a learning rate of 1, BP ends above its lowest block (measured: update 15), so the weights are put back.
        if (lr == 1.0) Assert.True(kept.Restored);
        // The kept run ends with, and is evaluated with, the weights it had after those updates: the same run cut there.
        var cut = RunExecutor.Execute(Resolve(false, (int)kept.Update));
        for (int k = 0; k < cut.Network!.Depth; k++)
        {
            Assert.Equal(cut.Network.Weights[k], keep.Network!.Weights[k]);
            Assert.Equal(cut.Network.Biases[k], keep.Network.Biases[k]);
        }
        Assert.Equal(cut.Network.Readout, keep.Network!.Readout);
        Assert.Equal(cut.ProbeErrors, keep.ProbeErrors);
        Assert.Equal(cut.NetworkTestError, keep.NetworkTestError);
        if (kept.Restored) Assert.NotEqual(last.ProbeErrors, keep.ProbeErrors);
    }
}
