using System.Numerics;
using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Options;

namespace RhmLab.Rules;

/// <summary>Which non-contrastive loss (docs/METHODS.md §3.9–§3.10).</summary>
public enum NonContrastiveLoss
{
    /// <summary>ℓ = 25·inv + 25·V + 1·(cov(Z) + cov(Z′)).</summary>
    Vicreg,
    /// <summary>ℓ = pull + ½(push(Z) + push(Z′)) + 10·½(dec(Z) + dec(Z′)).</summary>
    Lpl,
}

/// <summary>VICReg factor conventions (<c>vicreg-factors</c>).</summary>
public enum VicregFactors
{
    /// <summary>Default ([VIC-code]): V = ½(var(Z) + var(Z′)); invariance is a mean over N·n.</summary>
    [Choice("code")] Code,
    /// <summary>[SOLO]: V = var(Z) + var(Z′).</summary>
    [Choice("solo")] Solo,
    /// <summary>The paper's equation: V summed, invariance (1/N) Σ_μ ‖z_μ − z′_μ‖².</summary>
    [Choice("paper-eq")] PaperEq,
}

/// <summary>The run options of VICReg (layer-local and end to end): the representation view and the factor convention.</summary>
public sealed record VicregOptions
{
    /// <summary>How a multi-position layer becomes the rows the loss sees.</summary>
    [RunOptionGroup]
    public RepresentationOptions Representation { get; set; } = new();
    /// <summary>The factor convention.</summary>
    [RunOption("vicreg-factors", "VICReg factor convention")]
    public VicregFactors Factors { get; set; } = VicregFactors.Code;
}

/// <summary>The run options of LPL (layer-local and end to end): the representation view and the pull term.</summary>
public sealed record LplOptions
{
    /// <summary>How a multi-position layer becomes the rows the loss sees.</summary>
    [RunOptionGroup]
    public RepresentationOptions Representation { get; set; } = new();
    /// <summary>The pull term stops the gradient through the past representation (<c>sg-past</c>) instead of pulling both.</summary>
    [RunOption("lpl-pull", "LPL pull term", Off = "symmetric", On = "sg-past")]
    public bool StopGradientPast { get; set; }
}

