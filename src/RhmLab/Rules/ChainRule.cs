using System.Numerics;
using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Options;
using RhmLab.Rhm;

namespace RhmLab.Rules;

/// <summary>Which matrices carry the error down the chain (docs/METHODS.md §3.6, "feedback weights").</summary>
public enum FeedbackWeights
{
    /// <summary>The forward weights W^j and β: backpropagation.</summary>
    Forward,
    /// <summary>Fixed random kernels B^j and B_out: feedback alignment.</summary>
    Random,
    /// <summary>sign(W^j)·scale recomputed every step: sign symmetry (§3.4, <c>usf</c>).</summary>
    Sign,
}

/// <summary>What the masks of the layers above the receiving layer are replaced by (§3.6, "upper masks").</summary>
public enum UpperMasks
{
    /// <summary>The input-specific masks M^j_μ (BP, FA).</summary>
    True,
    /// <summary>M^j ≡ 1 (<c>bp-nomask</c>).</summary>
    Removed,
    /// <summary>The batch average of M^j per unit and position, independent of the input (<c>bp-avgmask</c>).</summary>
    Mean,
    /// <summary>The mask of another random sample of the batch (a control that keeps mask statistics).</summary>
    Shuffled,
}

/// <summary>The run options of feedback alignment (<c>fa</c> and its masking ablations): the loss, and the readout's feedback.</summary>
public sealed record FeedbackAlignmentOptions : LossOptions
{
    /// <summary>Use β itself for the top feedback instead of a fixed random B_out.</summary>
    [RunOption("fa-readout-feedback", "FA feedback of the readout", Off = "random", On = "true")]
    public bool TrueReadoutFeedback { get; set; }
}

