using System.Text.Json.Nodes;
using RhmLab.IO;

namespace RhmLab.Analysis;

/// <summary>
/// Least-squares fit of log y = log C + b·log x (docs/METHODS.md §4.4: log P* against log D*), with the analytic 95 %
/// interval of the slope from Student's t, and C₁, the constant when the slope is held at 1 (the BP law
/// P* ≈ C·n_c·m^L).
/// </summary>
public sealed class LogLogFit
{
    /// <summary>Number of points.</summary>
    public int Points { get; init; }
    /// <summary>Slope b.</summary>
    public double Slope { get; init; } = double.NaN;
    /// <summary>Lower end of the analytic 95 % interval of b (NaN with fewer than 3 points).</summary>
    public double SlopeLow { get; init; } = double.NaN;
    /// <summary>Upper end of the analytic 95 % interval of b.</summary>
    public double SlopeHigh { get; init; } = double.NaN;
    /// <summary>Standard error of b.</summary>
    public double SlopeStdError { get; init; } = double.NaN;
    /// <summary>C = exp(intercept).</summary>
    public double C { get; init; } = double.NaN;
    /// <summary>C₁ = exp(mean(log y − log x)): the constant at slope 1.</summary>
    public double COne { get; init; } = double.NaN;
    /// <summary>Coefficient of determination of the log-log fit.</summary>
    public double R2 { get; init; } = double.NaN;

    /// <summary>Fits positive <paramref name="xs"/>, <paramref name="ys"/>.</summary>
    public static LogLogFit Fit(IReadOnlyList<double> xs, IReadOnlyList<double> ys)
    {
        if (xs.Count != ys.Count) throw new ArgumentException("x and y differ in length");
        int n = xs.Count;
        if (n == 0) return new LogLogFit();
        var lx = xs.Select(x => Math.Log(x)).ToArray();
        var ly = ys.Select(y => Math.Log(y)).ToArray();
        double cOne = Math.Exp(ly.Zip(lx, (y, x) => y - x).Average());
        if (n < 2) return new LogLogFit { Points = n, COne = cOne };
        double mx = lx.Average(), my = ly.Average();
        double sxx = 0, sxy = 0, syy = 0;
        for (int i = 0; i < n; i++)
        {
            sxx += (lx[i] - mx) * (lx[i] - mx);
            sxy += (lx[i] - mx) * (ly[i] - my);
            syy += (ly[i] - my) * (ly[i] - my);
        }
        // All points at one D*: the slope is undefined, but C₁ still summarises them.
        if (sxx <= 1e-300) return new LogLogFit { Points = n, COne = cOne };
        double b = sxy / sxx, a = my - b * mx;
        double sse = 0;
        for (int i = 0; i < n; i++) { double r = ly[i] - a - b * lx[i]; sse += r * r; }
        double se = double.NaN, lo = double.NaN, hi = double.NaN;
        if (n > 2)
        {
            se = Math.Sqrt(sse / (n - 2) / sxx);
            double t = StudentT.Quantile(0.975, n - 2);
            lo = b - t * se;
            hi = b + t * se;
        }
        return new LogLogFit
        {
            Points = n, Slope = b, SlopeLow = lo, SlopeHigh = hi, SlopeStdError = se, C = Math.Exp(a), COne = cOne,
            R2 = syy > 0 ? 1 - sse / syy : 1,
        };
    }

    /// <summary>JSON form.</summary>
    public JsonObject ToJson() => new()
    {
        ["points"] = Points,
        ["slope"] = Json.Num(Slope),
        ["slope_ci95_analytic"] = new JsonArray(Json.Num(SlopeLow), Json.Num(SlopeHigh)),
        ["slope_std_error"] = Json.Num(SlopeStdError),
        ["C"] = Json.Num(C),
        ["C_at_slope_1"] = Json.Num(COne),
        ["r2"] = Json.Num(R2),
    };
}
