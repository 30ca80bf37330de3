using System.Numerics;
using RhmLab.Networks;
using RhmLab.Numerics;

namespace RhmLab.Rules;

/// <summary>
/// The common form of every supervised rule (docs/METHODS.md §3.0): the readout gets its true gradient, each
/// hidden layer k gets an error signal δ^k, and every layer applies the same local update, postsynaptic error ×
/// presynaptic patch. Subclasses differ only in how they obtain δ^k.
/// </summary>
public abstract class SupervisedRule<T> : ILearningRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Network<T>? _net;
    private IReadOnlyList<Parameter<T>>? _params;
    private readonly StepStats _stats = new();

    /// <summary>Creates a rule with a loss.</summary>
    protected SupervisedRule(LossKind loss) { LossKind = loss; }

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <summary>The loss whose output error drives the rule.</summary>
    public LossKind LossKind { get; }

    /// <inheritdoc />
    public RuleInput Input => RuleInput.Labelled;

    /// <inheritdoc />
    public virtual IReadOnlyList<Parameter<T>> OwnParameters => [];

    /// <summary>The attached network.</summary>
    protected Network<T> Net => _net ?? throw new InvalidOperationException("rule is not attached");

    /// <summary>Output error e, [B, n_c].</summary>
    protected T[] Error { get; private set; } = [];

    /// <summary>δ^k per hidden layer, [B·d_k, H_k].</summary>
    protected T[][] Deltas { get; private set; } = [];

    /// <summary>Signals g^k (∂ℓ/∂h^k or its approximation) per hidden layer.</summary>
    protected T[][] Signals { get; private set; } = [];

    /// <summary>The trainer's context.</summary>
    protected RuleContext Context { get; private set; } = new(1, 0);

    /// <inheritdoc />
    public virtual void Attach(Network<T> network, IReadOnlyList<Parameter<T>> networkParameters, RuleContext context)
    {
        _net = network ?? throw new ArgumentNullException(nameof(network));
        _params = networkParameters ?? throw new ArgumentNullException(nameof(networkParameters));
        Context = context ?? throw new ArgumentNullException(nameof(context));
        Error = new T[context.MaxBatch * network.Classes];
        Deltas = network.Layers.Select(l => new T[context.MaxBatch * l.Units]).ToArray();
        Signals = network.Layers.Select(l => new T[context.MaxBatch * l.Units]).ToArray();
        _labels = new int[context.MaxBatch];
    }

    private int[] _labels = [];

    /// <summary>The labels of the current batch (for rules whose signals read them, not only the output error).</summary>
    protected ReadOnlySpan<int> BatchLabels(int batch) => _labels.AsSpan(0, batch);

    /// <inheritdoc />
    public virtual void BeginEpoch(int epoch) { }

    /// <inheritdoc />
    public StepStats Step(ForwardPass<T> pass, ReadOnlySpan<int> labels)
    {
        ArgumentNullException.ThrowIfNull(pass);
        var net = Net;
        int b = pass.Batch;
        var e = Error.AsSpan(0, b * net.Classes);
        double loss = Loss.Evaluate<T>(LossKind, pass.Logits.AsSpan(0, b * net.Classes), labels[..b], net.Classes, e, out int correct);
        var ps = _params ?? throw new InvalidOperationException("rule is not attached");
        net.ReadoutBackward(pass, e, ps.Readout().Grad, default);
        labels[..b].CopyTo(_labels);
        ComputeDeltas(pass, e);
        for (int k = 0; k < net.Depth; k++)
            net.LayerGradient(pass, k, Deltas[k], ps.Weight(k).Grad, ps.Bias(k).Grad);
        var stats = _stats.Reset();
        stats.Loss = loss;
        stats.Correct = correct;
        return stats;
    }

    /// <summary>Fills <see cref="Deltas"/> for the current batch from the output error e (already ÷ B).</summary>
    protected abstract void ComputeDeltas(ForwardPass<T> pass, ReadOnlySpan<T> error);

    /// <summary>δ = M ⊙ g for layer k (the receiving layer always applies its own true mask).</summary>
    protected void ApplyOwnMask(ForwardPass<T> pass, int k, ReadOnlySpan<T> signal)
    {
        int n = pass.Batch * Net.Layers[k].Units;
        Kernels.MaskByActive(signal[..n], pass.Pre[k].AsSpan(0, n), Deltas[k].AsSpan(0, n));
    }

    /// <summary>
    /// Exact BP through the true masks: fills <see cref="Signals"/> with g^k = ∂ℓ/∂h^k and <see cref="Deltas"/>
    /// with δ^k = M^k ⊙ g^k. Rules that are fitted or scaled against BP call it.
    /// </summary>
    protected void BackpropSignals(ForwardPass<T> pass, ReadOnlySpan<T> error)
    {
        ArgumentNullException.ThrowIfNull(pass);
        var net = Net;
        int top = net.Depth - 1;
        net.ReadoutBackward(pass, error, default, Signals[top].AsSpan(0, pass.Batch * net.Layers[top].Units));
        for (int k = top; k >= 0; k--)
        {
            ApplyOwnMask(pass, k, Signals[k]);
            if (k > 0) net.SignalDown(pass, k, Deltas[k], Signals[k - 1]);
        }
    }

    /// <inheritdoc />
    public virtual IReadOnlyDictionary<string, double> Diagnostics() => new Dictionary<string, double>();
}
