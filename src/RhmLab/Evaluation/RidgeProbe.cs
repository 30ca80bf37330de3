using System.Numerics;
using System.Numerics.Tensors;
using RhmLab.Numerics;

namespace RhmLab.Evaluation;

/// <summary>Which normal equations the ridge probe solves (docs/METHODS.md §4.1).</summary>
public enum RidgeSolver
{
    /// <summary>Dual when there are more features than training rows, primal otherwise.</summary>
    Auto,
    /// <summary>W = (RcᵀRc + αI)⁻¹RcᵀYc: an n×n system.</summary>
    Primal,
    /// <summary>W = Rcᵀ(RcRcᵀ + αI)⁻¹Yc: a P×P system, cheaper when n &gt; P.</summary>
    Dual,
}

/// <summary>Options of the ridge probe (`probe = ridge`).</summary>
public sealed record RidgeOptions
{
    /// <summary>Ridge penalty α (the scikit-learn default 1, on unscaled features unless <see cref="Standardize"/>).</summary>
    public double Alpha { get; init; } = 1.0;

    /// <summary>`ridge-standardize`: divide each centred feature by its training standard deviation (floor 1e-8).</summary>
    public bool Standardize { get; init; }

    /// <summary>Primal, dual, or chosen from the shape.</summary>
    public RidgeSolver Solver { get; init; } = RidgeSolver.Auto;
}

/// <summary>
/// Closed-form ridge regression on one-hot targets, read out by argmax: the default linear probe of a frozen
/// representation (docs/METHODS.md §4.1). Features arrive row-major [rows, cols] with integer labels.
/// </summary>
/// <remarks>
/// Normal equations are formed in float64 (float32 inputs are reduced in float32 chunks, see
/// <see cref="RidgeAccumulator"/>) and solved by Cholesky. The fitted weights are mapped back to raw-feature space,
/// so scoring needs no copy of the training statistics beyond the intercept.
/// </remarks>
public sealed class RidgeProbe : LinearProbe
{
    private const double StdFloor = 1e-8;
    private readonly double[] _weightsT; // [classes, features]: each class's weights contiguous for scoring
    private readonly double[] _intercept;

    private RidgeProbe(int features, int classes, double[] weightsT, double[] intercept, RidgeOptions options,
        RidgeSolver solver, int trainingRows) : base(features, classes)
    {
        _weightsT = weightsT;
        _intercept = intercept;
        Options = options;
        SolverUsed = solver;
        TrainingRows = trainingRows;
    }

    /// <summary>The options the probe was fitted with.</summary>
    public RidgeOptions Options { get; }

    /// <summary>The solver actually used (never <see cref="RidgeSolver.Auto"/>).</summary>
    public RidgeSolver SolverUsed { get; }

    /// <summary>Number of training rows P.</summary>
    public int TrainingRows { get; }

    /// <summary>Weight of feature j for class c, in raw-feature units (standardisation folded in).</summary>
    public double Weight(int feature, int cls) => _weightsT[cls * Features + feature];

    /// <summary>
    /// All weights as [Classes, Features] (class c's weights contiguous), in raw-feature units: for use as a readout,
    /// e.g. the exploratory CE gradient of §4.6.
    /// </summary>
    public ReadOnlySpan<double> WeightsByClass => _weightsT;

    /// <summary>Intercept b_c = ȳ_c − r̄·W_:,c.</summary>
    public ReadOnlySpan<double> Intercept => _intercept;

    /// <summary>Fits the probe on float32 features [rows, cols] with labels in [0, classes).</summary>
    public static RidgeProbe Fit(ReadOnlySpan<float> features, int rows, int cols, ReadOnlySpan<int> labels, int classes,
        RidgeOptions? options = null, IMatMul? matMul = null) => FitCore(features, rows, cols, labels, classes, options, matMul);

    /// <summary>Fits the probe on float64 features [rows, cols] with labels in [0, classes).</summary>
    public static RidgeProbe Fit(ReadOnlySpan<double> features, int rows, int cols, ReadOnlySpan<int> labels, int classes,
        RidgeOptions? options = null, IMatMul? matMul = null) => FitCore(features, rows, cols, labels, classes, options, matMul);

