using System.Numerics;
using RhmLab.Data;
using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Rhm;
using RhmLab.Rules;
using RhmLab.Training;

namespace RhmLab.Experiments;

/// <summary>
/// A run config with every default resolved and every value validated: the RHM, P and T, the network, the
/// optimiser and its effective learning rate. Bad values raise <see cref="ArgumentException"/> naming the option.
/// </summary>
public sealed class ResolvedRun
{
    private ResolvedRun(RunConfig c)
    {
        // Each option's own range and choices, and each component's checks of its own options, come from their
        // declarations; what follows resolves the defaults that depend on several components and checks them together.
        RunOptions.Validate(c);
        Config = c;
        Rhm = c.Rhm.Parameters;
        Version = c.Rhm.Rules;

        Train = c.Data.Train ?? (long)Math.Max(1, Math.Round((c.Data.TrainMultiple ?? 4) * Rhm.SampleScale));
        if (Train > int.MaxValue / 2) throw new ArgumentException($"train: {Train} is too large");
        Test = c.Data.Test ?? DataSplit.DefaultTestSize(Rhm, Train);
        if (c.Data.Sampling == SamplingMode.Distinct && Train + Test > Rhm.PMax)
            throw new ArgumentException($"train: train + test = {Train + Test} exceeds P_max = {Rhm.PMax} for {Rhm}");
        if (Test + Train > int.MaxValue) throw new ArgumentException("test: train + test must be < 2^31");

        Network = c.Network.Resolve(Rhm);
        CheckArraySizes(Rhm, Network.Widths, Network.Architecture, Math.Max(Train, Test), c.Evaluation.Ridge ? Train : 0);

        Definition = RuleCatalog.Get(c.Rule);
        var training = c.Training;
        Optimizer = training.Optimizer ?? (Definition.Kind == RuleKind.SelfSupervised ? OptimizerKind.Adam : OptimizerKind.Sgd);
        LrWidthScaling = training.LrWidthScaling switch
        {
            Training.LrWidthScaling.On => true,
            Training.LrWidthScaling.Off => false,
            _ => Network.ReadoutScale == ReadoutScale.MeanField && Optimizer == OptimizerKind.Sgd,
        };
        BaseLr = training.Lr ?? DefaultLr(Definition.Kind, Optimizer, Rhm.Depth);
        EffectiveLr = LrWidthScaling ? BaseLr * Network.Widths[^1] : BaseLr;
        InBatch = c.Find<ClappOptions>()?.InBatch == true;
        StepsPerEpoch = (long)Math.Ceiling((double)Train / Trainer<float>.DataPerStep(InBatch ? RuleInput.InBatchPairs : RuleInput.Labelled, (int)Math.Min(training.Batch, Train)));
        if (training.Updates is long updates)
        {
            if (Unsupervised) throw new ArgumentException($"updates: the {Rule} rule fits its layers before training and takes no update budget (leave updates out)");
            long byUpdates = updates / StepsPerEpoch + (updates % StepsPerEpoch != 0 ? 1 : 0);
            if (byUpdates > 10_000_000) throw new ArgumentException($"updates: {updates} updates at {StepsPerEpoch} per epoch would be more than 10000000 epochs");
            Epochs = (int)Math.Max(training.Epochs ?? DefaultEpochs(Unsupervised, SelfSupervised, Rhm.Depth), byUpdates);
        }
        else Epochs = training.Epochs ?? DefaultEpochs(Unsupervised, SelfSupervised, Rhm.Depth);
        var probeStop = training.ProbeStop;
        if (probeStop.Enabled)
        {
            if (Unsupervised)
                throw new ArgumentException($"probe-stop: the {Rule} rule fits its layers in one pass and has nothing to stop");
            if (!Rhm.FitsInt64 || Rhm.PMax - Train - Test < probeStop.Data)
                throw new ArgumentException($"probe-stop-data: {probeStop.Data} validation data do not fit beside train + test = {Train + Test} in P_max = {Rhm.PMax}");
            if (probeStop.OnNetwork && Definition.Kind != RuleKind.Supervised)
                throw new ArgumentException($"probe-stop-measure: network is for supervised rules, whose output is trained ({Rule} has a frozen readout; use probe)");
        }
        if (training.ObjectiveStop.Enabled && Unsupervised)
            throw new ArgumentException($"objective-stop: the {Rule} rule fits its layers in one pass and has no objective to follow");
        if (training.KeepWeights.Enabled && Unsupervised)
            throw new ArgumentException($"keep-weights: the {Rule} rule fits its layers in one pass and has no objective to keep the lowest of");
        // Data outside the P training data that any decision of the run reads (docs/METHODS.md §1.10, "Data budget"):
        // the validation data of probe-stop. Objective-stop, keep-weights, the train-loss stop and the budgets read none.
        ExtraDataRead = probeStop.Enabled ? probeStop.Data : 0;
        StopLoss = training.StopLoss ?? (SelfSupervised || Unsupervised ? 0 : 1e-3);
        if (Unsupervised && Network.Bias == BiasMode.None)
            throw new ArgumentException("bias: the ica rule needs a bias (per-channel or per-position) to centre the patches");
        if (c.Evaluation.MeasureSensitivity && Test < 2) throw new ArgumentException($"sensitivity: needs a test set of at least 2 data (test = {Test})");
    }

