using System.Numerics;
using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Rhm;

namespace RhmLab.Rules;

/// <summary>
/// The layer-local supervised control (docs/METHODS.md §3.14): every hidden layer k has its own fixed random linear
/// readout B_k of the label ([n_k, n_c], entries N(0, 1/n_k), from the run's feedback stream), and is trained by the
/// loss of that readout alone, through its own ReLU mask: g^k = e_k·B_kᵀ with e_k the error of the logits h^k·B_k.
/// No error crosses a layer; the network's readout gets its true gradient, as in BP. It is local like CLAPP and
/// supervised like BP, so it separates the two ingredients of the paper's claim: locality with a good signal, and
/// self-supervision. Unlike DFA, whose signal is the network's output error, each layer's signal here is its own
/// decodability of the label, which depends on that layer's input-specific activity.
/// </summary>
public sealed class LocalSupervisedRule<T> : SupervisedRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _logits = [], _localError = [];

    /// <summary>Creates the rule with the loss of every local readout (and of the network's own readout).</summary>
    public LocalSupervisedRule(LossKind loss) : base(loss) { }

    /// <summary>Creates the rule from its run options.</summary>
    public LocalSupervisedRule(LossOptions options) : this((options ?? throw new ArgumentNullException(nameof(options))).Loss) { }

    /// <inheritdoc />
    public override string Name => "local-supervised";

    /// <summary>The fixed readouts B_k, [n_k, n_c] row-major, one per hidden layer.</summary>
    public T[][] Readouts { get; private set; } = [];

    /// <inheritdoc />
    public override void Attach(Network<T> network, IReadOnlyList<Parameter<T>> networkParameters, RuleContext context)
    {
        base.Attach(network, networkParameters, context);
        // Its own stream name, so that a seed's local readouts are not FA's or DFA's feedback matrices.
        var rng = Rng.ForStream(context.FeedbackSeed, "local-readouts");
        Readouts = network.Layers.Select(l =>
        {
            var b = new T[l.Units * network.Classes];
            double std = 1 / Math.Sqrt(l.Units);
            for (int i = 0; i < b.Length; i++) b[i] = T.CreateTruncating(rng.NextGaussian() * std);
            return b;
        }).ToArray();
        _logits = new T[context.MaxBatch * network.Classes];
        _localError = new T[context.MaxBatch * network.Classes];
    }

    /// <inheritdoc />
    protected override void ComputeDeltas(ForwardPass<T> pass, ReadOnlySpan<T> error)
    {
        var net = Net;
        int b = pass.Batch, c = net.Classes;
        var logits = _logits.AsSpan(0, b * c);
        var e = _localError.AsSpan(0, b * c);
        var labels = BatchLabels(b);
        for (int k = 0; k < net.Depth; k++)
        {
            int n = net.Layers[k].Units;
            var h = pass.Post[k].AsSpan(0, b * n);
            net.MatMul.Gemm(false, false, b, c, n, T.One, h, n, Readouts[k], c, T.Zero, logits, c);
            Loss.Evaluate<T>(LossKind, logits, labels, c, e, out _);
            var g = Signals[k].AsSpan(0, b * n);
            net.MatMul.Gemm(false, true, b, n, c, T.One, e, c, Readouts[k], c, T.Zero, g, n);
            ApplyOwnMask(pass, k, g);
        }
    }
}