/// <summary>
/// Every rule whose error travels down the network layer by layer: BP, FA, sign symmetry, and the masking
/// ablations. The error reaches layer k through the transposed convolutions of the layers above, gated by their
/// masks (true, removed, averaged or shuffled); layer k always applies its own true mask.
/// </summary>
public sealed class ChainRule<T> : SupervisedRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[][] _feedback = [];
    private T[] _readoutFeedback = [];
    private T[] _chain = [];
    private T[] _gated = [];
    private T[][] _meanMask = [];
    private int[] _perm = [];
    private Rng _maskRng = new(0);

    /// <summary>
    /// Creates a chain rule from its run options: <see cref="LossOptions"/> for BP, sign symmetry and the BP masking
    /// ablations, <see cref="FeedbackAlignmentOptions"/> for FA and its ablations.
    /// </summary>
    public ChainRule(string name, FeedbackWeights feedback, UpperMasks masks, LossOptions options)
        : this(name, feedback, masks, (options ?? throw new ArgumentNullException(nameof(options))).Loss,
            options is FeedbackAlignmentOptions fa && fa.TrueReadoutFeedback)
    {
    }

    /// <summary>Creates a chain rule.</summary>
    public ChainRule(string name, FeedbackWeights feedback, UpperMasks masks, LossKind loss = LossKind.CrossEntropy, bool trueReadoutFeedback = false)
        : base(loss)
    {
        Name = name;
        Feedback = feedback;
        Masks = masks;
        TrueReadoutFeedback = trueReadoutFeedback;
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>Which matrices carry the error.</summary>
    public FeedbackWeights Feedback { get; }

    /// <summary>What replaces the upper masks.</summary>
    public UpperMasks Masks { get; }

    /// <summary>FA only: use β itself for the top feedback (<c>fa-readout-feedback = true</c>).</summary>
    public bool TrueReadoutFeedback { get; }

    /// <summary>The fixed (FA) or current (sign) feedback kernel of layer k (index 0 unused), shaped like the weights.</summary>
    public ReadOnlySpan<T> FeedbackKernel(int k) => _feedback.Length == 0 ? default : _feedback[k];

    /// <summary>The feedback kernels themselves, for tests that set them (e.g. B = W).</summary>
    internal T[][] FeedbackKernels => _feedback;

    /// <summary>The readout feedback B_out.</summary>
    internal T[] ReadoutFeedback => _readoutFeedback;

    /// <inheritdoc />
    public override void Attach(Network<T> network, IReadOnlyList<Parameter<T>> networkParameters, RuleContext context)
    {
        base.Attach(network, networkParameters, context);
        int maxUnits = network.Layers.Max(l => l.Units) * context.MaxBatch;
        _chain = new T[maxUnits];
        _gated = new T[maxUnits];
        if (Feedback != FeedbackWeights.Forward)
        {
            var rng = Rng.ForStream(context.FeedbackSeed, "feedback");
            _feedback = new T[network.Depth][];
            for (int k = 0; k < network.Depth; k++)
            {
                double std = network.Config.ConvScale == ConvScale.Plain ? 1.0 / Math.Sqrt(network.Layers[k].FanIn) : 1.0;
                _feedback[k] = new T[network.Weights[k].Length];
                // Layer 1 sends nothing further down, so it needs no feedback kernel; draw it anyway so the streams
                // of the other layers do not depend on the depth convention.
                for (int i = 0; i < _feedback[k].Length; i++) _feedback[k][i] = T.CreateTruncating(rng.NextGaussian() * std);
            }
            _readoutFeedback = new T[network.Readout.Length];
            for (int i = 0; i < _readoutFeedback.Length; i++) _readoutFeedback[i] = T.CreateTruncating(rng.NextGaussian());
        }
        if (Masks == UpperMasks.Mean) _meanMask = network.Layers.Select(l => new T[l.Units]).ToArray();
        if (Masks == UpperMasks.Shuffled)
        {
            _perm = new int[context.MaxBatch];
            _maskRng = Rng.ForStream(context.FeedbackSeed, "masks");
        }
    }

    private void RefreshSignFeedback()
    {
        var net = Net;
        for (int k = 1; k < net.Depth; k++)
        {
            var w = net.Weights[k];
            var f = _feedback[k];
            T scale = net.Config.ConvScale == ConvScale.Plain ? T.CreateTruncating(1.0 / Math.Sqrt(net.Layers[k].FanIn)) : T.One;
            for (int i = 0; i < w.Length; i++) f[i] = T.CreateTruncating(T.Sign(w[i])) * scale;
        }
        var r = net.Readout;
        for (int i = 0; i < r.Length; i++) _readoutFeedback[i] = T.CreateTruncating(T.Sign(r[i]));
    }

    /// <inheritdoc />
    protected override void ComputeDeltas(ForwardPass<T> pass, ReadOnlySpan<T> error)
    {
        var net = Net;
        int b = pass.Batch;
        int top = net.Depth - 1;
        if (Feedback == FeedbackWeights.Sign) RefreshSignFeedback();
        ReadOnlySpan<T> readoutBack = Feedback == FeedbackWeights.Forward || TrueReadoutFeedback ? default : _readoutFeedback;
        var topSignal = Signals[top].AsSpan(0, b * net.Layers[top].Units);
        net.ReadoutBackward(pass, error, default, topSignal, readoutBack);

        if (Masks == UpperMasks.True)
        {
            // One pass: δ^k = M^k ⊙ g^k and g^{k−1} = T_kᵀ δ^k.
            for (int k = top; k >= 0; k--)
            {
                ApplyOwnMask(pass, k, Signals[k]);
                if (k > 0) net.SignalDown(pass, k, Deltas[k], Signals[k - 1], KernelFor(k));
            }
            return;
        }
        if (Masks == UpperMasks.Mean) ComputeMeanMasks(pass);
        if (Masks == UpperMasks.Shuffled)
        {
            for (int i = 0; i < b; i++) _perm[i] = i;
            _maskRng.Shuffle(_perm.AsSpan(0, b));
        }
        // The masks depend on the receiving layer, so each δ^k needs its own pass from the top.
        ApplyOwnMask(pass, top, topSignal);
        for (int receiver = top - 1; receiver >= 0; receiver--)
        {
            int n = b * net.Layers[top].Units;
            topSignal.CopyTo(_chain);
            for (int j = top; j > receiver; j--)
            {
                n = b * net.Layers[j].Units;
                GateUpper(pass, j, _chain.AsSpan(0, n), _gated.AsSpan(0, n));
                var below = j - 1 == receiver ? Signals[receiver].AsSpan(0, b * net.Layers[receiver].Units) : _chain.AsSpan(0, b * net.Layers[j - 1].Units);
                net.SignalDown(pass, j, _gated.AsSpan(0, n), below, KernelFor(j));
            }
            ApplyOwnMask(pass, receiver, Signals[receiver]);
        }
    }

    private ReadOnlySpan<T> KernelFor(int k) => Feedback == FeedbackWeights.Forward ? default : _feedback[k];

    private void GateUpper(ForwardPass<T> pass, int j, ReadOnlySpan<T> g, Span<T> dst)
    {
        var net = Net;
        int units = net.Layers[j].Units;
        switch (Masks)
        {
            case UpperMasks.Removed:
                g.CopyTo(dst);
                break;
            case UpperMasks.Mean:
                for (int i = 0; i < pass.Batch; i++)
                    Kernels.Multiply<T>(g.Slice(i * units, units), _meanMask[j], dst.Slice(i * units, units));
                break;
            case UpperMasks.Shuffled:
                for (int i = 0; i < pass.Batch; i++)
                    Kernels.MaskByActive<T>(g.Slice(i * units, units), pass.Pre[j].AsSpan(_perm[i] * units, units), dst.Slice(i * units, units));
                break;
            default:
                Kernels.MaskByActive<T>(g, pass.Pre[j].AsSpan(0, g.Length), dst);
                break;
        }
    }

    private void ComputeMeanMasks(ForwardPass<T> pass)
    {
        var net = Net;
        int b = pass.Batch;
        T inv = T.One / T.CreateTruncating(b);
        for (int j = 0; j < net.Depth; j++)
        {
            int units = net.Layers[j].Units;
            var m = _meanMask[j];
            Array.Clear(m);
            var pre = pass.Pre[j];
            for (int i = 0; i < b; i++)
                for (int u = 0; u < units; u++)
                    if (pre[i * units + u] > T.Zero) m[u] += inv;
        }
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Diagnostics()
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal);
        if (Feedback == FeedbackWeights.Forward) return d;
        var net = Net;
        for (int k = 1; k < net.Depth; k++)
        {
            d[$"layer{k + 1}.alignment_deg"] = Math.Acos(Math.Clamp(Kernels.Cosine<T>(net.Weights[k], _feedback[k]), -1, 1)) * 180 / Math.PI;
            d[$"layer{k + 1}.feedback_norm_ratio"] = Kernels.Norm<T>(_feedback[k]) / Kernels.Norm<T>(net.Weights[k]);
        }
        if (!TrueReadoutFeedback)
            d["readout.alignment_deg"] = Math.Acos(Math.Clamp(Kernels.Cosine<T>(net.Readout, _readoutFeedback), -1, 1)) * 180 / Math.PI;
        return d;
    }
}
