using System.Text.Json.Nodes;
using RhmLab.Rhm;

namespace RhmLab.Analysis;

/// <summary>
/// Bootstrap over seeds of P* (docs/METHODS.md §4.3): resample the S seeds with replacement, recompute the mean curve and
/// its first crossing, and summarise the replicates by their median and 2.5–97.5 % interval, counting how many
/// were censored on each side.
/// </summary>
public sealed class PStarBootstrap
{
    /// <summary>Number of resamples.</summary>
    public int Resamples { get; init; }
    /// <summary>Median replicate.</summary>
    public PStarValue Median { get; init; }
    /// <summary>2.5 % quantile.</summary>
    public PStarValue Lower { get; init; }
    /// <summary>97.5 % quantile.</summary>
    public PStarValue Upper { get; init; }
    /// <summary>Replicates censored as "P* ≤ P_0".</summary>
    public int CensoredBelow { get; init; }
    /// <summary>Replicates censored as "P* &gt; P_last".</summary>
    public int CensoredAbove { get; init; }
    /// <summary>Every replicate, in draw order (a P*-vs-D* fit pairs replicates across configurations).</summary>
    public required PStarValue[] Replicates { get; init; }

    /// <summary>
    /// Runs <paramref name="resamples"/> resamples of the seed columns of <paramref name="curve"/>. The generator
    /// is seeded from <paramref name="seed"/> and <paramref name="stream"/> (the group's key), so a group's interval
    /// does not depend on which other groups were read.
    /// </summary>
    public static PStarBootstrap Run(SeedCurve curve, double threshold, int resamples, long seed, string stream)
    {
        if (resamples < 1) throw new ArgumentException($"--bootstrap must be >= 1 (got {resamples})");
        var rng = Rng.ForStream(seed, "pstar-bootstrap:" + stream);
        int s = curve.Seeds.Length;
        var cols = new int[s];
        var reps = new PStarValue[resamples];
        for (int b = 0; b < resamples; b++)
        {
            for (int i = 0; i < s; i++) cols[i] = rng.NextInt(s);
            reps[b] = PStarEstimator.FirstCrossing(curve.Ps, curve.MeanOfColumns(cols), threshold);
        }
        var keys = reps.Where(r => r.Censoring != Censoring.NoData).Select(r => r.SortKey).Order().ToArray();
        // Censoring bounds are the smallest and largest sizes that have data, as for the point estimate.
        var full = curve.Mean();
        var measured = curve.Ps.Where((_, i) => !double.IsNaN(full[i])).ToArray();
        double p0 = measured.Length > 0 ? measured[0] : double.NaN, pLast = measured.Length > 0 ? measured[^1] : double.NaN;
        return new PStarBootstrap
        {
            Resamples = resamples,
            Median = Quantile(keys, 0.5, p0, pLast),
            Lower = Quantile(keys, 0.025, p0, pLast),
            Upper = Quantile(keys, 0.975, p0, pLast),
            CensoredBelow = reps.Count(r => r.Censoring == Censoring.AtOrBelowFirst),
            CensoredAbove = reps.Count(r => r.Censoring == Censoring.AboveLast),
            Replicates = reps,
        };
    }

    /// <summary>
    /// Quantile of sorted log-P keys (±∞ for censored replicates): linear interpolation between the two nearest
    /// order statistics when both are values, else the nearer one, so a quantile that falls among censored
    /// replicates is reported as censored.
    /// </summary>
    internal static PStarValue Quantile(double[] sortedKeys, double q, double p0, double pLast)
    {
        if (sortedKeys.Length == 0) return PStarValue.None;
        double h = q * (sortedKeys.Length - 1);
        int lo = (int)Math.Floor(h), hi = (int)Math.Ceiling(h);
        double a = sortedKeys[lo], b = sortedKeys[hi];
        double key = double.IsFinite(a) && double.IsFinite(b) ? a + (h - lo) * (b - a) : (h - lo < 0.5 ? a : b);
        return key switch
        {
            double.NegativeInfinity => PStarValue.Below(p0),
            double.PositiveInfinity => PStarValue.Above(pLast),
            _ => PStarValue.Of(Math.Exp(key)),
        };
    }

    /// <summary>JSON summary (without the replicates).</summary>
    public JsonObject ToJson() => new()
    {
        ["resamples"] = Resamples,
        ["median"] = Median.ToJson(),
        ["lower_2_5"] = Lower.ToJson(),
        ["upper_97_5"] = Upper.ToJson(),
        ["censored_below"] = CensoredBelow,
        ["censored_above"] = CensoredAbove,
    };
}