    private static RidgeProbe FitCore<T>(ReadOnlySpan<T> features, int rows, int cols, ReadOnlySpan<int> labels, int classes,
        RidgeOptions? options, IMatMul? matMul) where T : unmanaged, IFloatingPointIeee754<T>
    {
        options ??= new RidgeOptions();
        ProbeChecks.Data(features.Length, rows, cols, labels, classes);
        ProbeChecks.Alpha(options.Alpha);
        matMul ??= MatMulProviders.Default;
        var solver = options.Solver == RidgeSolver.Auto ? (cols > rows ? RidgeSolver.Dual : RidgeSolver.Primal) : options.Solver;
        var mean = CrossProducts.ColumnMeans(features, rows, cols);
        if (solver == RidgeSolver.Primal)
        {
            // Shifting by the exact mean makes the accumulator's centring correction vanish.
            var acc = new RidgeAccumulator(cols, classes, options, matMul, mean);
            acc.AddCore(features, rows, labels);
            return acc.Fit();
        }
        return FitDual(features, rows, cols, labels, classes, options, matMul, mean);
    }

    private static RidgeProbe FitDual<T>(ReadOnlySpan<T> features, int rows, int cols, ReadOnlySpan<int> labels, int classes,
        RidgeOptions options, IMatMul mm, double[] mean) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var scale = new double[cols];
        Array.Fill(scale, 1.0);
        if (options.Standardize)
        {
            var ss = new double[cols];
            for (int r = 0; r < rows; r++)
            {
                var src = features.Slice(r * cols, cols);
                for (int j = 0; j < cols; j++)
                {
                    double dv = double.CreateTruncating(src[j]) - mean[j];
                    ss[j] += dv * dv;
                }
            }
            for (int j = 0; j < cols; j++) scale[j] = Math.Max(Math.Sqrt(ss[j] / rows), StdFloor);
        }
        // X = (R − r̄)/s in the input precision, then K = X·Xᵀ in float64.
        var x = new T[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            var src = features.Slice(r * cols, cols);
            var o = x.AsSpan(r * cols, cols);
            for (int j = 0; j < cols; j++) o[j] = T.CreateTruncating((double.CreateTruncating(src[j]) - mean[j]) / scale[j]);
        }
        var k = new double[rows * rows];
        CrossProducts.XXt<T>(x, rows, cols, k, mm);
        for (int i = 0; i < rows; i++) k[i * rows + i] += options.Alpha;
        var ybar = ClassFrequencies(labels, classes);
        var z = new double[rows * classes];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < classes; c++) z[r * classes + c] = (labels[r] == c ? 1.0 : 0.0) - ybar[c];
        LinearAlgebra.Cholesky(k, rows);
        LinearAlgebra.CholeskySolve(k, rows, z, classes);
        // W = Xᵀ·Z, accumulated per class so each update is a contiguous row.
        var wT = new double[classes * cols];
        var rowD = new double[cols];
        for (int r = 0; r < rows; r++)
        {
            var src = x.AsSpan(r * cols, cols);
            for (int j = 0; j < cols; j++) rowD[j] = double.CreateTruncating(src[j]);
            for (int c = 0; c < classes; c++)
            {
                var wc = wT.AsSpan(c * cols, cols);
                TensorPrimitives.MultiplyAdd(rowD, z[r * classes + c], wc, wc);
            }
        }
        return Assemble(wT, scale, mean, ybar, cols, classes, options, RidgeSolver.Dual, rows);
    }

    internal static double[] ClassFrequencies(ReadOnlySpan<int> labels, int classes)
    {
        var f = new double[classes];
        foreach (int y in labels) f[y] += 1;
        for (int c = 0; c < classes; c++) f[c] /= labels.Length;
        return f;
    }

    /// <summary>Folds the feature scale into the weights and computes the intercept b = ȳ − r̄W.</summary>
    internal static RidgeProbe Assemble(double[] wT, double[] scale, double[] mean, double[] ybar, int cols, int classes,
        RidgeOptions options, RidgeSolver solver, int rows)
    {
        var b = new double[classes];
        for (int c = 0; c < classes; c++)
        {
            var wc = wT.AsSpan(c * cols, cols);
            for (int j = 0; j < cols; j++) wc[j] /= scale[j];
            b[c] = ybar[c] - TensorPrimitives.Dot<double>(mean, wc);
        }
        return new RidgeProbe(cols, classes, wT, b, options, solver, rows);
    }

    /// <inheritdoc />
    protected override void ScoresCore<T>(ReadOnlySpan<T> features, int rows, Span<double> scores)
    {
        var row = new double[Features];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<double> x;
            if (typeof(T) == typeof(double))
                x = System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(features.Slice(r * Features, Features));
            else
            {
                var src = features.Slice(r * Features, Features);
                for (int j = 0; j < Features; j++) row[j] = double.CreateTruncating(src[j]);
                x = row;
            }
            for (int c = 0; c < Classes; c++)
                scores[r * Classes + c] = _intercept[c] + TensorPrimitives.Dot(x, _weightsT.AsSpan(c * Features, Features));
        }
    }

}

