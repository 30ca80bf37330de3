using RhmLab.Evaluation;
using RhmLab.Rhm;

namespace RhmLab.Tests.Evaluation;

public class LogisticProbeTests
{
    /// <summary>Gaussian blobs around well-separated class centres, with a large offset that standardisation removes.</summary>
    private static (float[] X, int[] Y) Blobs(ulong seed, int rows, int cols, int classes)
    {
        var rng = new Rng(seed);
        var centres = new double[classes * cols];
        for (int i = 0; i < centres.Length; i++) centres[i] = 4 * rng.NextGaussian();
        var x = new float[rows * cols];
        var y = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            y[r] = r % classes;
            for (int j = 0; j < cols; j++) x[r * cols + j] = (float)(100 + centres[y[r] * cols + j] + 0.5 * rng.NextGaussian());
        }
        return (x, y);
    }

    [Fact]
    public void ReachesZeroTrainingErrorOnSeparableData()
    {
        var (x, y) = Blobs(31, 300, 8, 3);
        var probe = LogisticProbe.Fit(x, 300, 8, y, 3, new LogisticOptions { Seed = 1 });
        Assert.Equal(0.0, probe.Error(x, 300, y));
        var (xt, yt) = Blobs(31, 90, 8, 3); // same centres, fresh noise
        Assert.Equal(0.0, probe.Error(xt, 90, yt));
    }

    [Fact]
    public void StopsOnceTheEpochLossIsBelowTheTarget()
    {
        // A larger step than the default so that the loss target is reached within a few hundred steps.
        var (x, y) = Blobs(31, 300, 8, 3);
        var probe = LogisticProbe.Fit(x, 300, 8, y, 3, new LogisticOptions { Seed = 1, LearningRate = 0.02 });
        Assert.True(probe.Converged, $"stopped after {probe.Epochs} epochs at loss {probe.EpochLoss}");
        Assert.True(probe.Epochs < 500);
        Assert.True(probe.EpochLoss < 1e-3);
        Assert.True(probe.TrainLoss < 1e-3);
        var again = LogisticProbe.Fit(x, 300, 8, y, 3, new LogisticOptions { Seed = 1, LearningRate = 0.02, MaxEpochs = probe.Epochs - 1 });
        Assert.False(again.Converged);
        Assert.True(again.EpochLoss >= 1e-3);
    }

    [Fact]
    public void IsDeterministicForASeedAndDependsOnIt()
    {
        var (x, y) = Blobs(32, 200, 6, 4);
        var options = new LogisticOptions { Seed = 7, MaxEpochs = 5 };
        var a = LogisticProbe.Fit(x, 200, 6, y, 4, options);
        var b = LogisticProbe.Fit(x, 200, 6, y, 4, options);
        var c = LogisticProbe.Fit(x, 200, 6, y, 4, options with { Seed = 8 });
        var sa = new double[200 * 4];
        var sb = new double[200 * 4];
        var sc = new double[200 * 4];
        a.Scores(x, 200, sa);
        b.Scores(x, 200, sb);
        c.Scores(x, 200, sc);
        Assert.Equal(sa, sb);
        Assert.NotEqual(sa, sc);
        Assert.Equal(5, a.Epochs);
        Assert.Equal(a.TrainLoss, b.TrainLoss);
    }

    [Fact]
    public void SgdWithMomentumAlsoSeparates()
    {
        var (x, y) = Blobs(33, 240, 5, 3);
        var probe = LogisticProbe.Fit(x, 240, 5, y, 3,
            new LogisticOptions { Optimizer = LogisticOptimizer.SgdMomentum, LearningRate = 0.05, MaxEpochs = 100, BatchSize = 32 });
        Assert.Equal(0.0, probe.Error(x, 240, y));
    }

    [Fact]
    public void ZeroEpochsLeavesTheInitialisationAndReportsNoConvergence()
    {
        var (x, y) = Blobs(34, 50, 4, 2);
        var probe = LogisticProbe.Fit(x, 50, 4, y, 2, new LogisticOptions { MaxEpochs = 0 });
        Assert.Equal(0, probe.Epochs);
        Assert.False(probe.Converged);
        Assert.True(probe.TrainLoss > 0.05);
    }

    [Fact]
    public void BatchOfOneAndConstantFeaturesAreHandled()
    {
        var x = new double[] { 1, 5, 1, 5, 2, 5, 2, 5 }; // second feature constant: std floored, no NaN
        var y = new[] { 0, 0, 1, 1 };
        var probe = LogisticProbe.Fit(x, 4, 2, y, 2, new LogisticOptions { BatchSize = 1, MaxEpochs = 300, LearningRate = 0.05 });
        Assert.Equal(0.0, probe.Error(x, 4, y));
        Assert.False(double.IsNaN(probe.TrainLoss));
    }
}
