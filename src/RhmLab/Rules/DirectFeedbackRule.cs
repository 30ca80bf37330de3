using System.Numerics;
using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Rhm;

using RhmLab.Options;

namespace RhmLab.Rules;

/// <summary>How DFA's random matrices are scaled (docs/METHODS.md §3.3, <c>dfa-scale</c>).</summary>
public enum DfaScale
{
    /// <summary>Default here: each D^k rescaled once, on the first batch, so that the mean norm of D^k e equals that of
    /// the BP signal g^k. Under the mean-field readout unit-scaled feedback is about H times larger than BP's, and SGD
    /// at BP's learning rate then diverges, which would make "DFA fails" an artefact.</summary>
    [Choice("match-bp")] MatchBp = 1,
    /// <summary>Entries i.i.d. N(0, 1/n_c).</summary>
    [Choice("unit")] Unit = 0,
}

/// <summary>The run options of direct feedback alignment (docs/METHODS.md §3.5): the loss, and the feedback matrices.</summary>
public sealed record DfaOptions : LossOptions
{
    /// <summary>The top layer gets its true signal (β) instead of a random matrix.</summary>
    [RunOption("dfa-top", "DFA feedback of the top layer", Off = "random", On = "true")]
    public bool TrueTop { get; set; }
    /// <summary>One matrix shared by every position of a layer instead of one per position.</summary>
    [RunOption("dfa-layout", "DFA matrices per position or shared", Off = "per-position", On = "shared")]
    public bool Shared { get; set; }
    /// <summary>The scale of the matrices.</summary>
    [RunOption("dfa-scale", "DFA matrix scale")]
    public DfaScale Scale { get; set; } = DfaScale.MatchBp;
}

