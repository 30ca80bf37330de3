using System.Numerics;
using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Rhm;

namespace RhmLab.Rules;

/// <summary>
/// CLAPP (docs/METHODS.md §3.7–§3.8, §3.11). Layer-local by default: layer k has its own prediction matrix and
/// hinge loss on its own representation, and its input h^(k−1) is a constant for its update, so no gradient
/// crosses layers. With <c>endToEnd</c> the same loss sits only on the top layer and is backpropagated through
/// every layer (<c>e2e-clapp</c>, the paper's Fig. 9).
/// </summary>
public sealed class ClappRule<T> : SelfSupervisedRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ClappOptions _options;
    private readonly bool _endToEnd;
    private ClappObjective<T>[] _objectives = [];
    private ComponentKeys[] _keys = [];
    private Parameter<T>[] _own = [];
    private bool[] _hasPos = [], _hasNeg = [];
    private int[] _partner = [], _negative = [];
    private T[][] _triplets = [], _tripletGrads = [];
    private Network<T>? _target;
    private ForwardPass<T>? _targetPass;

    /// <summary>Creates a CLAPP rule.</summary>
    public ClappRule(string name, ClappOptions options, bool endToEnd = false)
    {
        Name = name;
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _endToEnd = endToEnd;
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>The options.</summary>
    public ClappOptions Options => _options;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter<T>> OwnParameters => _own;

    /// <summary>The target network under the <c>ema-target</c> anti-collapse component, else null.</summary>
    public Network<T>? TargetNetwork => _target;

    /// <summary>The objective of each layer that has one (only the top layer end to end).</summary>
    public IReadOnlyList<ClappObjective<T>> Objectives => _objectives;

    /// <inheritdoc />
    public override RuleInput Input => _options.InBatch ? RuleInput.InBatchPairs : RuleInput.Pairs;

    /// <inheritdoc />
    public override void Attach(Network<T> network, IReadOnlyList<Parameter<T>> networkParameters, RuleContext context)
    {
        base.Attach(network, networkParameters, context);
        // Triplets: B anchors in 3B rows. In-batch: every one of the rows is an anchor.
        int anchors = _options.InBatch ? context.MaxBatch : context.MaxBatch / 3;
        var coins = Rng.ForStream(context.PairsSeed, "clapp");
        var init = Rng.ForStream(context.FeedbackSeed, "init-wpred");
        int first = _endToEnd ? network.Depth - 1 : 0;
        _objectives = Enumerable.Range(first, network.Depth - first)
            .Select(k => new ClappObjective<T>(network.MatMul, _options, network.Layers[k].Width, network.Layers[k].Positions, anchors, init, coins, $"Wpred{k + 1}"))
            .ToArray();
        _objectives = first == 0 ? _objectives : [.. Enumerable.Repeat<ClappObjective<T>>(null!, first), .. _objectives];
        _keys = ComponentKeys.Layers(network.Depth);
        _own = _objectives.Where(o => o != null).SelectMany(o => o.Retrodictor is null ? new[] { o.Predictor } : [o.Predictor, o.Retrodictor]).ToArray();
        _hasPos = new bool[anchors];
        _hasNeg = new bool[anchors];
        bool ema = _options.Has(NoNegativesMode.EmaTarget);
        if (ema)
        {
            _target = network.Copy();
            _targetPass = _target.CreatePass(context.MaxBatch);
        }
        if (ema && !_options.InBatch)
        {
            // Triplets with a target network: the positives' block is replaced by the target's rows in a copy.
            _triplets = network.Layers.Select((l, k) => k >= first ? new T[context.MaxBatch * l.Units] : []).ToArray();
            _tripletGrads = network.Layers.Select((l, k) => k >= first ? new T[context.MaxBatch * l.Units] : []).ToArray();
        }
        if (_options.InBatch)
        {
            _partner = new int[anchors];
            _negative = new int[anchors];
            _triplets = network.Layers.Select((l, k) => k >= first ? new T[3 * anchors * l.Units] : []).ToArray();
            _tripletGrads = network.Layers.Select((l, k) => k >= first ? new T[3 * anchors * l.Units] : []).ToArray();
        }
    }

    /// <inheritdoc />
    protected override void ComputeHiddenGrads(ForwardPass<T> pass, ReadOnlySpan<int> labels, StepStats stats)
    {
        var net = Net;
        int b;
        if (_options.InBatch)
        {
            // Every row is an anchor; InBatchPairing says whose partner and negative it has.
            b = pass.Batch;
            InBatchPairing.Pair(labels[..b], _options.Negatives, _options.ShiftNegatives, _partner, _negative, _hasPos, _hasNeg);
        }
        else
        {
            b = pass.Batch / 3;
            for (int i = 0; i < b; i++)
            {
                _hasPos[i] = labels[b + i] >= 0;
                _hasNeg[i] = labels[2 * b + i] >= 0;
            }
        }
        if (_target != null) FollowAndForwardTarget(pass);
        double total = 0;
        if (!_endToEnd)
        {
            for (int k = 0; k < net.Depth; k++)
            {
                total += EvaluateLayer(pass, k, b, stats);
                ApplyLayerUpdate(pass, k);
            }
        }
        else
        {
            int top = net.Depth - 1;
            total = EvaluateLayer(pass, top, b, stats);
            for (int k = top; k >= 0; k--)
            {
                ApplyLayerUpdate(pass, k);
                if (k > 0) net.SignalDown(pass, k, Deltas[k], HiddenGrads[k - 1]);
            }
        }
        stats.Loss = total;
        int singles = 0;
        foreach (bool p in _hasPos.AsSpan(0, b)) if (!p) singles++;
        stats.Components["anchors_without_positive"] = singles;
    }

    /// <summary>
    /// θ' ← τθ' + (1 − τ)θ for every weight and bias (the online parameters now hold the previous step's update, so
    /// the target trails them by one step), then the target network's forward pass of the batch.
    /// </summary>
    private void FollowAndForwardTarget(ForwardPass<T> pass)
    {
        var target = _target!;
        T tau = T.CreateTruncating(_options.AntiCollapse!.EmaDecay), rest = T.One - tau;
        for (int k = 0; k < Net.Depth; k++)
        {
            Follow(target.Weights[k], Net.Weights[k]);
            Follow(target.Biases[k], Net.Biases[k]);
        }
        target.Forward(pass.Tokens.AsSpan(0, pass.Batch * Net.InputLength), pass.Batch, _targetPass!);

        void Follow(Span<T> t, ReadOnlySpan<T> online)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(t, tau, t);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(online, rest, t, t);
        }
    }

    // Layer k's objective on its rows; writes ∂ℓ/∂h^k into HiddenGrads[k] for every row of the pass.
    private double EvaluateLayer(ForwardPass<T> pass, int k, int anchors, StepStats stats)
    {
        int units = Net.Layers[k].Units;
        var hasPos = _hasPos.AsSpan(0, anchors);
        var hasNeg = _hasNeg.AsSpan(0, anchors);
        string prefix = _keys[k].Prefix;
        if (!_options.InBatch && _target is null)
            return _objectives[k].Evaluate(pass.Post[k].AsSpan(0, pass.Batch * units), anchors, hasPos, hasNeg, HiddenGrads[k], stats, prefix);
        if (!_options.InBatch)
        {
            // Triplets scored against the target network: its rows stand in for the positives, and the positives'
            // gradient (zero under the stop-gradient) is not passed on.
            var rows = _triplets[k].AsSpan(0, pass.Batch * units);
            var rowsGrad = _tripletGrads[k].AsSpan(0, pass.Batch * units);
            pass.Post[k].AsSpan(0, rows.Length).CopyTo(rows);
            _targetPass!.Post[k].AsSpan(anchors * units, anchors * units).CopyTo(rows.Slice(anchors * units, anchors * units));
            double l = _objectives[k].Evaluate(rows, anchors, hasPos, hasNeg, rowsGrad, stats, prefix);
            rowsGrad.Slice(anchors * units, anchors * units).Clear();
            rowsGrad.CopyTo(HiddenGrads[k]);
            return l;
        }

        // The objective scores stacked (anchor, positive, negative) rows: gather them from the batch (a copy, cheap
        // beside the products), then add each block's gradient back to the row it was copied from.
        var h = pass.Post[k].AsSpan(0, anchors * units);
        var partners = _target is null ? h : _targetPass!.Post[k].AsSpan(0, anchors * units);
        var stacked = _triplets[k].AsSpan(0, 3 * anchors * units);
        var stackedGrad = _tripletGrads[k].AsSpan(0, 3 * anchors * units);
        h.CopyTo(stacked);
        for (int r = 0; r < anchors; r++)
        {
            partners.Slice(_partner[r] * units, units).CopyTo(stacked.Slice((anchors + r) * units, units));
            h.Slice(_negative[r] * units, units).CopyTo(stacked.Slice((2 * anchors + r) * units, units));
        }
        double loss = _objectives[k].Evaluate(stacked, anchors, hasPos, hasNeg, stackedGrad, stats, prefix);
        var grad = HiddenGrads[k].AsSpan(0, anchors * units);
        stackedGrad[..(anchors * units)].CopyTo(grad);
        for (int r = 0; r < anchors; r++)
        {
            var g = grad.Slice(_partner[r] * units, units);
            // A target network's rows are not the online rows: under the stop-gradient nothing flows back to them.
            if (_target is null) System.Numerics.Tensors.TensorPrimitives.Add(g, stackedGrad.Slice((anchors + r) * units, units), g);
            g = grad.Slice(_negative[r] * units, units);
            System.Numerics.Tensors.TensorPrimitives.Add(g, stackedGrad.Slice((2 * anchors + r) * units, units), g);
        }
        return loss;
    }
}
