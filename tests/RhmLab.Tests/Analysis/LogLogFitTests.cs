using RhmLab.Analysis;

namespace RhmLab.Tests.Analysis;

/// <summary>The P*-vs-D* fit and the t quantile behind its interval.</summary>
public class LogLogFitTests
{
    [Fact]
    public void RecoversSlopeOneAndC()
    {
        double[] d = [54, 128, 250, 432, 1024];
        var fit = LogLogFit.Fit(d, d.Select(x => 2.5 * x).ToList());
        Assert.Equal(1.0, fit.Slope, 10);
        Assert.Equal(2.5, fit.C, 9);
        Assert.Equal(2.5, fit.COne, 9);
        Assert.Equal(1.0, fit.R2, 10);
        Assert.Equal(1.0, fit.SlopeLow, 8);
        Assert.Equal(1.0, fit.SlopeHigh, 8);
    }

    [Fact]
    public void NoisyPointsGiveAnIntervalAroundTheTrueSlope()
    {
        double[] d = [54, 128, 250, 432, 1024, 2000];
        double[] noise = [1.1, 0.92, 1.05, 0.97, 1.08, 0.95];
        var fit = LogLogFit.Fit(d, d.Select((x, i) => 3.0 * Math.Pow(x, 1.2) * noise[i]).ToList());
        Assert.InRange(fit.Slope, 1.1, 1.3);
        Assert.True(fit.SlopeLow < 1.2 && 1.2 < fit.SlopeHigh, $"[{fit.SlopeLow}, {fit.SlopeHigh}]");
        Assert.InRange(fit.C, 2.0, 4.5);
    }

    [Fact]
    public void TwoPointsHaveNoAnalyticInterval()
    {
        var fit = LogLogFit.Fit([10.0, 100.0], [20.0, 400.0]);
        Assert.Equal(Math.Log(20) / Math.Log(10), fit.Slope, 10);
        Assert.True(double.IsNaN(fit.SlopeLow));
    }

    [Fact]
    public void OneDStarHasNoSlopeButAConstant()
    {
        var fit = LogLogFit.Fit([64.0, 64.0], [128.0, 512.0]);
        Assert.True(double.IsNaN(fit.Slope));
        Assert.Equal(4.0, fit.COne, 10);
    }

    [Theory]
    [InlineData(1, 12.706204736)]
    [InlineData(2, 4.302652730)]
    [InlineData(10, 2.228138852)]
    [InlineData(1000, 1.962339081)]
    public void StudentQuantileMatchesTables(double dof, double expected)
    {
        Assert.Equal(expected, StudentT.Quantile(0.975, dof), 6);
        Assert.Equal(-expected, StudentT.Quantile(0.025, dof), 6);
    }
}
