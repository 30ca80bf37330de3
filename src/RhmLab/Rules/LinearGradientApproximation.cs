using System.Numerics;
using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Options;

namespace RhmLab.Rules;

/// <summary>The run options of the linear-gradient-approximation oracle: the loss, and how often it refits.</summary>
public sealed record LgaOptions : LossOptions
{
    /// <summary>Refit on each batch instead of on the full training set once per epoch.</summary>
    [RunOption("lga-refit", "Oracle refit", Off = "epoch", On = "step")]
    public bool RefitEveryStep { get; set; }
}

/// <summary>
/// The oracle of docs/METHODS.md §3.5 (<c>lga</c>, linear gradient approximation): the best input-independent linear
/// feedback G^k = argmin_G Σ_μ ‖G e_μ − g^k_μ‖² = (Σ_μ g^k_μ e_μᵀ)(Σ_μ e_μ e_μᵀ)⁺, fitted to the exact BP gradients
/// with respect to the post-activations, then used like DFA: δ^k = M^k ⊙ (G^k e). If even this feedback fails,
/// the missing ingredient is input-specific masking, not the quality of the feedback matrix.
/// </summary>
/// <remarks>
/// Under cross-entropy Σ_c e_c = 0, so Σ e eᵀ has rank ≤ n_c − 1: the default solver is the Moore–Penrose
/// pseudo-inverse by eigendecomposition with relative cutoff 1e-10; <c>ridge:λ</c> adds λI instead.
/// </remarks>
public sealed class LinearGradientApproximation<T> : DirectFeedbackRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const double PinvCutoff = 1e-10;
    private ForwardPass<T>? _fitPass;
    private double[] _gram = [];
    private double[][] _cross = [];
    private T[] _tmp = [];
    private int[] _labels = [];

    /// <summary>Creates the oracle from its run options.</summary>
    public LinearGradientApproximation(LgaOptions options)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Loss, options.RefitEveryStep)
    {
    }

    /// <summary>Creates the oracle.</summary>
    /// <param name="loss">Loss (the paper's Fig. 7 uses MSE).</param>
    /// <param name="refitEveryStep">lga-refit = step: refit on each batch instead of the full training set per epoch.</param>
    /// <param name="ridge">ridge:λ solver when positive; pinv when 0.</param>
    public LinearGradientApproximation(LossKind loss = LossKind.CrossEntropy, bool refitEveryStep = false, double ridge = 0)
        : base(loss, trueTop: false, shared: false, scale: DfaScale.Unit)
    {
        RefitEveryStep = refitEveryStep;
        Ridge = ridge;
    }

    /// <inheritdoc />
    protected override string RuleName => "lga";

    /// <summary>Whether G is refitted on every batch.</summary>
    public bool RefitEveryStep { get; }

    /// <summary>The ridge λ (0: pseudo-inverse).</summary>
    public double Ridge { get; }

    /// <summary>Relative residual ‖G e − g‖²/‖g‖² of the last fit per layer: how much of BP a linear feedback explains.</summary>
    public double[] FitResidual { get; private set; } = [];

    /// <inheritdoc />
    protected override void DrawMatrices(Network<T> network, RuleContext context)
    {
        // Nothing random: G is fitted before it is used.
        int c = network.Classes;
        _gram = new double[c * c];
        _cross = network.Layers.Select(l => new double[c * l.Units]).ToArray();
        _tmp = new T[network.Layers.Max(l => l.Units) * c];
        FitResidual = new double[network.Depth];
    }

    /// <inheritdoc />
    public override void BeginEpoch(int epoch)
    {
        if (RefitEveryStep) return;
        var train = Context.Train ?? throw new InvalidOperationException("lga needs the training set to refit its feedback");
        var net = Net;
        int batch = Context.MaxBatch;
        _fitPass ??= net.CreatePass(batch);
        if (_labels.Length != batch) _labels = new int[batch];
        Clear();
        for (int start = 0; start < train.Count; start += batch)
        {
            int b = Math.Min(batch, train.Count - start);
            train.Labels.AsSpan(start, b).CopyTo(_labels);
            net.ForwardTokens(train.TokenData, start, b, _fitPass);
            Accumulate(_fitPass, _labels.AsSpan(0, b));
        }
        Solve();
    }

    /// <inheritdoc />
    protected override void ComputeDeltas(ForwardPass<T> pass, ReadOnlySpan<T> error)
    {
        if (RefitEveryStep)
        {
            Clear();
            AccumulateFromError(pass, error);
            Solve();
        }
        base.ComputeDeltas(pass, error);
    }

    private void Clear()
    {
        Array.Clear(_gram);
        foreach (var c in _cross) Array.Clear(c);
        Array.Clear(FitResidual);
        if (_residualDenominator.Length != FitResidual.Length) _residualDenominator = new double[FitResidual.Length];
        Array.Clear(_residualDenominator);
    }

    private void Accumulate(ForwardPass<T> pass, ReadOnlySpan<int> labels)
    {
        var net = Net;
        var e = Error.AsSpan(0, pass.Batch * net.Classes);
        Loss.Evaluate<T>(LossKind, pass.Logits.AsSpan(0, e.Length), labels, net.Classes, e, out _);
        AccumulateFromError(pass, e);
    }

    // The fit's residual needs no second pass: for least squares, min Σ‖Ge − g‖² = Σ‖g‖² − tr(S_egᵀ S_ee⁺ S_eg).
    private double[] _residualDenominator = [];

    private void AccumulateFromError(ForwardPass<T> pass, ReadOnlySpan<T> error)
    {
        var net = Net;
        int b = pass.Batch, c = net.Classes;
        BackpropSignals(pass, error);
        var mm = net.MatMul;
        // S_ee += EᵀE (n_c × n_c) and S_eg^k += Eᵀ G^k (n_c × n_k), accumulated in double. e and g carry the batch
        // mean's 1/B; the factor B² restores per-sample terms, so a short last batch is not weighted more.
        double w = (double)b * b;
        var tmp = _tmp.AsSpan(0, c * c);
        mm.Gemm(true, false, c, c, b, T.One, error, c, error, c, T.Zero, tmp, c);
        for (int i = 0; i < c * c; i++) _gram[i] += w * double.CreateTruncating(tmp[i]);
        for (int k = 0; k < net.Depth; k++)
        {
            int units = net.Layers[k].Units;
            var g = Signals[k].AsSpan(0, b * units);
            var t = _tmp.AsSpan(0, c * units);
            mm.Gemm(true, false, c, units, b, T.One, error, c, g, units, T.Zero, t, units);
            var acc = _cross[k];
            for (int i = 0; i < acc.Length; i++) acc[i] += w * double.CreateTruncating(t[i]);
            double energy = 0;
            foreach (var x in g) { double v = double.CreateTruncating(x); energy += v * v; }
            _residualDenominator[k] += w * energy;
        }
    }

    private void Solve()
    {
        var net = Net;
        int c = net.Classes;
        var inv = new double[c * c];
        if (Ridge > 0)
        {
            var a = (double[])_gram.Clone();
            for (int i = 0; i < c; i++) a[i * c + i] += Ridge;
            var identity = new double[c * c];
            for (int i = 0; i < c; i++) identity[i * c + i] = 1;
            inv = LinearAlgebra.SolveSpd(a, c, identity, c);
        }
        else
        {
            var values = new double[c];
            var vectors = new double[c * c];
            LinearAlgebra.SymmetricEigen(_gram, c, values, vectors);
            double cutoff = PinvCutoff * Math.Max(values[0], 0);
            for (int i = 0; i < c; i++)
            {
                if (values[i] <= cutoff) continue;
                for (int r = 0; r < c; r++)
                    for (int s = 0; s < c; s++) inv[r * c + s] += vectors[i * c + r] * vectors[i * c + s] / values[i];
            }
        }
        // Gᵀ = S_ee⁺ · S_eg, stored as the DFA matrices [n_c, n_k].
        for (int k = 0; k < net.Depth; k++)
        {
            int units = net.Layers[k].Units;
            var cross = _cross[k];
            var m = Matrices[k];
            double explained = 0;
            for (int r = 0; r < c; r++)
            {
                for (int u = 0; u < units; u++)
                {
                    double sum = 0;
                    for (int s = 0; s < c; s++) sum += inv[r * c + s] * cross[s * units + u];
                    m[r * units + u] = T.CreateTruncating(sum);
                    explained += sum * cross[r * units + u];
                }
            }
            double total = _residualDenominator[k];
            FitResidual[k] = total > 0 ? Math.Max(0, total - explained) / total : double.NaN;
        }
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Diagnostics()
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int k = 0; k < FitResidual.Length; k++) d[$"layer{k + 1}.lga_residual"] = FitResidual[k];
        return d;
    }
}
