using RhmLab.Analysis;

namespace RhmLab.Tests.Analysis;

/// <summary>P* from a mean curve: the docs/METHODS.md §4.3 interpolation, first crossing, censoring.</summary>
public class PStarEstimatorTests
{
    private static readonly double[] Ps = [100, 200, 400, 800];

    [Fact]
    public void CrossingIsTheLogPInterpolationOfSection43()
    {
        double[] errors = [0.6, 0.3, 0.05, 0.01];
        var p = PStarEstimator.FirstCrossing(Ps, errors, 0.075);
        Assert.Equal(Censoring.None, p.Censoring);
        // log P* = log P1 + (e1 − ε*)/(e1 − e2)·(log P2 − log P1) = log 200 + 0.9·log 2.
        double expected = Math.Exp(Math.Log(200) + (0.3 - 0.075) / (0.3 - 0.05) * (Math.Log(400) - Math.Log(200)));
        Assert.Equal(expected, p.Value, 9);
        Assert.Equal(200 * Math.Pow(2, 0.9), p.Value, 9);
    }

    [Fact]
    public void AValueExactlyAtThresholdCountsAsCrossed()
    {
        var p = PStarEstimator.FirstCrossing(Ps, [0.5, 0.1, 0.05, 0.0], 0.1);
        Assert.Equal(200, p.Value, 9);
    }

    [Fact]
    public void NonMonotoneCurveUsesTheFirstCrossing()
    {
        // Crosses between 100 and 200, rises above threshold at 400, crosses again before 800.
        var p = PStarEstimator.FirstCrossing(Ps, [0.5, 0.05, 0.3, 0.01], 0.1);
        double expected = Math.Exp(Math.Log(100) + (0.5 - 0.1) / (0.5 - 0.05) * Math.Log(2));
        Assert.Equal(expected, p.Value, 9);
    }

    [Fact]
    public void AlreadyBelowAtTheFirstSizeIsCensoredBelow()
    {
        var p = PStarEstimator.FirstCrossing(Ps, [0.05, 0.02, 0.01, 0.0], 0.1);
        Assert.Equal(Censoring.AtOrBelowFirst, p.Censoring);
        Assert.Equal(100, p.Bound);
        Assert.True(double.IsNaN(p.Value));
        Assert.Equal("≤ 100", p.ToString());
    }

    [Fact]
    public void NeverBelowIsCensoredAboveTheLastSize()
    {
        var p = PStarEstimator.FirstCrossing(Ps, [0.6, 0.5, 0.4, 0.2], 0.1);
        Assert.Equal(Censoring.AboveLast, p.Censoring);
        Assert.Equal(800, p.Bound);
        Assert.Equal("> 800", p.ToString());
    }

    [Fact]
    public void MissingPointsAreSkipped()
    {
        // The bracketing points are 100 and 400 when 200 has no data; the upper bound is the last measured size.
        var p = PStarEstimator.FirstCrossing(Ps, [0.3, double.NaN, 0.0, 0.0], 0.15);
        Assert.Equal(Math.Exp(Math.Log(100) + 0.5 * Math.Log(4)), p.Value, 9);
        var q = PStarEstimator.FirstCrossing(Ps, [0.6, 0.5, 0.4, double.NaN], 0.1);
        Assert.Equal(PStarValue.Above(400), q);
        Assert.Equal(Censoring.NoData, PStarEstimator.FirstCrossing(Ps, [double.NaN, double.NaN, double.NaN, double.NaN], 0.1).Censoring);
    }

    [Fact]
    public void UnsortedSizesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => PStarEstimator.FirstCrossing([200.0, 100.0], [0.5, 0.0], 0.1));
    }
}
