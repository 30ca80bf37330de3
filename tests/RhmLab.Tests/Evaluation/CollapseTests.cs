using RhmLab.Evaluation;
using RhmLab.Numerics;
using RhmLab.Rhm;

namespace RhmLab.Tests.Evaluation;

public class CollapseTests
{
    [Fact]
    public void ConstantRepresentationIsAllDeadWithFiniteRank()
    {
        var x = new float[50 * 7];
        Array.Fill(x, 0.1f);
        var stats = Collapse.Compute(x, 50, 7);
        Assert.Equal(7, stats.DeadUnits);
        Assert.Equal(1.0, stats.DeadFraction);
        Assert.Equal(0.0, stats.EffectiveRank);
        Assert.Equal(0.0, stats.TotalVariance);
        Assert.All(stats.UnitStd, s => Assert.Equal(0.0, s));
    }

    [Fact]
    public void IsotropicDataHasFullEffectiveRankAndRankOneDataHasOne()
    {
        var rng = new Rng(51);
        int n = 4000, d = 5;
        var iso = TestMatrices.Gaussian(rng, n * d);
        var stats = Collapse.Compute(iso, n, d);
        Assert.Equal(0, stats.DeadUnits);
        Assert.True(stats.EffectiveRank > 4.9 && stats.EffectiveRank <= 5.0, $"{stats.EffectiveRank}");

        var line = new double[n * d];
        for (int t = 0; t < n; t++)
        {
            double z = rng.NextGaussian();
            for (int j = 0; j < d; j++) line[t * d + j] = 2 + (j + 1) * z;
        }
        Assert.Equal(1.0, Collapse.Compute(line, n, d).EffectiveRank, 9);
    }

    [Fact]
    public void CountsOnlyTheDeadUnits()
    {
        var rng = new Rng(52);
        int n = 200, d = 4;
        var x = TestMatrices.Gaussian(rng, n * d);
        for (int t = 0; t < n; t++) x[t * d + 2] = 3.0 + 1e-9 * rng.NextGaussian();
        var stats = Collapse.Compute(x, n, d);
        Assert.Equal(1, stats.DeadUnits);
        Assert.Equal(0.25, stats.DeadFraction);
        Assert.True(stats.UnitStd[0] > 0.5);
    }

    [Fact]
    public void WideBatchesUseTheRowGramWithTheSameSpectrum()
    {
        var rng = new Rng(53);
        int n = 12, d = 30;
        var x = TestMatrices.Gaussian(rng, n * d, offset: 1);
        // Reference: the eigenvalues of the d×d covariance, computed directly.
        var mean = new double[d];
        for (int t = 0; t < n; t++) for (int j = 0; j < d; j++) mean[j] += x[t * d + j] / n;
        var cov = new double[d * d];
        for (int t = 0; t < n; t++)
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) cov[i * d + j] += (x[t * d + i] - mean[i]) * (x[t * d + j] - mean[j]);
        double expected = Collapse.EffectiveRank(LinearAlgebra.SymmetricEigenvalues(cov, d));
        var stats = Collapse.Compute(x, n, d);
        Assert.Equal(expected, stats.EffectiveRank, 9);
        Assert.True(stats.EffectiveRank < n); // at most n − 1 directions after centring
    }

    [Fact]
    public void EffectiveRankOfASpectrum()
    {
        Assert.Equal(4.0, Collapse.EffectiveRank(new double[] { 2, 2, 2, 2 }), 12);
        Assert.Equal(1.0, Collapse.EffectiveRank(new double[] { 5, 0, -1e-18 }), 12);
        Assert.Equal(0.0, Collapse.EffectiveRank(new double[] { 0, 0 }));
        Assert.Equal(Math.Exp(-(0.75 * Math.Log(0.75) + 0.25 * Math.Log(0.25))), Collapse.EffectiveRank(new double[] { 3, 1 }), 12);
    }
}
