using System.Numerics;
using RhmLab.Networks;
using RhmLab.Numerics;

namespace RhmLab.Rules;

/// <summary>
/// Common machinery of the self-supervised rules. A step sees a forward pass of 3B rows: B anchors (the context,
/// time t), their B positive partners (another training datum of the same class, time t + Δt) and B negatives.
/// A label of −1 at a partner row marks a missing partner (a singleton class has no positive). Labels are used for
/// nothing else. The readout is frozen: it is learnt afterwards by the linear probes only.
/// </summary>
public abstract class SelfSupervisedRule<T> : ILearningRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Network<T>? _net;
    private IReadOnlyList<Parameter<T>>? _params;
    private readonly StepStats _stats = new();

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public virtual RuleInput Input => RuleInput.Pairs;

    /// <inheritdoc />
    public virtual IReadOnlyList<Parameter<T>> OwnParameters => [];

    /// <summary>The attached network.</summary>
    protected Network<T> Net => _net ?? throw new InvalidOperationException("rule is not attached");

    /// <summary>The network's parameters (W1, b1, …, readout).</summary>
    protected IReadOnlyList<Parameter<T>> NetworkParameters => _params ?? throw new InvalidOperationException("rule is not attached");

    /// <summary>∂ℓ/∂h^k for every row of the pass, per layer.</summary>
    protected internal T[][] HiddenGrads { get; private set; } = [];

    /// <summary>δ^k = M^k ⊙ ∂ℓ/∂h^k.</summary>
    protected T[][] Deltas { get; private set; } = [];

    /// <summary>The trainer's context.</summary>
    protected RuleContext Context { get; private set; } = new(1, 0);

    /// <inheritdoc />
    public virtual void Attach(Network<T> network, IReadOnlyList<Parameter<T>> networkParameters, RuleContext context)
    {
        _net = network ?? throw new ArgumentNullException(nameof(network));
        _params = networkParameters ?? throw new ArgumentNullException(nameof(networkParameters));
        Context = context ?? throw new ArgumentNullException(nameof(context));
        networkParameters.Readout().Frozen = true;
        HiddenGrads = network.Layers.Select(l => new T[context.MaxBatch * l.Units]).ToArray();
        Deltas = network.Layers.Select(l => new T[context.MaxBatch * l.Units]).ToArray();
    }

    /// <inheritdoc />
    public virtual void BeginEpoch(int epoch) { }

    /// <inheritdoc />
    public StepStats Step(ForwardPass<T> pass, ReadOnlySpan<int> labels)
    {
        ArgumentNullException.ThrowIfNull(pass);
        if (Input == RuleInput.Pairs && pass.Batch % 3 != 0)
            throw new ArgumentException("a self-supervised batch stacks anchors, positives and negatives (3B rows)");
        if (Input == RuleInput.InBatchPairs && pass.Batch % 2 != 0)
            throw new ArgumentException("an in-batch self-supervised batch stacks data and their positives (2n rows)");
        var stats = _stats.Reset();
        for (int i = 0; i < NetworkParameters.Count; i++) Array.Clear(NetworkParameters[i].Grad);
        ComputeHiddenGrads(pass, labels, stats);
        return stats;
    }

    /// <summary>
    /// Fills the gradients: writes ∂ℓ/∂h^k into <see cref="HiddenGrads"/> for the layers it trains and calls
    /// <see cref="ApplyLayerUpdate"/> for each; also fills its own parameters' gradients and the stats.
    /// </summary>
    protected abstract void ComputeHiddenGrads(ForwardPass<T> pass, ReadOnlySpan<int> labels, StepStats stats);

    /// <summary>
    /// The local update of layer k from ∂ℓ/∂h^k: δ = M^k ⊙ ∂ℓ/∂h^k times the layer's own (detached) input patches.
    /// </summary>
    protected void ApplyLayerUpdate(ForwardPass<T> pass, int k)
    {
        ArgumentNullException.ThrowIfNull(pass);
        var l = Net.Layers[k];
        int n = pass.Batch * l.Units;
        Kernels.MaskByActive<T>(HiddenGrads[k].AsSpan(0, n), pass.Pre[k].AsSpan(0, n), Deltas[k].AsSpan(0, n));
        Net.LayerGradient(pass, k, Deltas[k], NetworkParameters.Weight(k).Grad, NetworkParameters.Bias(k).Grad);
    }

    /// <inheritdoc />
    public virtual IReadOnlyDictionary<string, double> Diagnostics() => new Dictionary<string, double>();
}
