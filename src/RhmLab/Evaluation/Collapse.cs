using System.Numerics;
using RhmLab.Numerics;

namespace RhmLab.Evaluation;

/// <summary>Collapse diagnostics of one representation over a batch (docs/METHODS.md §4.7).</summary>
public sealed class CollapseStats
{
    internal CollapseStats(double[] unitStd, int deadUnits, double effectiveRank, double totalVariance, int rows, double threshold)
    {
        UnitStd = unitStd;
        DeadUnits = deadUnits;
        EffectiveRank = effectiveRank;
        TotalVariance = totalVariance;
        Rows = rows;
        DeadThreshold = threshold;
    }

    /// <summary>Standard deviation of each unit over the rows (population, 1/N).</summary>
    public double[] UnitStd { get; }

    /// <summary>Units whose standard deviation is below <see cref="DeadThreshold"/>.</summary>
    public int DeadUnits { get; }

    /// <summary>Fraction of dead units.</summary>
    public double DeadFraction => UnitStd.Length == 0 ? 0 : (double)DeadUnits / UnitStd.Length;

    /// <summary>
    /// exp(H(λ̂)) with λ̂ the PCA eigenvalues normalised to sum to 1: between 1 (one direction) and the number of
    /// units (isotropic). 0 when the representation has no variance at all, where λ̂ is undefined.
    /// </summary>
    public double EffectiveRank { get; }

    /// <summary>Sum of the unit variances (the trace of the covariance).</summary>
    public double TotalVariance { get; }

    /// <summary>Rows the statistics were taken over.</summary>
    public int Rows { get; }

    /// <summary>The dead-unit threshold used (1e-6 by default).</summary>
    public double DeadThreshold { get; }
}

/// <summary>
/// Per-unit spread, dead units and effective rank of a frozen representation [rows, units]: the collapse flags
/// logged with every run, mainly for the non-contrastive local rules.
/// </summary>
public static class Collapse
{
    /// <summary>Diagnostics of float32 features [rows, cols].</summary>
    public static CollapseStats Compute(ReadOnlySpan<float> features, int rows, int cols, double deadThreshold = 1e-6,
        IMatMul? matMul = null) => ComputeCore(features, rows, cols, deadThreshold, matMul);

    /// <summary>Diagnostics of float64 features [rows, cols].</summary>
    public static CollapseStats Compute(ReadOnlySpan<double> features, int rows, int cols, double deadThreshold = 1e-6,
        IMatMul? matMul = null) => ComputeCore(features, rows, cols, deadThreshold, matMul);

    /// <summary>
    /// exp(−Σ p log p) of the eigenvalues normalised to sum to 1; negative rounding residue counts as 0, and an
    /// all-zero spectrum gives 0.
    /// </summary>
    public static double EffectiveRank(ReadOnlySpan<double> eigenvalues)
    {
        double total = 0;
        foreach (double l in eigenvalues) if (l > 0) total += l;
        if (!(total > 0)) return 0;
        double entropy = 0;
        foreach (double l in eigenvalues)
        {
            if (!(l > 0)) continue;
            double p = l / total;
            entropy -= p * Math.Log(p);
        }
        return Math.Exp(entropy);
    }

    private static CollapseStats ComputeCore<T>(ReadOnlySpan<T> x, int rows, int cols, double threshold, IMatMul? matMul)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rows <= 0) throw new ArgumentOutOfRangeException(nameof(rows), "need at least one row");
        if (cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), "need at least one unit");
        ProbeChecks.Features(x.Length, rows, cols);
        var mm = matMul ?? MatMulProviders.Default;
        var mean = CrossProducts.RefinedColumnMeans(x, rows, cols);
        var std = new double[cols];
        for (int r = 0; r < rows; r++)
        {
            var src = x.Slice(r * cols, cols);
            for (int j = 0; j < cols; j++)
            {
                double d = double.CreateTruncating(src[j]) - mean[j];
                std[j] += d * d;
            }
        }
        double total = 0;
        int dead = 0;
        for (int j = 0; j < cols; j++)
        {
            total += std[j] / rows;
            std[j] = Math.Sqrt(std[j] / rows);
            if (std[j] < threshold) dead++;
        }
        double effRank = 0;
        if (total > 0)
        {
            // The non-zero PCA spectrum is shared by XcᵀXc and Xc·Xcᵀ: decompose the smaller one.
            double[] g;
            int m;
            if (cols <= rows)
            {
                g = CrossProducts.CentredXtXDouble(x, rows, cols, mean, mm);
                m = cols;
            }
            else
            {
                var xc = new double[rows * cols];
                CrossProducts.Centre(x, rows, cols, mean, xc.AsSpan());
                g = new double[rows * rows];
                CrossProducts.XXt<double>(xc, rows, cols, g, mm);
                m = rows;
            }
            effRank = EffectiveRank(LinearAlgebra.SymmetricEigenvalues(g, m));
        }
        return new CollapseStats(std, dead, effRank, total, rows, threshold);
    }
}
