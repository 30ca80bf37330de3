using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Options;
using RhmLab.Rhm;
using RhmLab.Rules;

namespace CustomRule;

/// <summary>
/// The run options of <see cref="LocalSignRule"/>: the loss of the supervised rules (<see cref="LossOptions"/>), and
/// which matrix carries each layer's local error back to the layer. Declared here, beside the rule that reads them:
/// the CLI, config files, sweep plans, records and run hashes take them from this declaration.
/// </summary>
public sealed record LocalSignOptions : LossOptions
{
    /// <summary>The local readout B_k itself carries the error back (the built-in <c>local-supervised</c>) instead of sign(B_k).</summary>
    [RunOption("local-sign-feedback", "local-sign: feedback of each layer's local error, sign(B_k) scaled to B_k's mean magnitude, or B_k itself (the built-in local-supervised rule)", Off = "sign", On = "exact")]
    public bool ExactFeedback { get; set; }
}

/// <summary>
/// Layer-local supervised learning with sign-concordant local feedback. Every hidden layer k has its own fixed random
/// linear readout B_k of the label ([n_k, n_c], entries N(0, 1/n_k)): its logits h^k·B_k give a local error e_k, and
/// the layer is trained by that error alone, through its own ReLU mask; no error crosses a layer. The twist: the
/// error comes back through sign(B_k)·mean|B_k| rather than B_k, as sign symmetry replaces W by sign(W) in BP
/// (Liao et al. 2016). The layer then follows the gradient of its local loss only as far as the signs agree, which
/// asks whether a layer-local supervised signal needs its feedback to match its readout at all.
/// With <c>local-sign-feedback exact</c> the rule is the built-in <c>local-supervised</c>.
/// </summary>
public sealed class LocalSignRule(LocalSignOptions options) : ILearningRule<float>
{
    private readonly LocalSignOptions _options = options ?? throw new ArgumentNullException(nameof(options));
    private Network<float>? _net;
    private IReadOnlyList<Parameter<float>> _params = [];
    private float[][] _readouts = [], _feedback = [];
    private float[] _logits = [], _error = [], _localError = [], _signal = [], _delta = [];
    // One for every step: a step that allocated its stats would be the only allocation of the training loop.
    private readonly StepStats _stats = new();

    /// <summary>The rule's name in the catalogue.</summary>
    public const string RuleName = "local-sign";

    /// <inheritdoc />
    public string Name => RuleName;

    /// <inheritdoc />
    public RuleInput Input => RuleInput.Labelled;

    /// <inheritdoc />
    public IReadOnlyList<Parameter<float>> OwnParameters => [];

    /// <inheritdoc />
    public void Attach(Network<float> network, IReadOnlyList<Parameter<float>> networkParameters, RuleContext context)
    {
        _net = network;
        _params = networkParameters;
        // The readouts are drawn as the built-in local-supervised rule draws them (stream and order), so that a seed
        // gives both rules the same B_k and the exact variant is that rule.
        var rng = Rng.ForStream(context.FeedbackSeed, "local-readouts");
        _readouts = network.Layers.Select(l =>
        {
            var b = new float[l.Units * network.Classes];
            double std = 1 / Math.Sqrt(l.Units);
            for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextGaussian() * std);
            return b;
        }).ToArray();
        _feedback = _options.ExactFeedback ? _readouts : _readouts.Select(SignScaled).ToArray();
        int units = network.Layers.Max(l => l.Units);
        _logits = new float[context.MaxBatch * network.Classes];
        _error = new float[context.MaxBatch * network.Classes];
        _localError = new float[context.MaxBatch * network.Classes];
        _signal = new float[context.MaxBatch * units];
        _delta = new float[context.MaxBatch * units];

        // sign(B)·mean|B|: the signs of the readout at the readout's typical size, so only the magnitudes are lost.
        static float[] SignScaled(float[] b)
        {
            double meanAbs = b.Average(x => Math.Abs((double)x));
            return b.Select(x => (float)(Math.Sign(x) * meanAbs)).ToArray();
        }
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
        double loss = Loss.Evaluate<float>(_options.Loss, pass.Logits.AsSpan(0, b * c), labels[..b], c, e, out int correct);
        net.ReadoutBackward(pass, e, _params.Readout().Grad, default);
        var local = _localError.AsSpan(0, b * c);
        for (int k = 0; k < net.Depth; k++)
        {
            int n = net.Layers[k].Units;
            // Layer k's own readout of the label: logits_k = h^k B_k, error e_k (÷ B), signal g^k = e_k F_kᵀ.
            var h = pass.Post[k].AsSpan(0, b * n);
            net.MatMul.Gemm(false, false, b, c, n, 1f, h, n, _readouts[k], c, 0f, _logits.AsSpan(0, b * c), c);
            Loss.Evaluate<float>(_options.Loss, _logits.AsSpan(0, b * c), labels[..b], c, local, out _);
            net.MatMul.Gemm(false, true, b, n, c, 1f, local, c, _feedback[k], c, 0f, _signal.AsSpan(0, b * n), n);
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