    /// <summary>
    /// Every array a run allocates must fit in one .NET array (<see cref="Array.MaxLength"/> elements): each layer's
    /// weights, the tokens of the larger data set, the representation of every layer that the probes read, and the
    /// ridge probe's square system (of side min(P, features)). Checked here, with the option to change, because
    /// otherwise a width of 65536 overflowed the weight count to 0 and failed later with a message about matrix
    /// strides, and a large P crashed out of memory after the whole training. <paramref name="ridgeRows"/> is P when
    /// a ridge probe runs, else 0.
    /// </summary>
    private static void CheckArraySizes(RhmParameters rhm, int[] widths, Architecture arch, long data, long ridgeRows)
    {
        long limit = Array.MaxLength;
        long d = rhm.InputLength;
        if (data * d > limit) throw new ArgumentException($"train: {data} data of {d} tokens need more than the {limit} entries an array can hold");
        if (data * d * rhm.Vocabulary > limit)
            throw new ArgumentException($"train: the one-hot input of {data} data ({d * rhm.Vocabulary} values each) needs more than the {limit} entries an array can hold");
        CheckRidge(0, d * rhm.Vocabulary);
        long channels = rhm.Vocabulary, positions = d;
        for (int k = 0; k < widths.Length; k++)
        {
            long kernel = arch == Architecture.Cnn ? rhm.TupleSize : (k == 0 ? d : 1);
            long weights = kernel * channels * widths[k];
            if (weights > limit)
                throw new ArgumentException($"width: layer {k + 1} would have {weights} weights, more than the {limit} an array can hold");
            positions /= kernel;
            long units = widths[k] * positions;
            if (data * units > limit)
                throw new ArgumentException($"train: the layer-{k + 1} representation of {data} data ({units} values each) needs more than the {limit} entries an array can hold");
            CheckRidge(k + 1, units);
            channels = widths[k];
        }

        void CheckRidge(int layer, long features)
        {
            long side = Math.Min(ridgeRows, features);
            if (side * side > limit)
                throw new ArgumentException($"train: the ridge probe of layer {layer} would solve a {side} x {side} system, more than the {limit} entries an array can hold (use fewer data or --probe none)");
        }
    }

    /// <summary>
    /// The default learning rate of a rule under an optimiser (docs/METHODS.md §2.4): SGD 0.1 (× H_L under the
    /// mean-field readout); Adam 1e-2 for supervised rules; for self-supervised rules Adam 1e-2 at L ≤ 2 and 3e-3
    /// deeper, where 1e-2 killed most units in the pilot.
    /// </summary>
    public static double DefaultLr(RuleKind kind, OptimizerKind optimizer, int depth) => optimizer == OptimizerKind.Sgd
        ? 0.1
        : kind == RuleKind.SelfSupervised && depth >= 3 ? 3e-3 : 1e-2;

    /// <summary>
    /// The epoch budget when neither <c>epochs</c> nor <c>updates</c> is given (docs/METHODS.md §2.4): 500 for supervised
    /// rules; for self-supervised rules 400 at L ≤ 2, 1000 at L = 3 and 1500 deeper; one for layer-wise ICA, which
    /// fits every layer before the first epoch.
    /// </summary>
    public static int DefaultEpochs(bool unsupervised, bool selfSupervised, int depth) =>
        unsupervised ? 1 : selfSupervised ? (depth <= 2 ? 400 : depth == 3 ? 1000 : 1500) : 500;

    /// <summary>The rules built on the CLAPP objective (the ones whose options are <see cref="ClappOptions"/>).</summary>
    public static IReadOnlyList<string> ClappRules => RuleCatalog.All.Where(r => r.IsClapp).Select(r => r.Name).ToArray();

    /// <summary>Resolves and validates a config.</summary>
    public static ResolvedRun Resolve(RunConfig config) => new(config?.Clone() ?? throw new ArgumentNullException(nameof(config)));

