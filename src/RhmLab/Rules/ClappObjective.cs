using System.Numerics;
using System.Numerics.Tensors;
using RhmLab.Numerics;
using RhmLab.Options;
using RhmLab.Rhm;

namespace RhmLab.Rules;

/// <summary>CLAPP's pairing of terms (docs/METHODS.md §3.7).</summary>
public enum ClappMode
{
    /// <summary>Default, CLAPP-s: every anchor gets a positive and a negative every step.</summary>
    [Choice("both")] Both,
    /// <summary>The original CLAPP: a positive with probability ½, a negative otherwise.</summary>
    [Choice("either")] Either,
}

/// <summary>
/// The run options of the CLAPP family (<c>clapp</c>, <c>clapp-pos</c>, <c>e2e-clapp</c>, <c>e2e-clapp-nc</c>;
/// docs/METHODS.md §3.7–§3.8): how terms are paired and combined, the prediction matrix, the representation view,
/// the negatives, and, for CLAPP without negatives, the anti-collapse mechanism. Whether the rule has negatives is
/// whether it has an anti-collapse group: the catalogue's rows without negatives give it one.
/// </summary>
public sealed record ClappOptions : ICheckedOptions
{
    /// <summary>both (CLAPP-s) or either.</summary>
    [RunOption("clapp-mode", "CLAPP pairing: both terms every step (CLAPP-s) or either")]
    public ClappMode Mode { get; set; } = ClappMode.Both;
    /// <summary>
    /// In-batch pairing: the batch holds data and their positives, every row is an anchor, and each anchor's negative
    /// is the next row of the batch of another class (<see cref="RuleInput.InBatchPairs"/>). False: triplets.
    /// </summary>
    [RunOption("clapp-pairing", "CLAPP batches: triplets (3 rows per anchor) or in-batch (data and their positives, every row an anchor, negatives from the batch)", Off = "triplets", On = "in-batch")]
    public bool InBatch { get; set; }
    /// <summary>Sum (default) or mean (½) of the positive and negative terms.</summary>
    [RunOption("clapp-combine", "CLAPP positive and negative terms", Off = "sum", On = "mean")]
    public bool MeanCombine { get; set; }
    /// <summary>Two matrices W₁ (target side) and W₂ (context side) instead of one.</summary>
    [RunOption("wpred", "CLAPP prediction matrix", Off = "symmetric", On = "asymmetric")]
    public bool Asymmetric { get; set; }
    /// <summary>W_pred starts at zero instead of N(0, 1/n²).</summary>
    [RunOption("wpred-init", "CLAPP prediction matrix initialisation", Off = "scaled-gaussian", On = "zero")]
    public bool ZeroInit { get; set; }
    /// <summary>Representation of multi-position layers.</summary>
    [RunOptionGroup]
    public RepresentationOptions Representation { get; set; } = new();
    /// <summary>The anti-collapse mechanism of CLAPP without negatives; null for CLAPP with negatives.</summary>
    [RunOptionGroup]
    public AntiCollapseOptions? AntiCollapse { get; set; }
    /// <summary>How the negative partners are drawn (triplets: by the trainer's pair sampler; in-batch: from the batch).</summary>
    [RunOption("negatives", "Negative partners")]
    public NegativeMode NegativePartners { get; set; } = NegativeMode.OtherClass;

    /// <summary>Whether the loss has negatives: CLAPP proper. Without them an anti-collapse mechanism replaces them.</summary>
    public bool Negatives => AntiCollapse is null;

    /// <summary>In-batch pairing only: the negative is the next row whatever its class (<c>--negatives shift</c>).</summary>
    public bool ShiftNegatives => NegativePartners == NegativeMode.Shift;

    /// <summary>Whether an anti-collapse component is in force: only without negatives.</summary>
    public bool Has(NoNegativesMode component) => AntiCollapse is { } ac && (ac.Components & component) != 0;

    /// <inheritdoc/>
    public void Check()
    {
        if (InBatch && NegativePartners == NegativeMode.Random)
            throw new ArgumentException("negatives: random is not available with clapp-pairing in-batch (use other-class or shift)");
    }
}

