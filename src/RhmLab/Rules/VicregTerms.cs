using System.Numerics;
using System.Numerics.Tensors;
using RhmLab.Numerics;

namespace RhmLab.Rules;

/// <summary>
/// The statistics terms of the non-contrastive losses (docs/METHODS.md §3.9, §3.10) on a batch of N rows of
/// dimension n, with their gradients added into a gradient buffer. Centring by the batch mean: whether the mean is
/// detached does not change these gradients, since Σ_μ (z_μ − z̄) = 0.
/// </summary>
public sealed class VicregTerms<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>ε inside the square root of VICReg's standard deviation and LPL's logarithm.</summary>
    public const double Epsilon = 1e-4;

    private readonly IMatMul _mm;
    private readonly int _dim;
    private readonly T[] _centered, _cov, _tmp;
    private readonly double[] _mean, _var;

    /// <summary>Creates the terms for rows of dimension <paramref name="dim"/>, at most <paramref name="maxRows"/> rows.</summary>
    public VicregTerms(IMatMul matMul, int dim, int maxRows)
    {
        _mm = matMul ?? throw new ArgumentNullException(nameof(matMul));
        _dim = dim;
        _centered = new T[maxRows * dim];
        _cov = new T[dim * dim];
        _tmp = new T[maxRows * dim];
        _mean = new double[dim];
        _var = new double[dim];
    }

    private void Center(ReadOnlySpan<T> z, int rows)
    {
        int n = _dim;
        Array.Clear(_mean);
        Array.Clear(_var);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j++) _mean[j] += double.CreateTruncating(z[r * n + j]);
        for (int j = 0; j < n; j++) _mean[j] /= rows;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j++)
            {
                double x = double.CreateTruncating(z[r * n + j]) - _mean[j];
                _centered[r * n + j] = T.CreateTruncating(x);
                _var[j] += x * x;
            }
        for (int j = 0; j < n; j++) _var[j] /= rows - 1;
    }

    /// <summary>
    /// VICReg's variance hinge var(Z) = (1/n) Σ_j max(0, 1 − sqrt(Var_j + ε)) and covariance
    /// cov(Z) = (1/n) Σ_{i≠j} C_ij²; adds varWeight·∂var/∂Z + covWeight·∂cov/∂Z into <paramref name="grad"/>.
    /// </summary>
    public (double Variance, double Covariance) VarianceCovariance(ReadOnlySpan<T> z, int rows, Span<T> grad, double varWeight, double covWeight)
    {
        if (rows < 2) return (0, 0);
        Center(z, rows);
        int n = _dim;
        double variance = 0;
        for (int j = 0; j < n; j++)
        {
            double std = Math.Sqrt(_var[j] + Epsilon);
            if (std >= 1) continue;
            variance += 1 - std;
            double coef = -varWeight / (n * (rows - 1) * std);
            for (int r = 0; r < rows; r++) grad[r * n + j] += T.CreateTruncating(coef) * _centered[r * n + j];
        }
        variance /= n;
        double cov = OffDiagonal(rows, grad, covWeight / n);
        return (variance, cov / n);
    }

    /// <summary>
    /// LPL's push term −(1/n) Σ_j log(Var_j + ε) with Var unbiased around the (detached) mean; adds
    /// weight·∂/∂Z into <paramref name="grad"/>.
    /// </summary>
    public double LogVariance(ReadOnlySpan<T> z, int rows, Span<T> grad, double weight)
    {
        if (rows < 2) return 0;
        Center(z, rows);
        int n = _dim;
        double value = 0;
        for (int j = 0; j < n; j++)
        {
            value -= Math.Log(_var[j] + Epsilon);
            double coef = -weight * 2.0 / (n * (rows - 1) * (_var[j] + Epsilon));
            for (int r = 0; r < rows; r++) grad[r * n + j] += T.CreateTruncating(coef) * _centered[r * n + j];
        }
        return value / n;
    }

    /// <summary>
    /// LPL's decorrelation dec(Z) = (1/(n² − n)) Σ_{i≠j} Ĉ_ij²; adds weight·∂dec/∂Z into <paramref name="grad"/>.
    /// </summary>
    public double Decorrelation(ReadOnlySpan<T> z, int rows, Span<T> grad, double weight)
    {
        if (rows < 2 || _dim < 2) return 0;
        Center(z, rows);
        double norm = 1.0 / ((double)_dim * _dim - _dim);
        return norm * OffDiagonal(rows, grad, weight * norm);
    }

    // Σ_{i≠j} C_ij² for the centred rows already in _centered, adding coef·∂/∂Z = coef·4/(N−1)·Zc·C_off to grad.
    private double OffDiagonal(int rows, Span<T> grad, double coef)
    {
        int n = _dim;
        var zc = _centered.AsSpan(0, rows * n);
        _mm.Gemm(true, false, n, n, rows, T.One / T.CreateTruncating(rows - 1), zc, n, zc, n, T.Zero, _cov, n);
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                double c = double.CreateTruncating(_cov[i * n + j]);
                sum += c * c;
            }
            _cov[i * n + i] = T.Zero;
        }
        if (coef != 0)
        {
            var tmp = _tmp.AsSpan(0, rows * n);
            _mm.Gemm(false, false, rows, n, n, T.CreateTruncating(4.0 * coef / (rows - 1)), zc, n, _cov, n, T.Zero, tmp, n);
            TensorPrimitives.Add(grad[..(rows * n)], tmp, grad[..(rows * n)]);
        }
        return sum;
    }

    /// <summary>
    /// The invariance / pull term (1/(N·n)) Σ_μ ‖z_μ − z′_μ‖²; adds weight·∂/∂z into <paramref name="gradZ"/> and
    /// with the opposite sign into <paramref name="gradZPrime"/>; <paramref name="stopGradZ"/> keeps z as a fixed target.
    /// </summary>
    public static double Invariance(ReadOnlySpan<T> z, ReadOnlySpan<T> zPrime, int rows, int dim, Span<T> gradZ, Span<T> gradZPrime, double weight, bool stopGradZ = false)
    {
        double sum = 0;
        double coef = 2.0 * weight / ((double)rows * dim);
        T tc = T.CreateTruncating(coef);
        for (int i = 0; i < rows * dim; i++)
        {
            T diff = z[i] - zPrime[i];
            double d = double.CreateTruncating(diff);
            sum += d * d;
            if (!stopGradZ) gradZ[i] += tc * diff;
            gradZPrime[i] -= tc * diff;
        }
        return sum / ((double)rows * dim);
    }
}
