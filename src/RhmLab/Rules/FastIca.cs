using System.Numerics;
using System.Numerics.Tensors;
using RhmLab.Numerics;
using RhmLab.Evaluation;
using RhmLab.Rhm;

namespace RhmLab.Rules;

/// <summary>How ICA fixes the sign of each component (`ica-sign`).</summary>
public enum IcaSign
{
    /// <summary>Keep whatever sign the iteration converged to.</summary>
    None,
    /// <summary>`skew-positive`: flip each component so its sources have positive skewness over the training data.</summary>
    SkewPositive,
}

/// <summary>What to do when more components are requested than the data's rank (`ica-overcomplete`).</summary>
public enum IcaOvercomplete
{
    /// <summary>`cap`: fit min(requested, rank) components and record both numbers.</summary>
    Cap,
    /// <summary>Refuse: throw, so a caller implementing `restarts` or `expand` notices.</summary>
    Error,
}

/// <summary>Options of FastICA (docs/METHODS.md §3.12, step 2); defaults follow scikit-learn's FastICA.</summary>
public sealed record IcaOptions
{
    /// <summary>Requested number of components H; 0 means as many as the rank of the data.</summary>
    public int Components { get; init; }

    /// <summary>Iteration limit (200).</summary>
    public int MaxIterations { get; init; } = 200;

    /// <summary>Convergence threshold on max_i |1 − |⟨w_i_new, w_i_old⟩|| (1e-4).</summary>
    public double Tolerance { get; init; } = 1e-4;

    /// <summary>Sign convention (skew-positive).</summary>
    public IcaSign Sign { get; init; } = IcaSign.SkewPositive;

    /// <summary>Handling of H &gt; rank (cap).</summary>
    public IcaOvercomplete Overcomplete { get; init; } = IcaOvercomplete.Cap;

    /// <summary>
    /// Covariance eigenvalues at or below this fraction of the largest count as zero when the rank is taken
    /// (1e-10, i.e. singular values below 1e-5 of the largest): whitening such directions would amplify rounding
    /// noise by more than 1e5.
    /// </summary>
    public double RankTolerance { get; init; } = 1e-10;

    /// <summary>Master seed whose <c>ica</c> stream initialises W, used when no generator is passed to Fit.</summary>
    public long Seed { get; init; }
}

/// <summary>
/// A fitted FastICA model: sources a = U·(x − mean) with U = W·K, where K whitens the centred data and W is the
/// orthogonal rotation found by the fixed-point iteration. Matrices are row-major.
/// </summary>
public sealed class IcaResult
{
    internal IcaResult(int inputs, int requested, int rank, int components, double[] mean, double[] whitening,
        double[] rotation, double[] unmixing, double[] eigenvalues, int iterations, bool converged, double change,
        double[] skewness)
    {
        Inputs = inputs;
        RequestedComponents = requested;
        Rank = rank;
        Components = components;
        Mean = mean;
        Whitening = whitening;
        Rotation = rotation;
        Unmixing = unmixing;
        CovarianceEigenvalues = eigenvalues;
        Iterations = iterations;
        Converged = converged;
        FinalChange = change;
        Skewness = skewness;
    }

    /// <summary>Input dimension d.</summary>
    public int Inputs { get; }

    /// <summary>Components asked for (after 0 was resolved to the rank).</summary>
    public int RequestedComponents { get; }

    /// <summary>Numerical rank of the centred data (see <see cref="IcaOptions.RankTolerance"/>).</summary>
    public int Rank { get; }

    /// <summary>Components fitted, H = min(requested, rank) under `cap`.</summary>
    public int Components { get; }

    /// <summary>Training mean [d].</summary>
    public double[] Mean { get; }

    /// <summary>Whitening matrix K [H, d] = Λ^(−1/2)·Vᵀ of the top H covariance directions.</summary>
    public double[] Whitening { get; }

    /// <summary>Orthogonal rotation W [H, H] of the whitened data (signs already fixed).</summary>
    public double[] Rotation { get; }

    /// <summary>Unmixing matrix U = W·K [H, d]: the layer's weights; its bias is −U·mean.</summary>
    public double[] Unmixing { get; }

    /// <summary>All d eigenvalues of the training covariance (population, 1/N), descending.</summary>
    public double[] CovarianceEigenvalues { get; }

    /// <summary>Fixed-point updates performed.</summary>
    public int Iterations { get; }

