using System.Numerics;
using RhmLab.Networks;
using RhmLab.Rhm;

namespace RhmLab.Rules;

/// <summary>
/// CLAPP (ALGORITHMS.md §3.7–§3.8, §3.11). Layer-local by default: layer k has its own prediction matrix and
/// hinge loss on its own representation, and its input h^(k−1) is a constant for its update, so no gradient
/// crosses layers. With <c>endToEnd</c> the same loss sits only on the top layer and is backpropagated through
/// every layer (<c>e2e-clapp</c>, the paper's Fig. 9).
/// </summary>
public sealed class ClappRule<T> : SelfSupervisedRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ClappOptions _options;
    private readonly bool _endToEnd;
    private ClappObjective<T>[] _objectives = [];
    private Parameter<T>[] _own = [];
    private bool[] _hasPos = [], _hasNeg = [];

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

    /// <summary>The objective of each layer that has one (only the top layer end to end).</summary>
    public IReadOnlyList<ClappObjective<T>> Objectives => _objectives;

    /// <inheritdoc />
    public override void Attach(Network<T> network, IReadOnlyList<Parameter<T>> networkParameters, RuleContext context)
    {
        base.Attach(network, networkParameters, context);
        int anchors = context.MaxBatch / 3;
        var coins = Rng.ForStream(context.PairsSeed, "clapp");
        var init = Rng.ForStream(context.FeedbackSeed, "init-wpred");
        int first = _endToEnd ? network.Depth - 1 : 0;
        _objectives = Enumerable.Range(first, network.Depth - first)
            .Select(k => new ClappObjective<T>(network.MatMul, _options, network.Layers[k].Width, network.Layers[k].Positions, anchors, init, coins, $"Wpred{k + 1}"))
            .ToArray();
        _objectives = first == 0 ? _objectives : [.. Enumerable.Repeat<ClappObjective<T>>(null!, first), .. _objectives];
        _own = _objectives.Where(o => o != null).SelectMany(o => o.Retrodictor is null ? new[] { o.Predictor } : [o.Predictor, o.Retrodictor]).ToArray();
        _hasPos = new bool[anchors];
        _hasNeg = new bool[anchors];
    }

    /// <inheritdoc />
    protected override void ComputeHiddenGrads(ForwardPass<T> pass, ReadOnlySpan<int> labels, StepStats stats)
    {
        var net = Net;
        int b = pass.Batch / 3;
        for (int i = 0; i < b; i++)
        {
            _hasPos[i] = labels[b + i] >= 0;
            _hasNeg[i] = labels[2 * b + i] >= 0;
        }
        var hasPos = _hasPos.AsSpan(0, b);
        var hasNeg = _hasNeg.AsSpan(0, b);
        double total = 0;
        if (!_endToEnd)
        {
            for (int k = 0; k < net.Depth; k++)
            {
                var units = net.Layers[k].Units;
                total += _objectives[k].Evaluate(pass.Post[k].AsSpan(0, pass.Batch * units), b, hasPos, hasNeg, HiddenGrads[k], stats, $"layer{k + 1}.");
                ApplyLayerUpdate(pass, k);
            }
        }
        else
        {
            int top = net.Depth - 1;
            total = _objectives[top].Evaluate(pass.Post[top].AsSpan(0, pass.Batch * net.Layers[top].Units), b, hasPos, hasNeg, HiddenGrads[top], stats, $"layer{top + 1}.");
            for (int k = top; k >= 0; k--)
            {
                ApplyLayerUpdate(pass, k);
                if (k > 0) net.SignalDown(pass, k, Deltas[k], HiddenGrads[k - 1]);
            }
        }
        stats.Loss = total;
        int singles = 0;
        foreach (bool p in hasPos) if (!p) singles++;
        stats.Components["anchors_without_positive"] = singles;
    }
}