/// <summary>
/// Direct feedback: every hidden layer receives the output error through its own matrix, δ^k = M^k ⊙ (D^k e).
/// Only the layer's own mask gates the signal; the upper masks are absent. The readout gets its true gradient.
/// Subclasses choose the matrices: fixed random (DFA) or the best linear fit to BP (the oracle).
/// </summary>
public class DirectFeedbackRule<T> : SupervisedRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private bool _scaled;

    /// <summary>Name override for subclasses.</summary>
    protected virtual string RuleName => "dfa";

    /// <summary>Creates a DFA rule from its run options.</summary>
    public DirectFeedbackRule(DfaOptions options)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Loss, options.TrueTop, options.Shared, options.Scale)
    {
    }

    /// <summary>Creates a DFA rule.</summary>
    /// <param name="loss">Loss.</param>
    /// <param name="trueTop">dfa-top = true: the top layer gets σ_out β e, as in BP.</param>
    /// <param name="shared">dfa-layout = shared: one [H_k × n_c] matrix reused at every position.</param>
    /// <param name="scale">dfa-scale.</param>
    public DirectFeedbackRule(LossKind loss = LossKind.CrossEntropy, bool trueTop = false, bool shared = false, DfaScale scale = DfaScale.MatchBp)
        : base(loss)
    {
        TrueTop = trueTop;
        Shared = shared;
        Scale = scale;
    }

    /// <inheritdoc />
    public override string Name => RuleName;

    /// <summary>Whether the top layer gets its true signal.</summary>
    public bool TrueTop { get; }

    /// <summary>Whether one matrix is shared across positions.</summary>
    public bool Shared { get; }

    /// <summary>The scale convention.</summary>
    public DfaScale Scale { get; }

    /// <summary>D^k stored transposed, [n_c, H_k·d_k] in position-major unit order, so δ = e·D is one product.</summary>
    protected internal T[][] Matrices { get; private set; } = [];

    /// <summary>The factor applied to each D^k by <see cref="DfaScale.MatchBp"/> (1 until the first step).</summary>
    public double[] ScaleFactors { get; private set; } = [];

    /// <inheritdoc />
    public override void Attach(Network<T> network, IReadOnlyList<Parameter<T>> networkParameters, RuleContext context)
    {
        base.Attach(network, networkParameters, context);
        Matrices = network.Layers.Select(l => new T[network.Classes * l.Units]).ToArray();
        ScaleFactors = Enumerable.Repeat(1.0, network.Depth).ToArray();
        DrawMatrices(network, context);
    }

    /// <summary>Draws the fixed random matrices from the <c>feedback</c> stream.</summary>
    protected virtual void DrawMatrices(Network<T> network, RuleContext context)
    {
        var rng = Rng.ForStream(context.FeedbackSeed, "feedback");
        double std = 1.0 / Math.Sqrt(network.Classes);
        for (int k = 0; k < network.Depth; k++)
        {
            var l = network.Layers[k];
            var d = Matrices[k];
            for (int c = 0; c < network.Classes; c++)
            {
                var row = d.AsSpan(c * l.Units, l.Units);
                if (!Shared)
                {
                    for (int u = 0; u < row.Length; u++) row[u] = T.CreateTruncating(rng.NextGaussian() * std);
                    continue;
                }
                for (int h = 0; h < l.Width; h++) row[h] = T.CreateTruncating(rng.NextGaussian() * std);
                for (int p = 1; p < l.Positions; p++) row[..l.Width].CopyTo(row.Slice(p * l.Width, l.Width));
            }
        }
    }

    /// <inheritdoc />
    protected override void ComputeDeltas(ForwardPass<T> pass, ReadOnlySpan<T> error)
    {
        var net = Net;
        int b = pass.Batch;
        if (Scale == DfaScale.MatchBp && !_scaled) { MatchBp(pass, error); _scaled = true; }
        int top = net.Depth - 1;
        for (int k = 0; k < net.Depth; k++)
        {
            var l = net.Layers[k];
            var g = Signals[k].AsSpan(0, b * l.Units);
            if (k == top && TrueTop) net.ReadoutBackward(pass, error, default, g);
            else net.MatMul.Gemm(false, false, b, l.Units, net.Classes, T.One, error, net.Classes, Matrices[k], l.Units, T.Zero, g, l.Units);
            ApplyOwnMask(pass, k, g);
        }
    }

    private void MatchBp(ForwardPass<T> pass, ReadOnlySpan<T> error)
    {
        var net = Net;
        int b = pass.Batch, top = net.Depth - 1;
        var bpNorm = new double[net.Depth];
        BackpropSignals(pass, error);
        for (int k = 0; k < net.Depth; k++) bpNorm[k] = MeanRowNorm(Signals[k].AsSpan(0, b * net.Layers[k].Units), net.Layers[k].Units);
        for (int k = 0; k < net.Depth; k++)
        {
            if (k == top && TrueTop) continue;
            var l = net.Layers[k];
            var g = Signals[k].AsSpan(0, b * l.Units);
            net.MatMul.Gemm(false, false, b, l.Units, net.Classes, T.One, error, net.Classes, Matrices[k], l.Units, T.Zero, g, l.Units);
            double dfaNorm = MeanRowNorm(g, l.Units);
            if (dfaNorm == 0 || bpNorm[k] == 0) continue;
            double f = bpNorm[k] / dfaNorm;
            ScaleFactors[k] = f;
            var m = Matrices[k];
            T tf = T.CreateTruncating(f);
            for (int i = 0; i < m.Length; i++) m[i] *= tf;
        }
    }

    private static double MeanRowNorm(ReadOnlySpan<T> rows, int width)
    {
        int n = rows.Length / width;
        double s = 0;
        for (int i = 0; i < n; i++) s += Kernels.Norm(rows.Slice(i * width, width));
        return s / n;
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Diagnostics()
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int k = 0; k < ScaleFactors.Length; k++) d[$"layer{k + 1}.feedback_scale"] = ScaleFactors[k] / Math.Sqrt(Net.Classes);
        return d;
    }
}
