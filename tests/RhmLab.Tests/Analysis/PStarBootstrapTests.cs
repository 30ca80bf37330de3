using RhmLab.Analysis;

namespace RhmLab.Tests.Analysis;

/// <summary>Bootstrap over seeds: deterministic for a seed, interval around the estimate, censoring counts.</summary>
public class PStarBootstrapTests
{
    private static RunRecord Run(long p, long seed, double error, bool diverged = false) => new()
    {
        Path = $"/x/{p}-{seed}", RunId = $"{p}-{seed}", Rule = "bp", Nc = 4, M = 4, V = 4, S = 2, L = 2, Train = p, Seed = seed,
        ProbeErrors = [0.5, error], ChanceError = 0.75, SampleScale = 64, DStar = 64, Diverged = diverged,
    };

    /// <summary>Five seeds whose curves cross the threshold 0.075 at different sizes.</summary>
    private static SeedCurve NoisyCurve()
    {
        var runs = new List<RunRecord>();
        long[] ps = [32, 64, 128, 256, 512];
        double[] shift = [-0.04, -0.02, 0, 0.02, 0.05];
        for (int s = 0; s < 5; s++)
            for (int i = 0; i < ps.Length; i++)
                runs.Add(Run(ps[i], s + 1, Math.Clamp(0.3 - 0.1 * i + shift[s], 0, 0.75)));
        return SeedCurve.Build(runs, ErrorMeasure.Probe);
    }

    [Fact]
    public void SameSeedGivesTheSameReplicates()
    {
        var curve = NoisyCurve();
        var a = PStarBootstrap.Run(curve, 0.075, 300, seed: 7, stream: "g");
        var b = PStarBootstrap.Run(curve, 0.075, 300, seed: 7, stream: "g");
        Assert.Equal(a.Replicates, b.Replicates);
        Assert.Equal(a.Lower, b.Lower);
        Assert.Equal(a.Upper, b.Upper);
        var c = PStarBootstrap.Run(curve, 0.075, 300, seed: 8, stream: "g");
        Assert.NotEqual(a.Replicates, c.Replicates);
    }

    [Fact]
    public void IntervalContainsThePointEstimate()
    {
        var curve = NoisyCurve();
        var estimate = PStarEstimator.FirstCrossing(curve.Ps, curve.Mean(), 0.075);
        Assert.True(estimate.IsValue);
        var b = PStarBootstrap.Run(curve, 0.075, 1000, seed: 0, stream: "g");
        Assert.Equal(1000, b.Resamples);
        Assert.True(b.Lower.IsValue && b.Upper.IsValue && b.Median.IsValue);
        Assert.True(b.Lower.Value <= estimate.Value && estimate.Value <= b.Upper.Value, $"{b.Lower} ≤ {estimate} ≤ {b.Upper}");
        Assert.True(b.Lower.Value < b.Upper.Value);
        Assert.Equal(0, b.CensoredBelow + b.CensoredAbove);
    }

    [Fact]
    public void CensoredResamplesAreCounted()
    {
        // Never below threshold: every resample is censored above, and so are the quantiles.
        var runs = new[] { 32L, 64, 128 }.SelectMany(p => Enumerable.Range(1, 4).Select(s => Run(p, s, 0.5 - s * 0.01))).ToList();
        var b = PStarBootstrap.Run(SeedCurve.Build(runs, ErrorMeasure.Probe), 0.075, 200, 0, "g");
        Assert.Equal(200, b.CensoredAbove);
        Assert.Equal(PStarValue.Above(128), b.Median);
        Assert.Equal(PStarValue.Above(128), b.Lower);

        // One seed of four is at zero error everywhere; the others cross at 128. A resample holding that seed at
        // least twice is already below threshold at 32 (probability 0.26), so the lower quantile is censored.
        var mixed = new List<RunRecord>();
        double[] others = [0.14, 0.1, 0.04];
        for (int s = 1; s <= 4; s++)
            foreach (var (p, i) in new[] { (32L, 0), (64L, 1), (128L, 2) })
                mixed.Add(Run(p, s, s == 1 ? 0.0 : others[i]));
        var m = PStarBootstrap.Run(SeedCurve.Build(mixed, ErrorMeasure.Probe), 0.075, 500, 0, "g");
        Assert.InRange(m.CensoredBelow, 80, 180);
        Assert.Equal(0, m.CensoredAbove);
        Assert.Equal(Censoring.AtOrBelowFirst, m.Lower.Censoring);
        Assert.True(m.Upper.IsValue);
    }

    [Fact]
    public void DivergedRunWithoutErrorCountsAtChance()
    {
        var runs = new List<RunRecord> { Run(32, 1, 0.1), Run(32, 2, double.NaN, diverged: true), Run(32, 3, double.NaN) };
        var curve = SeedCurve.Build(runs, ErrorMeasure.Probe);
        Assert.Equal(1, curve.DivergedAtChance);
        Assert.Equal(1, curve.Missing);
        Assert.Equal((0.1 + 0.75) / 2, curve.Mean()[0], 12);
    }
}
