using RhmLab.Numerics;
using RhmLab.Experiments;
using RhmLab.Training;

namespace RhmLab.Tests.Training;

/// <summary>Learning-rate schedules and warm-up.</summary>
public class ScheduleTests
{
    [Fact]
    public void WarmupRisesLinearlyFromTheFirstEpochAndThenLeavesTheRateAlone()
    {
        Assert.Equal([0.25, 0.5, 0.75, 1, 1, 1], Enumerable.Range(0, 6).Select(e => Schedule.Warmup(e, 4)));
        Assert.All(Enumerable.Range(0, 5), e => Assert.Equal(1, Schedule.Warmup(e, 0)));
        Assert.All(Enumerable.Range(0, 5), e => Assert.Equal(1, Schedule.Warmup(e, 1)));
    }

    [Fact]
    public void CosineFallsToZeroAtEightyPercentOfTheEpochsAndStaysThere()
    {
        Assert.Equal(1.0, Schedule.Rate(ScheduleKind.Cosine, 1, 0, 100), 12);
        Assert.Equal(0.5, Schedule.Rate(ScheduleKind.Cosine, 1, 40, 100), 12);
        Assert.Equal(0.0, Schedule.Rate(ScheduleKind.Cosine, 1, 80, 100), 12);
        Assert.Equal(0.0, Schedule.Rate(ScheduleKind.Cosine, 1, 99, 100), 12);
        Assert.Equal(0.975 * 0.975, Schedule.Rate(ScheduleKind.Exponential, 1, 2, 100), 12);
    }

    [Fact]
    public void ATrainingRunLogsTheWarmedUpRateOfEachEpoch()
    {
        var config = new RunConfig { Rhm = { Nc = 3, M = 3, V = 3, L = 3 }, Data = { Train = 60, Test = 100 }, Network = { Width = 8 }, Training = { Epochs = 6, Lr = 0.2, LrWidthScaling = LrWidthScaling.Off, WarmupEpochs = 4 }, Execution = { Blas = MatMulChoice.Managed } };
        var result = RunExecutor.Execute(ResolvedRun.Resolve(config));
        Assert.Equal([0.05, 0.1, 0.15, 0.2, 0.2, 0.2], result.Outcome.Epochs.Select(e => Math.Round(e.LearningRate, 12)));
        // The option changes the run's identity only when it is used.
        Assert.NotEqual(RunHash.Of(config), RunHash.Of(new RunConfig { Rhm = { Nc = 3, M = 3, V = 3, L = 3 }, Data = { Train = 60, Test = 100 }, Network = { Width = 8 }, Training = { Epochs = 6, Lr = 0.2, LrWidthScaling = LrWidthScaling.Off }, Execution = { Blas = MatMulChoice.Managed } }));
    }
}