/// <summary>
/// Streaming form of the primal ridge probe: training rows arrive in chunks, the normal equations are accumulated in
/// float64, and <see cref="Fit()"/> solves them (several α can be solved from one accumulation).
/// </summary>
/// <remarks>
/// Rows are shifted by the first chunk's column means before accumulation and the exact centring is applied at the
/// end (Σ(r−s)(r−s)ᵀ − P(r̄−s)(r̄−s)ᵀ), which avoids the cancellation of the naive RᵀR − P·r̄r̄ᵀ when features
/// have large means.
/// </remarks>
public sealed class RidgeAccumulator
{
    private readonly int _cols, _classes;
    private readonly RidgeOptions _options;
    private readonly IMatMul _mm;
    private double[]? _shift;
    private readonly double[] _g;            // Σ(r−s)(r−s)ᵀ, upper block triangle until Fit
    private readonly double[] _classSum;     // [classes, cols]: Σ_{y=c}(r−s)
    private readonly long[] _classCount;
    private object? _scratchRows, _scratchGram;
    private long _rows;

    /// <summary>Starts an empty accumulation for <paramref name="cols"/> features and <paramref name="classes"/> classes.</summary>
    public RidgeAccumulator(int cols, int classes, RidgeOptions? options = null, IMatMul? matMul = null)
        : this(cols, classes, options ?? new RidgeOptions(), matMul ?? MatMulProviders.Default, null)
    {
    }

