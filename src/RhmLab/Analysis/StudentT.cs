namespace RhmLab.Analysis;

/// <summary>Student's t distribution: the quantile that an analytic confidence interval of a fitted slope needs.</summary>
public static class StudentT
{
    /// <summary>Cumulative distribution function with <paramref name="dof"/> degrees of freedom.</summary>
    public static double Cdf(double t, double dof)
    {
        if (dof <= 0) throw new ArgumentOutOfRangeException(nameof(dof));
        if (double.IsNaN(t)) return double.NaN;
        double x = dof / (dof + t * t);
        double tail = 0.5 * RegularizedBeta(x, dof / 2, 0.5);
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>The p-quantile, by bisection on <see cref="Cdf"/> (accurate to ~1e-12, ample for intervals).</summary>
    public static double Quantile(double p, double dof)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p));
        if (p == 0.5) return 0;
        double lo = -1, hi = 1;
        while (Cdf(lo, dof) > p) lo *= 2;
        while (Cdf(hi, dof) < p) hi *= 2;
        for (int i = 0; i < 200 && hi - lo > 1e-13 * Math.Max(1, Math.Abs(hi)); i++)
        {
            double mid = 0.5 * (lo + hi);
            if (Cdf(mid, dof) < p) lo = mid; else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /// <summary>Regularised incomplete beta I_x(a, b), by the continued fraction (modified Lentz).</summary>
    internal static double RegularizedBeta(double x, double a, double b)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double lnFront = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x);
        // The fraction converges fast only on this side; use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) otherwise.
        if (x > (a + 1) / (a + b + 2)) return 1 - Math.Exp(lnFront) * BetaFraction(1 - x, b, a) / b;
        return Math.Exp(lnFront) * BetaFraction(x, a, b) / a;
    }

    private static double BetaFraction(double x, double a, double b)
    {
        const double tiny = 1e-300;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        if (Math.Abs(d) < tiny) d = tiny;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 300; m++)
        {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + aa * d; if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + aa / c; if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d; h *= d * c;
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + aa * d; if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + aa / c; if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            double del = d * c;
            h *= del;
            if (Math.Abs(del - 1) < 1e-15) break;
        }
        return h;
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, n = 9).</summary>
    internal static double LogGamma(double x)
    {
        ReadOnlySpan<double> c =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        x -= 1;
        double s = c[0];
        for (int i = 1; i < 9; i++) s += c[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(s);
    }
}