/// <summary>
/// VICReg- and LPL-style losses on pairs of an anchor's representation Z (time t) and its positive partner's Z′
/// (time t + Δt); no negatives and no prediction matrix. Layer-local (each layer's loss trains only that layer,
/// from a detached input) or end to end (the loss on the top layer, backpropagated through every layer).
/// </summary>
/// <remarks>
/// An anchor whose class has a single training datum has no positive; its partner row repeats the anchor, so it
/// adds nothing to the invariance term but still counts in the batch statistics.
/// </remarks>
public sealed class NonContrastiveRule<T> : SelfSupervisedRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly NonContrastiveLoss _loss;
    private readonly VicregFactors _factors;
    private readonly bool _sgPast, _endToEnd;
    private readonly RepresentationMode _rep;
    private RepresentationView<T>[] _views = [];
    private VicregTerms<T>[] _terms = [];
    private ComponentKeys[] _keys = [];

    /// <summary>Creates a VICReg rule from its run options.</summary>
    public NonContrastiveRule(string name, VicregOptions options, bool endToEnd)
        : this(name, NonContrastiveLoss.Vicreg, (options ?? throw new ArgumentNullException(nameof(options))).Representation.Mode, endToEnd, options.Factors)
    {
    }

    /// <summary>Creates an LPL rule from its run options.</summary>
    public NonContrastiveRule(string name, LplOptions options, bool endToEnd)
        : this(name, NonContrastiveLoss.Lpl, (options ?? throw new ArgumentNullException(nameof(options))).Representation.Mode, endToEnd, sgPast: options.StopGradientPast)
    {
    }

    /// <summary>Creates the rule.</summary>
    public NonContrastiveRule(string name, NonContrastiveLoss loss, RepresentationMode representation, bool endToEnd = false,
        VicregFactors factors = VicregFactors.Code, bool sgPast = false)
    {
        Name = name;
        _loss = loss;
        _rep = representation;
        _endToEnd = endToEnd;
        _factors = factors;
        _sgPast = sgPast;
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <inheritdoc />
    public override void Attach(Network<T> network, IReadOnlyList<Parameter<T>> networkParameters, RuleContext context)
    {
        base.Attach(network, networkParameters, context);
        _views = network.Layers.Select(l => new RepresentationView<T>(_rep, l.Width, l.Positions, context.MaxBatch)).ToArray();
        _terms = _views.Select(v => new VicregTerms<T>(network.MatMul, v.Dim, context.MaxBatch / 3 * v.RowsPerSample)).ToArray();
        _keys = ComponentKeys.Layers(network.Depth);
    }

    /// <inheritdoc />
    protected override void ComputeHiddenGrads(ForwardPass<T> pass, ReadOnlySpan<int> labels, StepStats stats)
    {
        var net = Net;
        int b = pass.Batch / 3;
        int top = net.Depth - 1;
        double total = 0;
        for (int k = _endToEnd ? top : 0; k <= top; k++)
        {
            var l = net.Layers[k];
            total += LayerLoss(k, pass.Post[k].AsSpan(0, pass.Batch * l.Units), b, HiddenGrads[k], stats, _keys[k]);
            if (!_endToEnd) ApplyLayerUpdate(pass, k);
        }
        if (_endToEnd)
        {
            for (int k = top; k >= 0; k--)
            {
                ApplyLayerUpdate(pass, k);
                if (k > 0) net.SignalDown(pass, k, Deltas[k], HiddenGrads[k - 1]);
            }
        }
        stats.Loss = total;
    }

    /// <summary>The loss of one layer on its 3B activation rows; writes ∂ℓ/∂h (zero for the negative rows).</summary>
    private double LayerLoss(int k, ReadOnlySpan<T> h, int b, Span<T> grad, StepStats stats, ComponentKeys keys)
    {
        var view = _views[k];
        var terms = _terms[k];
        int n = view.Dim, rows = b * view.RowsPerSample;
        var r = view.Rows(h, 3 * b);
        var dr = view.RowGradient(grad, 3 * b);
        var z = r[..(rows * n)];
        var zp = r.Slice(rows * n, rows * n);
        var dz = dr[..(rows * n)];
        var dzp = dr.Slice(rows * n, rows * n);
        double loss;
        if (_loss == NonContrastiveLoss.Vicreg)
        {
            double invWeight = _factors == VicregFactors.PaperEq ? 25.0 * n : 25.0;
            double varWeight = _factors == VicregFactors.Code ? 12.5 : 25.0;
            double inv = VicregTerms<T>.Invariance(z, zp, rows, n, dz, dzp, invWeight);
            var (v1, c1) = terms.VarianceCovariance(z, rows, dz, varWeight, 1.0);
            var (v2, c2) = terms.VarianceCovariance(zp, rows, dzp, varWeight, 1.0);
            loss = invWeight * inv + varWeight * (v1 + v2) + c1 + c2;
            stats.Components[keys["invariance"]] = inv;
            stats.Components[keys["variance"]] = 0.5 * (v1 + v2);
            stats.Components[keys["covariance"]] = c1 + c2;
        }
        else
        {
            // pull = ‖z′ − z‖² with z = x_t, z′ = x_{t+Δt}; sg-past holds the earlier activity fixed.
            double pull = VicregTerms<T>.Invariance(z, zp, rows, n, dz, dzp, 1.0, stopGradZ: _sgPast);
            double push1 = terms.LogVariance(z, rows, dz, 0.5);
            double push2 = terms.LogVariance(zp, rows, dzp, 0.5);
            double dec1 = terms.Decorrelation(z, rows, dz, 5.0);
            double dec2 = terms.Decorrelation(zp, rows, dzp, 5.0);
            loss = pull + 0.5 * (push1 + push2) + 5.0 * (dec1 + dec2);
            stats.Components[keys["pull"]] = pull;
            stats.Components[keys["push"]] = 0.5 * (push1 + push2);
            stats.Components[keys["decorrelation"]] = 0.5 * (dec1 + dec2);
        }
        view.Scatter(grad, 3 * b);
        return loss;
    }
}