    /// <summary>False when the iteration limit was reached first (to be recorded as a non-convergence flag).</summary>
    public bool Converged { get; }

    /// <summary>The last max_i |1 − |⟨w_i_new, w_i_old⟩||.</summary>
    public double FinalChange { get; }

    /// <summary>Skewness E[a_i³] of each source over the training data, after the sign convention.</summary>
    public double[] Skewness { get; }

    /// <summary>Sources a = U·(x − mean) of float32 rows [rows, d] into <paramref name="sources"/> [rows, H].</summary>
    public void Transform(ReadOnlySpan<float> data, int rows, Span<double> sources) => TransformCore(data, rows, sources);

    /// <summary>Sources a = U·(x − mean) of float64 rows [rows, d] into <paramref name="sources"/> [rows, H].</summary>
    public void Transform(ReadOnlySpan<double> data, int rows, Span<double> sources) => TransformCore(data, rows, sources);

    private void TransformCore<T>(ReadOnlySpan<T> data, int rows, Span<double> sources) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int d = Inputs, h = Components;
        ProbeChecks.Features(data.Length, rows, d);
        if (sources.Length < rows * h) throw new ArgumentException($"sources: needs {rows * h}");
        var x = new double[d];
        for (int r = 0; r < rows; r++)
        {
            var src = data.Slice(r * d, d);
            for (int j = 0; j < d; j++) x[j] = double.CreateTruncating(src[j]) - Mean[j];
            for (int i = 0; i < h; i++) sources[r * h + i] = TensorPrimitives.Dot(x, Unmixing.AsSpan(i * d, d));
        }
    }
}

/// <summary>
/// FastICA with the logcosh contrast and the parallel (symmetric) fixed-point iteration, as used to build a
/// layer-wise ICA network (docs/METHODS.md §3.12). The caller gathers the patches, subsamples them and applies the
/// nonlinearity; this class turns a data matrix [rows, d] into an unmixing matrix.
/// </summary>
public static class FastIca
{
    private const int Block = 1024; // rows per pass through the matrix products; keeps scratch small

    /// <summary>Fits FastICA to float32 data [rows, cols]. W is drawn from <paramref name="rng"/>, or from the options' <c>ica</c> stream.</summary>
    public static IcaResult Fit(ReadOnlySpan<float> data, int rows, int cols, IcaOptions? options = null, Rng? rng = null,
        IMatMul? matMul = null) => FitCore(data, rows, cols, options, rng, matMul);

    /// <summary>Fits FastICA to float64 data [rows, cols]. W is drawn from <paramref name="rng"/>, or from the options' <c>ica</c> stream.</summary>
    public static IcaResult Fit(ReadOnlySpan<double> data, int rows, int cols, IcaOptions? options = null, Rng? rng = null,
        IMatMul? matMul = null) => FitCore(data, rows, cols, options, rng, matMul);

    /// <summary>
    /// Numerical rank of the centred float32 data [rows, cols]: the number of covariance eigenvalues above
    /// <paramref name="relativeTolerance"/> times the largest. Under `cap` a layer gets min(H, rank) components.
    /// </summary>
    public static int Rank(ReadOnlySpan<float> data, int rows, int cols, double relativeTolerance = 1e-10, IMatMul? matMul = null)
    {
        var (_, cov) = Covariance(data, rows, cols, matMul ?? MatMulProviders.Default);
        return RankOf(LinearAlgebra.SymmetricEigenvalues(cov, cols), relativeTolerance);
    }

    /// <summary>Numerical rank of the centred float64 data [rows, cols] (see the float32 overload).</summary>
    public static int Rank(ReadOnlySpan<double> data, int rows, int cols, double relativeTolerance = 1e-10, IMatMul? matMul = null)
    {
        var (_, cov) = Covariance(data, rows, cols, matMul ?? MatMulProviders.Default);
        return RankOf(LinearAlgebra.SymmetricEigenvalues(cov, cols), relativeTolerance);
    }

    private static int RankOf(ReadOnlySpan<double> descending, double tol)
    {
        if (descending.Length == 0 || !(descending[0] > 0)) return 0;
        double floor = tol * descending[0];
        int r = 0;
        while (r < descending.Length && descending[r] > floor) r++;
        return r;
    }