    internal RidgeAccumulator(int cols, int classes, RidgeOptions options, IMatMul matMul, double[]? shift)
    {
        if (cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), "need at least one feature");
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), "need at least one class");
        ProbeChecks.Alpha(options.Alpha);
        _cols = cols;
        _classes = classes;
        _options = options;
        _mm = matMul;
        _shift = shift;
        _g = new double[(long)cols * cols];
        _classSum = new double[classes * cols];
        _classCount = new long[classes];
    }

    /// <summary>Training rows accumulated so far.</summary>
    public long Rows => _rows;

    /// <summary>Adds a chunk of float32 training rows [rows, cols] with their labels.</summary>
    public void Add(ReadOnlySpan<float> features, int rows, ReadOnlySpan<int> labels) => AddCore(features, rows, labels);

    /// <summary>Adds a chunk of float64 training rows [rows, cols] with their labels.</summary>
    public void Add(ReadOnlySpan<double> features, int rows, ReadOnlySpan<int> labels) => AddCore(features, rows, labels);

    internal void AddCore<T>(ReadOnlySpan<T> features, int rows, ReadOnlySpan<int> labels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ProbeChecks.Data(features.Length, rows, _cols, labels, _classes, allowEmpty: true);
        if (rows == 0) return;
        _shift ??= CrossProducts.ColumnMeans(features, rows, _cols);
        int chunk = CrossProducts.ChunkLength<T>();
        if (_scratchRows is not T[] block || block.Length < chunk * _cols)
        {
            block = new T[chunk * _cols];
            _scratchRows = block;
        }
        if (_scratchGram is not T[] gramScratch)
        {
            gramScratch = CrossProducts.XtXScratch<T>(_cols);
            _scratchGram = gramScratch;
        }
        for (int r0 = 0; r0 < rows; r0 += chunk)
        {
            int br = Math.Min(chunk, rows - r0);
            CrossProducts.Centre(features.Slice(r0 * _cols, br * _cols), br, _cols, _shift, block.AsSpan());
            CrossProducts.AddXtX<T>(block, br, _cols, _g, _mm, gramScratch);
            for (int r = 0; r < br; r++)
            {
                int y = labels[r0 + r];
                _classCount[y]++;
                var sum = _classSum.AsSpan(y * _cols, _cols);
                var src = features.Slice((r0 + r) * _cols, _cols);
                for (int j = 0; j < _cols; j++) sum[j] += double.CreateTruncating(src[j]) - _shift[j];
            }
        }
        _rows += rows;
    }

    /// <summary>Solves the primal normal equations with the accumulator's α.</summary>
    public RidgeProbe Fit() => Fit(_options.Alpha);

    /// <summary>Solves the primal normal equations with penalty <paramref name="alpha"/> (the accumulation is kept).</summary>
    public RidgeProbe Fit(double alpha)
    {
        ProbeChecks.Alpha(alpha);
        if (_rows == 0 || _shift is null) throw new InvalidOperationException("RidgeAccumulator: no training rows");
        int n = _cols, nc = _classes;
        double p = _rows;
        // Column sums of (r − s) and the mean offset δ = r̄ − s.
        var delta = new double[n];
        for (int c = 0; c < nc; c++) TensorPrimitives.Add(delta, _classSum.AsSpan(c * n, n), delta);
        TensorPrimitives.Multiply(delta, 1.0 / p, delta);
        var mean = new double[n];
        TensorPrimitives.Add(_shift, delta, mean);
        // Centred Gram: G − P·δδᵀ (upper triangle, mirrored below).
        var a = new double[(long)n * n];
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++)
            {
                double v = _g[i * n + j] - p * delta[i] * delta[j];
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
        var scale = new double[n];
        for (int j = 0; j < n; j++)
            scale[j] = _options.Standardize ? Math.Max(Math.Sqrt(Math.Max(a[j * n + j], 0) / p), 1e-8) : 1.0;
        if (_options.Standardize)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) a[i * n + j] /= scale[i] * scale[j];
        for (int i = 0; i < n; i++) a[i * n + i] += alpha;
        // RcᵀYc[j, c] = Σ_{y=c}(r − s)_j − N_c·δ_j, scaled like the features.
        var ybar = new double[nc];
        var rhs = new double[n * nc];
        for (int c = 0; c < nc; c++)
        {
            ybar[c] = _classCount[c] / p;
            for (int j = 0; j < n; j++) rhs[j * nc + c] = (_classSum[c * n + j] - _classCount[c] * delta[j]) / scale[j];
        }
        LinearAlgebra.Cholesky(a, n);
        LinearAlgebra.CholeskySolve(a, n, rhs, nc);
        var wT = new double[nc * n];
        for (int j = 0; j < n; j++)
            for (int c = 0; c < nc; c++) wT[c * n + j] = rhs[j * nc + c];
        var options = _options with { Alpha = alpha };
        return RidgeProbe.Assemble(wT, scale, mean, ybar, n, nc, options, RidgeSolver.Primal, checked((int)_rows));
    }
}

/// <summary>Argument checks and small helpers shared by the probes.</summary>
internal static class ProbeChecks
{
    public static void Data(int length, int rows, int cols, ReadOnlySpan<int> labels, int classes, bool allowEmpty = false)
    {
        if (rows < 0 || (!allowEmpty && rows == 0)) throw new ArgumentOutOfRangeException(nameof(rows), "need at least one training row");
        if (cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), "need at least one feature");
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), "need at least one class");
        Features(length, rows, cols);
        if (labels.Length < rows) throw new ArgumentException($"labels: needs {rows}, got {labels.Length}");
        for (int r = 0; r < rows; r++)
            if ((uint)labels[r] >= (uint)classes) throw new ArgumentException($"labels[{r}] = {labels[r]} is outside [0, {classes})");
    }

    public static void Features(int length, int rows, int cols)
    {
        if (length < (long)rows * cols) throw new ArgumentException($"features: needs [{rows}, {cols}] = {(long)rows * cols}, got {length}");
    }

    public static void Alpha(double alpha)
    {
        if (!(alpha >= 0) || double.IsInfinity(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), "alpha must be finite and ≥ 0");
    }

    public static int ArgMax(ReadOnlySpan<double> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
