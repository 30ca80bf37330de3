using System.Numerics;
using System.Numerics.Tensors;
using RhmLab.Numerics;
using RhmLab.Rhm;

namespace RhmLab.Rules;

/// <summary>Options of <see cref="ReconstructionIca"/> (<c>ica-overcomplete = rica</c>).</summary>
public sealed record RicaOptions
{
    /// <summary>Components H; may exceed the rank of the data (overcomplete).</summary>
    public int Components { get; init; }

    /// <summary>λ, the weight of the sparsity term against the reconstruction term (0.1; <c>ica-rica-lambda</c>).</summary>
    public double Sparsity { get; init; } = 0.1;

    /// <summary>L-BFGS iterations at most (400).</summary>
    public int MaxIterations { get; init; } = 400;

    /// <summary>Sign convention (skew-positive, as FastICA).</summary>
    public IcaSign Sign { get; init; } = IcaSign.SkewPositive;

    /// <summary>Relative eigenvalue floor of the rank, as <see cref="IcaOptions.RankTolerance"/>.</summary>
    public double RankTolerance { get; init; } = 1e-10;
}

/// <summary>
/// Reconstruction ICA (RICA; Le, Karpenko, Ngiam and Ng, "ICA with Reconstruction Cost for Efficient Overcomplete
/// Feature Learning", NeurIPS 2011): ICA whose orthonormality constraint WWᵀ = I is replaced by a soft
/// reconstruction cost, so that W may have more rows (neurons) than the data have dimensions. On the data whitened
/// over all r directions of non-zero variance (z = K·(x − mean)) it minimises, by L-BFGS as in the paper,
/// <code>J(W) = (1/N) Σ_i [ ½‖WᵀW z_i − z_i‖² + λ Σ_j log cosh(w_jᵀ z_i) ]</code>
/// over W ∈ R^(H×r), the smooth L1 penalty of the paper with the reconstruction written as in its tutorial form.
/// With H ≤ r and λ → 0 the reconstruction forces WᵀW onto a projection and RICA reduces to ICA; with H &gt; r the
/// features become sparse detectors that a complete ICA cannot have. Convention of RhmLab, not of the paper: each
/// source a_j = w_jᵀz is rescaled to unit variance over the training data (so that a layer's pre-activations are on
/// FastICA's scale) and then signed by skewness, as FastICA's are.
/// </summary>
public static class ReconstructionIca
{
    private const int Block = 1024;

    /// <summary>Fits RICA to float32 data [rows, cols], drawing the initial W from <paramref name="rng"/>.</summary>
    public static IcaResult Fit(ReadOnlySpan<float> data, int rows, int cols, RicaOptions options, Rng rng, IMatMul? matMul = null) =>
        FitCore(data, rows, cols, options, rng, matMul);

    /// <summary>Fits RICA to float64 data [rows, cols], drawing the initial W from <paramref name="rng"/>.</summary>
    public static IcaResult Fit(ReadOnlySpan<double> data, int rows, int cols, RicaOptions options, Rng rng, IMatMul? matMul = null) =>
        FitCore(data, rows, cols, options, rng, matMul);