/// <summary>
/// The CLAPP loss of one layer: score u = zᵀ W_pred c between the context c (anchor) and a target z (partner),
/// hinges max(0, 1 − u⁺) and max(0, 1 + u⁻), averaged over anchors. Computes the loss, its gradient with respect to
/// every row of the layer's activations (anchors, positives, negatives) and to W_pred. Gradient descent on it is
/// the three-factor rule of §3.7: a global sign γ, a dendritic prediction gated by ρ′, and presynaptic activity.
/// </summary>
public sealed class ClappObjective<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IMatMul _mm;
    private readonly ClappOptions _o;
    // The anti-collapse constants (their defaults with negatives, where none is read) and components, read once:
    // the options parse the mechanism's name, which must not happen in a step.
    private readonly AntiCollapseOptions _ac;
    private readonly NoNegativesMode _components;
    private readonly int _rowsPerSample, _dim;
    private readonly RepresentationView<T> _view;
    private readonly T[] _wc, _wc2, _q, _rowCoef, _rowCoef2;
    private readonly double[] _uPos, _uNeg;
    private readonly VicregTerms<T>? _vicreg;
    private readonly Rng _coins;
    private readonly T[] _norm, _normGrad, _wEff1, _wEff2;
    private readonly double[] _invScale;
    // running-centered: the running means of contexts, targets and negatives, and whether each has been seeded.
    private readonly double[] _running;
    private readonly bool[] _runningSeeded = new bool[3];
    private ComponentKeys? _keys;

    /// <summary>
    /// Creates the objective of a layer with <paramref name="width"/> channels at <paramref name="positions"/>
    /// positions; W_pred is drawn from <paramref name="init"/>, the coins of <c>either</c> mode from <paramref name="coins"/>.
    /// </summary>
    public ClappObjective(IMatMul matMul, ClappOptions options, int width, int positions, int maxAnchors, Rng init, Rng coins, string name)
    {
        _mm = matMul ?? throw new ArgumentNullException(nameof(matMul));
        _o = options ?? throw new ArgumentNullException(nameof(options));
        _ac = options.AntiCollapse ?? new AntiCollapseOptions();
        _components = options.AntiCollapse?.Components ?? NoNegativesMode.HingeOnly;
        _coins = coins ?? throw new ArgumentNullException(nameof(coins));
        _view = new RepresentationView<T>(options.Representation.Mode, width, positions, 3 * maxAnchors);
        (_rowsPerSample, _dim) = (_view.RowsPerSample, _view.Dim);
        int rows = maxAnchors * _rowsPerSample;
        _wc = new T[rows * _dim];
        _wc2 = options.Asymmetric ? new T[rows * _dim] : [];
        _q = new T[rows * _dim];
        _rowCoef = new T[2 * rows];
        _rowCoef2 = new T[2 * rows];
        _uPos = new double[maxAnchors];
        _uNeg = new double[maxAnchors];
        Predictor = NewPredictor(name + (options.Asymmetric ? "a" : ""));
        if (options.Asymmetric) Retrodictor = NewPredictor(name + "b");
        if (Has(NoNegativesMode.VicregReg))
            _vicreg = new VicregTerms<T>(matMul, _dim, 3 * rows);
        bool normalizes = Has(NoNegativesMode.Normalized) || Has(NoNegativesMode.Standardized) || Has(NoNegativesMode.Centered)
            || Has(NoNegativesMode.RunningCentered);
        _running = Has(NoNegativesMode.RunningCentered) ? new double[3 * _dim] : [];
        _norm = normalizes ? new T[3 * rows * _dim] : [];
        _normGrad = normalizes ? new T[3 * rows * _dim] : [];
        _invScale = normalizes ? new double[3 * Math.Max(rows, _dim)] : [];
        bool radius = Has(NoNegativesMode.Normalized);
        _wEff1 = radius ? new T[_dim * _dim] : [];
        _wEff2 = radius && options.Asymmetric ? new T[_dim * _dim] : [];

        Parameter<T> NewPredictor(string n)
        {
            var w = new T[_dim * _dim];
            if (!options.ZeroInit)
                for (int i = 0; i < w.Length; i++) w[i] = T.CreateTruncating(init.NextGaussian() / _dim);
            return new Parameter<T>(n, w, ParameterKind.Predictor, -1);
        }
    }

    private bool Has(NoNegativesMode component) => (_components & component) != 0;

    /// <summary>W_pred (symmetric) or W₁, the target-side matrix (asymmetric).</summary>
    public Parameter<T> Predictor { get; }

    /// <summary>W₂, the context-side matrix of the asymmetric variant; null otherwise.</summary>
    public Parameter<T>? Retrodictor { get; }

    /// <summary>Dimension of the vectors the loss compares.</summary>
    public int Dim => _dim;

    /// <summary>
    /// Evaluates the loss on a layer's activations h ([3B, H·d], anchors then positives then negatives) and writes
    /// ∂ℓ/∂h into <paramref name="grad"/> and ∂ℓ/∂W into the predictors' gradient buffers.
    /// </summary>
    /// <param name="h">Activations of the 3B rows.</param>
    /// <param name="anchors">B.</param>
    /// <param name="hasPositive">Per anchor: whether a positive partner exists.</param>
    /// <param name="hasNegative">Per anchor: whether a negative partner exists.</param>
    /// <param name="grad">∂ℓ/∂h for the 3B rows (overwritten).</param>
    /// <param name="stats">Receives mean u⁺, u⁻, the hinge terms and the active fraction under <paramref name="prefix"/>.</param>
    /// <param name="prefix">Key prefix, e.g. <c>layer2.</c>.</param>
    /// <returns>The batch loss (mean over anchors).</returns>
    public double Evaluate(ReadOnlySpan<T> h, int anchors, ReadOnlySpan<bool> hasPositive, ReadOnlySpan<bool> hasNegative, Span<T> grad, StepStats stats, string prefix)
    {
        ArgumentNullException.ThrowIfNull(stats);
        if (_keys?.Prefix != prefix) _keys = new ComponentKeys(prefix);
        var keys = _keys;
        int b = anchors, g = _rowsPerSample, dim = _dim, rows = b * g;
        var rawRows = _view.Rows(h, 3 * b);
        var rawGrad = _view.RowGradient(grad, 3 * b);
        // Normalising variants score transformed copies of the rows; their gradient returns through the transform.
        bool sampleNorm = Has(NoNegativesMode.Normalized), scaled = Has(NoNegativesMode.Standardized);
        bool running = Has(NoNegativesMode.RunningCentered);
        bool batchNorm = scaled || Has(NoNegativesMode.Centered) || running;
        int blocks = _o.Negatives ? 3 : 2;
        ReadOnlySpan<T> rowsSpan = rawRows;
        Span<T> dr = rawGrad;
        if (sampleNorm || batchNorm)
        {
            var normed = _norm.AsSpan(0, 3 * rows * dim);
            normed.Clear();
            for (int k = 0; k < blocks; k++)
            {
                var src = rawRows.Slice(k * rows * dim, rows * dim);
                var dst = normed.Slice(k * rows * dim, rows * dim);
                if (sampleNorm) NormalizeRows(src, dst, rows, _invScale.AsSpan(k * rows, rows));
                else if (running) CenterByRunningMean(src, dst, rows, k);
                else Standardize(src, dst, rows, _invScale.AsSpan(k * dim, dim), scaled);
            }
            rowsSpan = normed;
            dr = _normGrad.AsSpan(0, 3 * rows * dim);
            dr.Clear();
        }
        var c = rowsSpan[..(rows * dim)];
        var zp = rowsSpan.Slice(rows * dim, rows * dim);
        var zn = rowsSpan.Slice(2 * rows * dim, rows * dim);
        var dc = dr[..(rows * dim)];
        var dzp = dr.Slice(rows * dim, rows * dim);
        var dzn = dr.Slice(2 * rows * dim, rows * dim);

        // Which terms each anchor contributes: both, or one chosen by a coin in "either" mode.
        double scale = (_o.MeanCombine ? 0.5 : 1.0) / b;
        double uScale = _o.Representation.Mode == RepresentationMode.PerPositionMean ? 1.0 / g : 1.0;
        Span<bool> usePos = b <= 1024 ? stackalloc bool[b] : new bool[b];
        Span<bool> useNeg = b <= 1024 ? stackalloc bool[b] : new bool[b];
        for (int i = 0; i < b; i++)
        {
            bool pos = hasPositive[i], neg = _o.Negatives && hasNegative[i];
            if (_o.Mode == ClappMode.Either && pos && neg)
            {
                if ((_coins.NextUInt64() & 1) == 0) neg = false; else pos = false;
            }
            usePos[i] = pos;
            useNeg[i] = neg;
        }

        double loss = 0, posLoss = 0, negLoss = 0, upSum = 0, unSum = 0;
        int active = 0, terms = 0;
        bool onlyContext = Has(NoNegativesMode.AsymStopGrad) || Has(NoNegativesMode.EmaTarget);
        double norm1 = 0, norm2 = 0;
        ReadOnlySpan<T> w1 = sampleNorm ? Rescaled(Predictor.Value, _wEff1, out norm1) : Predictor.Value;
        // Target-side (prediction) term with W₁ = W_pred: u = zᵀ W₁ c.
        var wc = _wc.AsSpan(0, rows * dim);
        _mm.Gemm(false, true, rows, dim, dim, T.One, c, dim, w1, dim, T.Zero, wc, dim);
        Scores(zp, zn, wc, g, uScale, b);
        var coef = _rowCoef.AsSpan(0, 2 * rows);
        Hinges(usePos, useNeg, scale, uScale, g, coef, ref loss, ref posLoss, ref negLoss, ref upSum, ref unSum, ref active, ref terms);
        var q = _q.AsSpan(0, rows * dim);
        if (!_o.Asymmetric && !onlyContext)
        {
            // Symmetric: the gradient reaches the targets through W c and the context through Wᵀ z.
            AddScaledRows(wc, coef[..rows], dzp, dim);
            AddScaledRows(wc, coef[rows..], dzn, dim);
            CombineTargets(zp, zn, coef, q, dim);
            _mm.Gemm(false, false, rows, dim, dim, T.One, q, dim, w1, dim, T.Zero, dc, dim);
            _mm.Gemm(true, false, dim, dim, rows, T.One, q, dim, c, dim, T.Zero, Predictor.Grad, dim);
        }
        else if (onlyContext)
        {
            // Stop-gradient on the target: u = sg(z)ᵀ W c trains only the context side and W.
            CombineTargets(zp, zn, coef, q, dim);
            _mm.Gemm(false, false, rows, dim, dim, T.One, q, dim, w1, dim, T.Zero, dc, dim);
            _mm.Gemm(true, false, dim, dim, rows, T.One, q, dim, c, dim, T.Zero, Predictor.Grad, dim);
        }
        else
        {
            // Asymmetric: u₁ = zᵀ W₁ sg(c) trains the targets and W₁; u₂ = sg(z)ᵀ W₂ c the context and W₂.
            AddScaledRows(wc, coef[..rows], dzp, dim);
            AddScaledRows(wc, coef[rows..], dzn, dim);
            CombineTargets(zp, zn, coef, q, dim);
            _mm.Gemm(true, false, dim, dim, rows, T.One, q, dim, c, dim, T.Zero, Predictor.Grad, dim);
            ReadOnlySpan<T> w2 = sampleNorm ? Rescaled(Retrodictor!.Value, _wEff2, out norm2) : Retrodictor!.Value;
            var wc2 = _wc2.AsSpan(0, rows * dim);
            _mm.Gemm(false, true, rows, dim, dim, T.One, c, dim, w2, dim, T.Zero, wc2, dim);
            Scores(zp, zn, wc2, g, uScale, b);
            var coef2 = _rowCoef2.AsSpan(0, 2 * rows);
            Hinges(usePos, useNeg, scale, uScale, g, coef2, ref loss, ref posLoss, ref negLoss, ref upSum, ref unSum, ref active, ref terms);
            CombineTargets(zp, zn, coef2, q, dim);
            _mm.Gemm(false, false, rows, dim, dim, T.One, q, dim, w2, dim, T.Zero, dc, dim);
            _mm.Gemm(true, false, dim, dim, rows, T.One, q, dim, c, dim, T.Zero, Retrodictor!.Grad, dim);
        }
        if (sampleNorm)
        {
            // The buffers hold ∂ℓ/∂W_eff; W_eff = s·W with s = r·sqrt(n)/‖W‖, so ∂ℓ/∂W = s·(G − W⟨W, G⟩/‖W‖²).
            RescaleGradient(Predictor.Value, Predictor.Grad, norm1);
            if (Retrodictor != null) RescaleGradient(Retrodictor.Value, Retrodictor.Grad, norm2);
        }
        if (sampleNorm || batchNorm)
        {
            for (int k = 0; k < blocks; k++)
            {
                var y = rowsSpan.Slice(k * rows * dim, rows * dim);
                var dy = dr.Slice(k * rows * dim, rows * dim);
                var dx = rawGrad.Slice(k * rows * dim, rows * dim);
                if (sampleNorm) NormalizeRowsBackward(y, dy, dx, rows, _invScale.AsSpan(k * rows, rows));
                else if (running) dy.CopyTo(dx);
                else StandardizeBackward(y, dy, dx, rows, _invScale.AsSpan(k * dim, dim), scaled);
            }
        }

        if (Has(NoNegativesMode.WpredDecay))
        {
            double sq = 0;
            foreach (var p in Retrodictor is null ? [Predictor] : new[] { Predictor, Retrodictor })
            {
                foreach (var x in p.Value) { double v = double.CreateTruncating(x); sq += v * v; }
                TensorPrimitives.MultiplyAdd(p.Value, T.CreateTruncating(_ac.WpredDecay), p.Grad, p.Grad);
            }
            loss += 0.5 * _ac.WpredDecay * sq;
            stats.Components[keys["wpred_decay"]] = 0.5 * _ac.WpredDecay * sq;
        }
        if (_vicreg != null)
        {
            // Variance and covariance of the anchors' and the positives' raw rows: on transformed rows the variance
            // floor could not reach the units' real activity, and shrinking every unit would lower the covariance.
            var rc = rawRows[..(rows * dim)];
            var rzp = rawRows.Slice(rows * dim, rows * dim);
            var (v1, c1) = _vicreg.VarianceCovariance(rc, rows, rawGrad[..(rows * dim)], _ac.VarianceWeight * 0.5, _ac.CovarianceWeight);
            var (v2, c2) = _vicreg.VarianceCovariance(rzp, rows, rawGrad.Slice(rows * dim, rows * dim), _ac.VarianceWeight * 0.5, _ac.CovarianceWeight);
            loss += _ac.VarianceWeight * 0.5 * (v1 + v2) + _ac.CovarianceWeight * (c1 + c2);
            stats.Components[keys["variance"]] = 0.5 * (v1 + v2);
            stats.Components[keys["covariance"]] = c1 + c2;
        }

        _view.Scatter(grad, 3 * b);
        int pairs = 0, negs = 0;
        for (int i = 0; i < b; i++)
        {
            if (usePos[i]) pairs++;
            if (useNeg[i]) negs++;
        }
        stats.Components[keys["pos"]] = posLoss / b;
        stats.Components[keys["neg"]] = negLoss / b;
        stats.Components[keys["u_pos"]] = pairs > 0 ? upSum / pairs : double.NaN;
        stats.Components[keys["u_neg"]] = negs > 0 ? unSum / negs : double.NaN;
        stats.Components[keys["active"]] = terms > 0 ? (double)active / terms : 0;
        return loss;
    }

    // W_eff = r·sqrt(n)·W/‖W‖ into buf; returns ‖W‖.
    private ReadOnlySpan<T> Rescaled(ReadOnlySpan<T> w, T[] buf, out double norm)
    {
        norm = Math.Sqrt(double.CreateTruncating(TensorPrimitives.SumOfSquares(w)));
        double s = norm > 0 ? _ac.WpredRadius * Math.Sqrt(_dim) / norm : 0;
        TensorPrimitives.Multiply(w, T.CreateTruncating(s), buf);
        return buf;
    }

    private void RescaleGradient(ReadOnlySpan<T> w, Span<T> g, double norm)
    {
        if (norm <= 0) { g.Clear(); return; }
        double s = _ac.WpredRadius * Math.Sqrt(_dim) / norm;
        double proj = double.CreateTruncating(TensorPrimitives.Dot(w, g)) / (norm * norm);
        TensorPrimitives.MultiplyAdd(w, T.CreateTruncating(-proj), g, g);
        TensorPrimitives.Multiply(g, T.CreateTruncating(s), g);
    }

    // y_r = x_r / sqrt(‖x_r‖² + ε); keeps 1/sqrt(‖x_r‖² + ε) per row for the backward pass.
    private void NormalizeRows(ReadOnlySpan<T> x, Span<T> y, int rows, Span<double> inv)
    {
        int n = _dim;
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * n, n);
            inv[r] = 1 / Math.Sqrt(double.CreateTruncating(TensorPrimitives.SumOfSquares(xr)) + VicregTerms<T>.Epsilon);
            TensorPrimitives.Multiply(xr, T.CreateTruncating(inv[r]), y.Slice(r * n, n));
        }
    }

    // ∂ℓ/∂x_r = (∂ℓ/∂y_r − y_r⟨y_r, ∂ℓ/∂y_r⟩)/sqrt(‖x_r‖² + ε).
    private void NormalizeRowsBackward(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx, int rows, ReadOnlySpan<double> inv)
    {
        int n = _dim;
        for (int r = 0; r < rows; r++)
        {
            var yr = y.Slice(r * n, n);
            var dxr = dx.Slice(r * n, n);
            T proj = TensorPrimitives.Dot(yr, dy.Slice(r * n, n));
            TensorPrimitives.MultiplyAdd(yr, -proj, dy.Slice(r * n, n), dxr);
            TensorPrimitives.Multiply(dxr, T.CreateTruncating(inv[r]), dxr);
        }
    }

    // y_rj = (x_rj − mean_j)/sqrt(var_j + ε) over the rows, var with 1/N (or only x_rj − mean_j); keeps the divisor's inverse per unit.
    private void Standardize(ReadOnlySpan<T> x, Span<T> y, int rows, Span<double> inv, bool scaled)
    {
        int n = _dim;
        Span<double> mean = n <= 4096 ? stackalloc double[n] : new double[n];
        mean.Clear();
        inv.Clear();
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j++) mean[j] += double.CreateTruncating(x[r * n + j]);
        for (int j = 0; j < n; j++) mean[j] /= rows;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j++) { double d = double.CreateTruncating(x[r * n + j]) - mean[j]; inv[j] += d * d; }
        for (int j = 0; j < n; j++) inv[j] = scaled ? 1 / Math.Sqrt(inv[j] / rows + _ac.StandardizeEpsilon) : 1;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j++) y[r * n + j] = T.CreateTruncating((double.CreateTruncating(x[r * n + j]) - mean[j]) * inv[j]);
    }

    /// <summary>
    /// y = x − m with the running mean m of earlier batches, a constant of this step (so ∂y/∂x = I); then m moves
    /// towards this batch's mean. The first batch seeds m with its own mean, so its rows are centred as by
    /// <c>centered</c> but, unlike it, without a gradient through the mean.
    /// </summary>
    private void CenterByRunningMean(ReadOnlySpan<T> x, Span<T> y, int rows, int block)
    {
        int n = _dim;
        var m = _running.AsSpan(block * n, n);
        Span<double> mean = n <= 4096 ? stackalloc double[n] : new double[n];
        mean.Clear();
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j++) mean[j] += double.CreateTruncating(x[r * n + j]);
        for (int j = 0; j < n; j++) mean[j] /= rows;
        if (!_runningSeeded[block]) { mean.CopyTo(m); _runningSeeded[block] = true; }
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j++) y[r * n + j] = T.CreateTruncating(double.CreateTruncating(x[r * n + j]) - m[j]);
        double tau = _ac.CenterDecay;
        for (int j = 0; j < n; j++) m[j] = tau * m[j] + (1 - tau) * mean[j];
    }

    // ∂ℓ/∂x_rj = (g_rj − mean_r g_rj − y_rj·mean_r(g_rj y_rj))/sqrt(var_j + ε): the mean and the variance depend on
    // every row. Centring alone keeps only the first two terms.
    private void StandardizeBackward(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx, int rows, ReadOnlySpan<double> inv, bool scaled)
    {
        int n = _dim;
        Span<double> mg = n <= 2048 ? stackalloc double[2 * n] : new double[2 * n];
        mg.Clear();
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j++)
            {
                double g = double.CreateTruncating(dy[r * n + j]);
                mg[j] += g;
                mg[n + j] += g * double.CreateTruncating(y[r * n + j]);
            }
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j++)
            {
                double g = double.CreateTruncating(dy[r * n + j]), yv = double.CreateTruncating(y[r * n + j]);
                dx[r * n + j] = T.CreateTruncating((g - mg[j] / rows - (scaled ? yv * mg[n + j] / rows : 0)) * inv[j]);
            }
    }

    private void Scores(ReadOnlySpan<T> zp, ReadOnlySpan<T> zn, ReadOnlySpan<T> wc, int g, double uScale, int b)
    {
        int dim = _dim;
        for (int i = 0; i < b; i++)
        {
            double up = 0, un = 0;
            for (int j = 0; j < g; j++)
            {
                int off = (i * g + j) * dim;
                up += double.CreateTruncating(TensorPrimitives.Dot(zp.Slice(off, dim), wc.Slice(off, dim)));
                if (_o.Negatives) un += double.CreateTruncating(TensorPrimitives.Dot(zn.Slice(off, dim), wc.Slice(off, dim)));
            }
            _uPos[i] = up * uScale;
            _uNeg[i] = un * uScale;
        }
    }

    // Per-row coefficients dℓ/du for the positive rows (first half) and the negative rows (second half).
    private void Hinges(ReadOnlySpan<bool> usePos, ReadOnlySpan<bool> useNeg, double scale, double uScale, int g, Span<T> coef,
        ref double loss, ref double posLoss, ref double negLoss, ref double upSum, ref double unSum, ref int active, ref int terms)
    {
        int b = usePos.Length, rows = b * g;
        coef.Clear();
        for (int i = 0; i < b; i++)
        {
            if (usePos[i])
            {
                double u = _uPos[i];
                upSum += u;
                terms++;
                if (u < 1)
                {
                    active++;
                    posLoss += 1 - u;
                    loss += scale * (1 - u);
                    for (int j = 0; j < g; j++) coef[i * g + j] = T.CreateTruncating(-scale * uScale);
                }
            }
            if (useNeg[i])
            {
                double u = _uNeg[i];
                unSum += u;
                terms++;
                if (u > -1)
                {
                    active++;
                    negLoss += 1 + u;
                    loss += scale * (1 + u);
                    for (int j = 0; j < g; j++) coef[rows + i * g + j] = T.CreateTruncating(scale * uScale);
                }
            }
        }
    }

    private static void AddScaledRows(ReadOnlySpan<T> src, ReadOnlySpan<T> coef, Span<T> dst, int dim)
    {
        for (int r = 0; r < coef.Length; r++)
        {
            if (coef[r] == T.Zero) continue;
            var d = dst.Slice(r * dim, dim);
            TensorPrimitives.MultiplyAdd(src.Slice(r * dim, dim), coef[r], d, d);
        }
    }

    // q_row = a⁺_row·z⁺_row + a⁻_row·z⁻_row: the targets weighted by their hinge derivatives.
    private static void CombineTargets(ReadOnlySpan<T> zp, ReadOnlySpan<T> zn, ReadOnlySpan<T> coef, Span<T> q, int dim)
    {
        int rows = coef.Length / 2;
        for (int r = 0; r < rows; r++)
        {
            var dst = q.Slice(r * dim, dim);
            TensorPrimitives.Multiply(zp.Slice(r * dim, dim), coef[r], dst);
            if (coef[rows + r] != T.Zero) TensorPrimitives.MultiplyAdd(zn.Slice(r * dim, dim), coef[rows + r], dst, dst);
        }
    }
}
