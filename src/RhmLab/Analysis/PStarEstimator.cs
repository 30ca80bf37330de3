namespace RhmLab.Analysis;

/// <summary>
/// P* from a mean error curve (docs/METHODS.md §4.3): the first training-set size whose mean error is at or below the
/// threshold, interpolated linearly in log P between the two bracketing sizes. The first crossing is used even
/// when the curve later rises again, so a noisy non-monotone curve gives the earliest size that reached threshold.
/// </summary>
public static class PStarEstimator
{
    /// <summary>
    /// P* of the curve (<paramref name="ps"/> ascending, <paramref name="errors"/> its mean errors; NaN points are
    /// skipped). "P* ≤ P_0" when the first point is already at threshold; "P* &gt; P_last" without a crossing.
    /// </summary>
    public static PStarValue FirstCrossing(ReadOnlySpan<double> ps, ReadOnlySpan<double> errors, double threshold)
    {
        if (ps.Length != errors.Length) throw new ArgumentException("sizes and errors differ in length");
        int prev = -1;
        for (int j = 0; j < ps.Length; j++)
        {
            if (j > 0 && !(ps[j] > ps[j - 1])) throw new ArgumentException("training-set sizes must be strictly ascending");
            if (double.IsNaN(errors[j])) continue;
            if (errors[j] <= threshold)
            {
                if (prev < 0) return PStarValue.Below(ps[j]);
                double e0 = errors[prev], e1 = errors[j];
                double lp0 = Math.Log(ps[prev]), lp1 = Math.Log(ps[j]);
                double logP = lp0 + (e0 - threshold) / (e0 - e1) * (lp1 - lp0);
                return PStarValue.Of(Math.Exp(logP));
            }
            prev = j;
        }
        return prev < 0 ? PStarValue.None : PStarValue.Above(ps[prev]);
    }
}