    /// <summary>The config as given (defaults still null).</summary>
    public RunConfig Config { get; }
    /// <summary>The RHM.</summary>
    public RhmParameters Rhm { get; }
    /// <summary>The rule generator.</summary>
    public RuleVersion Version { get; }
    /// <summary>P.</summary>
    public long Train { get; }
    /// <summary>T.</summary>
    public long Test { get; }
    /// <summary>Sampling mode.</summary>
    public SamplingMode Sampling => Config.Data.Sampling;
    /// <summary>The network.</summary>
    public NetworkConfig Network { get; }
    /// <summary>Rule name.</summary>
    public string Rule => Config.Rule;
    /// <summary>The rule's row of the catalogue.</summary>
    public RuleDefinition Definition { get; }
    /// <summary>The supervised loss: the rule's (<see cref="LossOptions"/>), cross-entropy for rules without one.</summary>
    public LossKind Loss => Config.Find<LossOptions>()?.Loss ?? LossKind.CrossEntropy;
    /// <summary>The optimiser, its default filled in from the rule's kind.</summary>
    public OptimizerKind Optimizer { get; }
    /// <summary>The configured learning rate.</summary>
    public double BaseLr { get; }
    /// <summary>Whether the rate is multiplied by H_L.</summary>
    public bool LrWidthScaling { get; }
    /// <summary>The rate actually used.</summary>
    public double EffectiveLr { get; }
    /// <summary>Whether the rule is self-supervised (pairs, frozen readout, probes as the measure).</summary>
    public bool SelfSupervised => Definition.Kind == RuleKind.SelfSupervised;
    /// <summary>Whether the rule is unsupervised (inputs only, frozen readout, probes as the measure).</summary>
    public bool Unsupervised => Definition.Kind == RuleKind.Unsupervised;
    /// <summary>Whether a step's batch holds data and their positives, every row an anchor (CLAPP's <c>clapp-pairing in-batch</c>).</summary>
    public bool InBatch { get; }
    /// <summary>Maximum epochs.</summary>
    public int Epochs { get; }
    /// <summary>Optimiser updates per epoch: ⌈P / data per step⌉.</summary>
    public long StepsPerEpoch { get; }
    /// <summary>Whether the run stops when its held-out top-layer probe has converged.</summary>
    public bool ProbeStop => Config.Training.ProbeStop.Enabled;
    /// <summary>Whether the run stops when its own objective on the training data has stopped falling.</summary>
    public bool ObjectiveStop => Config.Training.ObjectiveStop.Enabled;
    /// <summary>
    /// How many data outside its P training data the run's decisions read (stopping, schedules, selection): the
    /// record's <c>extra_data_read</c>. A P* comparison is fair only between runs that read the same amount.
    /// </summary>
    public long ExtraDataRead { get; }
    /// <summary>Train-loss stopping threshold (0: never).</summary>
    public double StopLoss { get; }
    /// <summary>How the pair sampler draws negatives: the CLAPP rules' option, other-class for every other rule.</summary>
    public NegativeMode NegativeMode => Config.Find<ClappOptions>()?.NegativePartners ?? NegativeMode.OtherClass;

    /// <summary>What the trainer needs of this run: its own options as given, and the values resolved here.</summary>
    public TrainerSettings TrainerSettings => new()
    {
        Options = Config.Training, Rhm = Rhm, Version = Version, Train = (int)Train, Test = (int)Test, Sampling = SamplingOptions,
        Network = Network, Seeds = Config.Seeds, Optimizer = Optimizer, LearningRate = EffectiveLr, Epochs = Epochs, StopLoss = StopLoss,
        RidgeAlpha = Config.Evaluation.RidgeAlpha, Negatives = NegativeMode, Loss = Loss,
        CompareWithBackprop = Definition.Kind == RuleKind.Supervised && !Definition.IsBackprop,
    };

    /// <summary>Sampling options with the stream seeds.</summary>
    public SamplingOptions SamplingOptions => new(Config.Seeds.Sample, Config.Seeds.Split, Config.Data.Sampling, Config.Data.Split);

    /// <summary>The error rate of random guessing, 1 − 1/n_c.</summary>
    public double ChanceError => Rhm.ChanceError;

    /// <summary>
    /// Creates the rule named by the config, from its catalogue row and the config's instance of its options. Rules
    /// are built in float32, the precision runs train in; gradient checks in float64 construct their rules directly.
    /// </summary>
    public ILearningRule<T> CreateRule<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float))
            throw new NotSupportedException($"rule: runs build their rules in float32 (asked for {typeof(T).Name}); construct a float64 rule directly");
        var rule = Definition.Create(this) ?? throw new InvalidOperationException($"rule: the factory of '{Rule}' returned no rule");
        return (ILearningRule<T>)(object)rule;
    }
}