    private static (double[] Mean, double[] Cov) Covariance<T>(ReadOnlySpan<T> data, int rows, int cols, IMatMul mm)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rows <= 0) throw new ArgumentOutOfRangeException(nameof(rows), "need at least one row");
        if (cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), "need at least one column");
        ProbeChecks.Features(data.Length, rows, cols);
        var mean = CrossProducts.RefinedColumnMeans(data, rows, cols);
        var cov = CrossProducts.CentredXtXDouble(data, rows, cols, mean, mm);
        TensorPrimitives.Multiply(cov, 1.0 / rows, cov);
        return (mean, cov);
    }

    private static IcaResult FitCore<T>(ReadOnlySpan<T> data, int rows, int cols, IcaOptions? options, Rng? rng, IMatMul? matMul)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        options ??= new IcaOptions();
        if (options.Components < 0) throw new ArgumentOutOfRangeException(nameof(options), "Components must be ≥ 0");
        if (options.MaxIterations < 0) throw new ArgumentOutOfRangeException(nameof(options), "MaxIterations must be ≥ 0");
        var mm = matMul ?? MatMulProviders.Default;
        rng ??= Rng.ForStream(options.Seed, "ica");
        int d = cols;

        var (mean, eigen, rank) = Spectrum(data, rows, cols, options.RankTolerance, mm);
        int requested = options.Components == 0 ? rank : options.Components;
        if (requested > rank && options.Overcomplete == IcaOvercomplete.Error)
            throw new ArgumentException($"FastIca: {requested} components requested but the data have rank {rank}");
        int h = Math.Min(requested, rank);
        if (h == 0) throw new ArgumentException("FastIca: the data have rank 0 (every column is constant)");
        var (k, z) = Whiten(data, rows, cols, mean, eigen.Values, eigen.Vectors, h, mm);

        var w = new double[h * h];
        for (int i = 0; i < w.Length; i++) w[i] = rng.NextGaussian();
        SymmetricDecorrelation(w, h, mm);

        var wNew = new double[h * h];
        var s = new double[Math.Min(Block, rows) * h];
        var gPrime = new double[h];
        int iterations = 0;
        bool converged = false;
        double change = double.NaN;
        while (iterations < options.MaxIterations)
        {
            // W⁺ = E[g(Wz)·zᵀ] − diag(E[g′(Wz)])·W with g = tanh, g′ = 1 − tanh².
            Array.Clear(wNew);
            Array.Clear(gPrime);
            for (int r0 = 0; r0 < rows; r0 += Block)
            {
                int br = Math.Min(Block, rows - r0);
                var zb = z.AsSpan(r0 * h, br * h);
                var sb = s.AsSpan(0, br * h);
                mm.Gemm(false, true, br, h, h, 1.0, zb, h, w, h, 0.0, sb, h);
                TensorPrimitives.Tanh(sb, sb);
                for (int r = 0; r < br; r++)
                {
                    var sr = sb.Slice(r * h, h);
                    for (int i = 0; i < h; i++) gPrime[i] += 1 - sr[i] * sr[i];
                }
                mm.Gemm(true, false, h, h, br, 1.0, sb, h, zb, h, 1.0, wNew, h);
            }
            double invN = 1.0 / rows;
            for (int i = 0; i < h; i++)
            {
                var row = wNew.AsSpan(i * h, h);
                TensorPrimitives.Multiply(row, invN, row);
                TensorPrimitives.MultiplyAdd(w.AsSpan(i * h, h), -gPrime[i] * invN, row, row);
            }
            SymmetricDecorrelation(wNew, h, mm);
            change = 0;
            for (int i = 0; i < h; i++)
                change = Math.Max(change, Math.Abs(Math.Abs(TensorPrimitives.Dot(wNew.AsSpan(i * h, h), w.AsSpan(i * h, h))) - 1));
            (w, wNew) = (wNew, w);
            iterations++;
            if (change < options.Tolerance)
            {
                converged = true;
                break;
            }
        }

        // Skewness of each source, E[(Wz)³] (sources have zero mean and unit variance), then the sign convention.
        var skew = FixSigns(w, h, h, z, rows, options.Sign, mm);
        var u = new double[h * d];
        mm.Gemm(false, false, h, d, h, 1.0, w, h, k, d, 0.0, u, d);
        return new IcaResult(d, requested, rank, h, mean, k, w, u, eigen.Values, iterations, converged, change, skew);
    }

    /// <summary>The training mean, the covariance's eigen-decomposition (descending) and its numerical rank.</summary>
    internal static (double[] Mean, (double[] Values, double[] Vectors) Eigen, int Rank) Spectrum<T>(ReadOnlySpan<T> data,
        int rows, int cols, double rankTolerance, IMatMul mm) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (mean, cov) = Covariance(data, rows, cols, mm);
        var values = new double[cols];
        var vectors = new double[cols * cols];
        LinearAlgebra.SymmetricEigen(cov, cols, values, vectors);
        return (mean, (values, vectors), RankOf(values, rankTolerance));
    }

    /// <summary>
    /// Whitening (`unit-variance`) on the top h covariance directions: K = Λ^(−1/2)·Vᵀ [h, d], and the whitened
    /// data z = K·(x − mean) as rows [N, h], with identity covariance over the training data.
    /// </summary>
    internal static (double[] K, double[] Z) Whiten<T>(ReadOnlySpan<T> data, int rows, int d, double[] mean,
        double[] lambda, double[] vecs, int h, IMatMul mm) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var k = new double[h * d];
        for (int i = 0; i < h; i++)
            TensorPrimitives.Multiply(vecs.AsSpan(i * d, d), 1.0 / Math.Sqrt(lambda[i]), k.AsSpan(i * d, d));
        var z = new double[(long)rows * h];
        var block = new double[Math.Min(Block, rows) * d];
        for (int r0 = 0; r0 < rows; r0 += Block)
        {
            int br = Math.Min(Block, rows - r0);
            CrossProducts.Centre(data.Slice(r0 * d, br * d), br, d, mean, block.AsSpan());
            mm.Gemm(false, true, br, h, d, 1.0, block, d, k, d, 0.0, z.AsSpan(r0 * h, br * h), h);
        }
        return (k, z);
    }

    /// <summary>
    /// Skewness E[a_i³] of the sources a = W·z (zero mean, unit variance) over the rows of z [N, h]; under
    /// `skew-positive` each row of W [H, h] whose skewness is negative is negated, and its skewness with it.
    /// </summary>
    internal static double[] FixSigns(double[] w, int components, int h, double[] z, int rows, IcaSign sign, IMatMul mm)
    {
        var skew = new double[components];
        var s = new double[Math.Min(Block, rows) * components];
        for (int r0 = 0; r0 < rows; r0 += Block)
        {
            int br = Math.Min(Block, rows - r0);
            var sb = s.AsSpan(0, br * components);
            mm.Gemm(false, true, br, components, h, 1.0, z.AsSpan(r0 * h, br * h), h, w, h, 0.0, sb, components);
            for (int r = 0; r < br; r++)
                for (int i = 0; i < components; i++)
                {
                    double a = sb[r * components + i];
                    skew[i] += a * a * a;
                }
        }
        for (int i = 0; i < components; i++)
        {
            skew[i] /= rows;
            if (sign == IcaSign.SkewPositive && skew[i] < 0)
            {
                TensorPrimitives.Negate(w.AsSpan(i * h, h), w.AsSpan(i * h, h));
                skew[i] = -skew[i];
            }
        }
        return skew;
    }

    /// <summary>W ← (W·Wᵀ)^(−1/2)·W, the closest orthogonal matrix to W (eigenvalues floored like scikit-learn's).</summary>
    internal static void SymmetricDecorrelation(double[] w, int h, IMatMul mm)
    {
        var m = new double[h * h];
        mm.Gemm(false, true, h, h, h, 1.0, w, h, w, h, 0.0, m, h);
        CrossProducts.Symmetrize(m, h); // exact symmetry for the eigensolver, whatever the provider's rounding
        var lambda = new double[h];
        var v = new double[h * h];
        LinearAlgebra.SymmetricEigen(m, h, lambda, v);
        // M^(−1/2) = Σ λ_i^(−1/2) v_i v_iᵀ = Vᵀ·diag(λ^(−1/2))·V with V's rows the eigenvectors.
        var scaled = new double[h * h];
        for (int i = 0; i < h; i++)
            TensorPrimitives.Multiply(v.AsSpan(i * h, h), 1.0 / Math.Sqrt(Math.Max(lambda[i], double.Epsilon)), scaled.AsSpan(i * h, h));
        var inv = new double[h * h];
        mm.Gemm(true, false, h, h, h, 1.0, v, h, scaled, h, 0.0, inv, h);
        var copy = (double[])w.Clone();
        mm.Gemm(false, false, h, h, h, 1.0, inv, h, copy, h, 0.0, w, h);
    }
}
