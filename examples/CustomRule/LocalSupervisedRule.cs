using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Rhm;
using RhmLab.Rules;

namespace CustomRule;

/// <summary>
/// A layer-local supervised rule, the control that separates locality from self-supervision: every hidden layer k
/// has its own fixed random linear readout B_k of the label ([n_k, n_c], entries N(0, 1/n_k)), and is trained by the
/// cross-entropy of that readout alone, through its own ReLU mask; no error crosses a layer. The network's readout
/// is trained by its own gradient, as in BP. In the spirit of local error signals: the label is local information
/// here, but the hierarchy above a layer is not.
/// </summary>
public sealed class LocalSupervisedRule : ILearningRule<float>
{
    private Network<float>? _net;
    private IReadOnlyList<Parameter<float>> _params = [];
    private float[][] _readouts = [];
    private float[] _logits = [], _error = [], _signal = [], _delta = [];
    // One for every step: a step that allocated its stats would be the only allocation of the training loop.
    private readonly StepStats _stats = new();

    /// <inheritdoc />
    public string Name => "local-supervised-example";

    /// <inheritdoc />
    public RuleInput Input => RuleInput.Labelled;

    /// <inheritdoc />
    public IReadOnlyList<Parameter<float>> OwnParameters => [];

    /// <inheritdoc />
    public void Attach(Network<float> network, IReadOnlyList<Parameter<float>> networkParameters, RuleContext context)
    {
        _net = network;
        _params = networkParameters;
        // The fixed readouts come from the run's feedback stream, like FA's kernels, so a seed fixes them.
        var rng = Rng.ForStream(context.FeedbackSeed, "local-readouts");
        _readouts = network.Layers.Select(l =>
        {
            var b = new float[l.Units * network.Classes];
            for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextGaussian() / Math.Sqrt(l.Units));
            return b;
        }).ToArray();
        int units = network.Layers.Max(l => l.Units);
        _logits = new float[context.MaxBatch * network.Classes];
        _error = new float[context.MaxBatch * network.Classes];
        _signal = new float[context.MaxBatch * units];
        _delta = new float[context.MaxBatch * units];
    }

    /// <inheritdoc />
    public void BeginEpoch(int epoch) { }

    /// <inheritdoc />
    public StepStats Step(ForwardPass<float> pass, ReadOnlySpan<int> labels)
    {
        var net = _net ?? throw new InvalidOperationException("rule is not attached");
        int b = pass.Batch, c = net.Classes;
        // The network's readout: its true gradient, and the loss and accuracy the trainer reports.
        var e = _error.AsSpan(0, b * c);
        double loss = Loss.Evaluate<float>(LossKind.CrossEntropy, pass.Logits.AsSpan(0, b * c), labels[..b], c, e, out int correct);
        net.ReadoutBackward(pass, e, _params.Readout().Grad, default);
        for (int k = 0; k < net.Depth; k++)
        {
            int n = net.Layers[k].Units;
            // Layer k's own readout of the label: logits_k = h^k B_k, error e_k (÷ B), signal g^k = e_k B_kᵀ.
            var h = pass.Post[k].AsSpan(0, b * n);
            net.MatMul.Gemm(false, false, b, c, n, 1f, h, n, _readouts[k], c, 0f, _logits.AsSpan(0, b * c), c);
            Loss.Evaluate<float>(LossKind.CrossEntropy, _logits.AsSpan(0, b * c), labels[..b], c, e, out _);
            net.MatMul.Gemm(false, true, b, n, c, 1f, e, c, _readouts[k], c, 0f, _signal.AsSpan(0, b * n), n);
            // Its own mask only, then the same local update as every rule: postsynaptic error × presynaptic patch.
            Kernels.MaskByActive<float>(_signal.AsSpan(0, b * n), pass.Pre[k].AsSpan(0, b * n), _delta.AsSpan(0, b * n));
            net.LayerGradient(pass, k, _delta.AsSpan(0, b * n), _params.Weight(k).Grad, _params.Bias(k).Grad);
        }
        var stats = _stats.Reset();
        stats.Loss = loss;
        stats.Correct = correct;
        return stats;
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Diagnostics() => new Dictionary<string, double>();
}