    private static IcaResult FitCore<T>(ReadOnlySpan<T> data, int rows, int cols, RicaOptions options, Rng rng, IMatMul? matMul)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rng);
        if (options.Components < 1) throw new ArgumentOutOfRangeException(nameof(options), "Components must be ≥ 1");
        if (!(options.Sparsity >= 0)) throw new ArgumentOutOfRangeException(nameof(options), "Sparsity must be ≥ 0");
        var mm = matMul ?? MatMulProviders.Default;
        var (mean, eigen, rank) = FastIca.Spectrum(data, rows, cols, options.RankTolerance, mm);
        if (rank == 0) throw new ArgumentException("ReconstructionIca: the data have rank 0 (every column is constant)");
        int h = rank, count = options.Components;
        var (k, z) = FastIca.Whiten(data, rows, cols, mean, eigen.Values, eigen.Vectors, h, mm);

        // Rows of W start as Gaussian vectors of unit expected norm.
        var w = new double[count * h];
        double scale = 1 / Math.Sqrt(h);
        for (int i = 0; i < w.Length; i++) w[i] = scale * rng.NextGaussian();
        var cost = new Cost(z, rows, h, count, options.Sparsity, mm);
        var fit = Lbfgs.Minimize(cost.Evaluate, w, new LbfgsOptions { MaxIterations = options.MaxIterations });

        // Unit-variance sources (z is centred, so a_j has zero mean), then the sign convention.
        var variance = cost.SourceVariances(w);
        for (int j = 0; j < count; j++)
            if (variance[j] > 1e-12)
                TensorPrimitives.Multiply(w.AsSpan(j * h, h), 1 / Math.Sqrt(variance[j]), w.AsSpan(j * h, h));
        var skew = FastIca.FixSigns(w, count, h, z, rows, options.Sign, mm);
        var u = new double[count * cols];
        mm.Gemm(false, false, count, cols, h, 1.0, w, h, k, cols, 0.0, u, cols);
        return new IcaResult(cols, count, rank, count, mean, k, w, u, eigen.Values, fit.Iterations, fit.Converged, fit.GradientMax, skew);
    }

    /// <summary>
    /// J(W) and its gradient on whitened rows z [N, r], in blocks of rows. With a_i = W·z_i and the residual
    /// e_i = Wᵀa_i − z_i, ∇J = (1/N) Σ_i [ a_i e_iᵀ + W e_i z_iᵀ + λ tanh(a_i) z_iᵀ ].
    /// </summary>
    internal sealed class Cost
    {
        private readonly double[] _z;
        private readonly int _rows, _h, _count;
        private readonly double _lambda;
        private readonly IMatMul _mm;
        private readonly double[] _a, _e, _t, _ez;

        internal Cost(double[] z, int rows, int h, int count, double lambda, IMatMul mm)
        {
            (_z, _rows, _h, _count, _lambda, _mm) = (z, rows, h, count, lambda, mm);
            int block = Math.Min(Block, rows);
            _a = new double[block * count];
            _t = new double[block * count];
            _e = new double[block * h];
            _ez = new double[h * h];
        }

        internal double Evaluate(ReadOnlySpan<double> w, Span<double> grad)
        {
            int h = _h, H = _count;
            grad.Clear();
            Array.Clear(_ez);
            double f = 0;
            for (int r0 = 0; r0 < _rows; r0 += Block)
            {
                int br = Math.Min(Block, _rows - r0);
                var zb = _z.AsSpan(r0 * h, br * h);
                var ab = _a.AsSpan(0, br * H);
                var eb = _e.AsSpan(0, br * h);
                var tb = _t.AsSpan(0, br * H);
                _mm.Gemm(false, true, br, H, h, 1.0, zb, h, w, h, 0.0, ab, H);         // A = Z·Wᵀ
                zb.CopyTo(eb);
                _mm.Gemm(false, false, br, h, H, 1.0, ab, H, w, h, -1.0, eb, h);       // E = A·W − Z
                f += 0.5 * TensorPrimitives.SumOfSquares(eb);
                // Σ log cosh a = Σ |a| + Σ log(1 + e^(−2|a|)) − n·log 2, overflow-free and vectorised (tb is scratch).
                TensorPrimitives.Abs(ab, tb);
                double sumAbs = TensorPrimitives.Sum(tb);
                TensorPrimitives.Multiply(tb, -2.0, tb);
                TensorPrimitives.Exp(tb, tb);
                TensorPrimitives.Add(tb, 1.0, tb);
                TensorPrimitives.Log(tb, tb);
                f += _lambda * (sumAbs + TensorPrimitives.Sum(tb) - tb.Length * Math.Log(2));
                TensorPrimitives.Tanh(ab, tb);
                _mm.Gemm(true, false, H, h, br, 1.0, ab, H, eb, h, 1.0, grad, h);     // += Aᵀ·E
                _mm.Gemm(true, false, H, h, br, _lambda, tb, H, zb, h, 1.0, grad, h);  // += λ tanh(A)ᵀ·Z
                _mm.Gemm(true, false, h, h, br, 1.0, eb, h, zb, h, 1.0, _ez, h);      // Eᵀ·Z
            }
            _mm.Gemm(false, false, H, h, h, 1.0, w, h, _ez, h, 1.0, grad, h);          // += W·(EᵀZ)
            double inv = 1.0 / _rows;
            TensorPrimitives.Multiply(grad, inv, grad);
            return f * inv;
        }

        /// <summary>E[a_j²] of every source over the rows.</summary>
        internal double[] SourceVariances(ReadOnlySpan<double> w)
        {
            var v = new double[_count];
            for (int r0 = 0; r0 < _rows; r0 += Block)
            {
                int br = Math.Min(Block, _rows - r0);
                var ab = _a.AsSpan(0, br * _count);
                _mm.Gemm(false, true, br, _count, _h, 1.0, _z.AsSpan(r0 * _h, br * _h), _h, w, _h, 0.0, ab, _count);
                for (int r = 0; r < br; r++)
                    for (int j = 0; j < _count; j++) v[j] += ab[r * _count + j] * ab[r * _count + j];
            }
            for (int j = 0; j < _count; j++) v[j] /= _rows;
            return v;
        }
    }
}
