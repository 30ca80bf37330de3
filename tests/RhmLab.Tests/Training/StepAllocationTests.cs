using RhmLab.Numerics;
using RhmLab.Evaluation;
using RhmLab.Experiments;
using RhmLab.Training;

namespace RhmLab.Tests.Training;

/// <summary>
/// A training step allocates nothing (Trainer's promise): the batches, activations, gradients and the rule's step
/// statistics live in buffers made up front. Measured through the real training loop: an epoch of many small batches
/// must allocate as much as an epoch of a few large ones, for every built-in rule.
/// </summary>
public sealed class StepAllocationTests
{
    private sealed class AllocationPerEpoch : ITrainingObserver
    {
        public List<long> Marks { get; } = [];
        public void OnEpoch(EpochLog log, int maxEpochs) => Marks.Add(GC.GetAllocatedBytesForCurrentThread());

        /// <summary>The least an epoch allocated, leaving out the first (buffers grow once) and the last (it evaluates).</summary>
        public long Least => Enumerable.Range(1, Marks.Count - 2).Min(i => Marks[i] - Marks[i - 1]);
    }

    private static (long Bytes, int Steps) EpochAllocation(string rule, int batch)
    {
        var run = ResolvedRun.Resolve(new RunConfig
        {
            Rule = rule, Rhm = { Nc = 4, M = 4, V = 4, L = 3 }, Data = { Train = 512, Test = 0 }, Network = { Width = 8 },
            Training = { Batch = batch, Epochs = 6, EvalEvery = 0, StopLoss = 0 }, Evaluation = { Probe = ProbeKind.None },
            Execution = { Blas = MatMulChoice.Managed, Threads = 1 },
        });
        var trainer = RunExecutor.CreateTrainer(run, RunExecutor.Provider(run.Config));
        var observer = new AllocationPerEpoch();
        trainer.Train(observer);
        int perStep = Trainer<float>.DataPerStep(trainer.Rule.Input, batch);
        return (observer.Least, (512 + perStep - 1) / perStep);
    }

    public static TheoryData<string> Rules()
    {
        var data = new TheoryData<string>();
        foreach (var r in RuleCatalog.All.Take(20)) data.Add(r.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void AStepAllocatesNothing(string rule)
    {
        var (few, fewSteps) = EpochAllocation(rule, 64);
        var (many, manySteps) = EpochAllocation(rule, 8);
        Assert.True(manySteps >= fewSteps + 48, $"{rule}: {manySteps} and {fewSteps} steps per epoch");
        // The smallest object takes 24 bytes: less than that per extra step means no step allocates.
        double perStep = (double)(many - few) / (manySteps - fewSteps);
        Assert.True(perStep < 24, $"{rule}: {perStep:F0} bytes per step ({many} bytes an epoch of {manySteps} steps, {few} of {fewSteps})");
    }
}
