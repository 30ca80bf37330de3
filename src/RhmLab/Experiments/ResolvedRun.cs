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
        // Each option's own range and choices come from its declaration; what follows checks options together.
        RunOptions.Validate(c);
        Config = c;
        Rhm = new RhmParameters(c.Nc, c.M, c.V, c.S, c.L);
        Rhm.Validate();
        Version = RuleVersions.Parse(c.Rules, "rules");

        Train = c.Train ?? (long)Math.Max(1, Math.Round((c.TrainMultiple ?? 4) * Rhm.SampleScale));
        if (Train > int.MaxValue / 2) throw new ArgumentException($"train: {Train} is too large");
        Test = c.Test ?? DataSplit.DefaultTestSize(Rhm, Train);
        Sampling = SamplingOptions.ParseSampling(c.Sampling);
        if (Sampling == SamplingMode.Distinct && Train + Test > Rhm.PMax)
            throw new ArgumentException($"train: train + test = {Train + Test} exceeds P_max = {Rhm.PMax} for {Rhm}");
        if (Test + Train > int.MaxValue) throw new ArgumentException("test: train + test must be < 2^31");

        var arch = NetworkConfig.ParseArchitecture(c.Arch);
        int layers = c.Layers ?? (c.Widths?.Length ?? (arch == Architecture.Cnn ? Rhm.Depth : 2));
        if (arch == Architecture.Cnn && layers > Rhm.Depth) throw new ArgumentException($"layers: a CNN has at most L = {Rhm.Depth} layers (got {layers})");
        int[] widths;
        if (c.Widths != null)
        {
            if (c.Widths.Length != layers) throw new ArgumentException($"widths: {c.Widths.Length} widths given for {layers} layers");
            widths = c.Widths;
        }
        else widths = Enumerable.Repeat(c.Width ?? 2 * c.V * c.V, layers).ToArray();
        // The default 2v² is derived, so its range is checked here; given widths were checked by their declarations.
        foreach (int w in widths) if (w > 1 << 16) throw new ArgumentException($"width: must be in 1..65536 (got {w}, 2v^2 for v = {c.V})");
        CheckArraySizes(Rhm, widths, arch, Math.Max(Train, Test), c.Probe is "ridge" or "both" ? Train : 0);
        Network = new NetworkConfig(widths, arch, NetworkConfig.ParseConvScale(c.ConvScale), NetworkConfig.ParseReadoutScale(c.ReadoutScale), NetworkConfig.ParseBias(c.Bias));

        Rule = c.Rule;
        Definition = RuleCatalog.Get(Rule);
        Loss = Rules.Loss.Parse(c.Loss);
        SelfSupervised = Definition.Kind == RuleKind.SelfSupervised;
        Unsupervised = Definition.Kind == RuleKind.Unsupervised;
        Optimizer = c.Optimizer ?? (SelfSupervised ? "adam" : "sgd");
        bool scaling = c.LrWidthScaling switch
        {
            "on" => true,
            "off" => false,
            "auto" => Network.ReadoutScale == ReadoutScale.MeanField && Optimizer == "sgd",
            _ => throw new ArgumentException($"lr-width-scaling: unknown value '{c.LrWidthScaling}' (expected auto, on or off)"),
        };
        BaseLr = c.Lr ?? DefaultLr(Definition.Kind, Optimizer, Rhm.Depth);
        LrWidthScaling = scaling;
        EffectiveLr = scaling ? BaseLr * widths[^1] : BaseLr;
        Decay = new WeightDecay(WeightDecay.ParseForm(c.WdForm), c.Wd);
        ScheduleKind = Schedule.Parse(c.Schedule);
        StepsPerEpoch = (long)Math.Ceiling((double)Train / Trainer<float>.DataPerStep(c.ClappPairing == "in-batch" ? RuleInput.InBatchPairs : RuleInput.Labelled, (int)Math.Min(c.Batch, Train)));
        if (c.Updates is long updates)
        {
            if (Unsupervised) throw new ArgumentException($"updates: the {Rule} rule fits its layers before training and takes no update budget (leave updates out)");
            long byUpdates = updates / StepsPerEpoch + (updates % StepsPerEpoch != 0 ? 1 : 0);
            if (byUpdates > 10_000_000) throw new ArgumentException($"updates: {updates} updates at {StepsPerEpoch} per epoch would be more than 10000000 epochs");
            Epochs = (int)Math.Max(c.Epochs ?? DefaultEpochs(Unsupervised, SelfSupervised, Rhm.Depth), byUpdates);
        }
        else Epochs = c.Epochs ?? DefaultEpochs(Unsupervised, SelfSupervised, Rhm.Depth);
        ProbeStop = c.ProbeStop == "on";
        var defaults = Defaults;
        if (ProbeStop)
        {
            if (Unsupervised)
                throw new ArgumentException($"probe-stop: the {Rule} rule fits its layers in one pass and has nothing to stop");
            if (!Rhm.FitsInt64 || Rhm.PMax - Train - Test < c.ProbeStopData)
                throw new ArgumentException($"probe-stop-data: {c.ProbeStopData} validation data do not fit beside train + test = {Train + Test} in P_max = {Rhm.PMax}");
            if (c.ProbeStopMeasure == "network" && Definition.Kind != RuleKind.Supervised)
                throw new ArgumentException($"probe-stop-measure: network is for supervised rules, whose output is trained ({Rule} has a frozen readout; use probe)");
        }
        else if (c.ProbeStopMeasure != defaults.ProbeStopMeasure)
            throw new ArgumentException("probe-stop-measure: applies only with probe-stop on");
        ObjectiveStop = c.ObjectiveStop == "on";
        if (ObjectiveStop && Unsupervised)
            throw new ArgumentException($"objective-stop: the {Rule} rule fits its layers in one pass and has no objective to follow");
        if (!ObjectiveStop && (c.ObjectiveStopEvery != defaults.ObjectiveStopEvery || c.ObjectiveStopWindow != defaults.ObjectiveStopWindow
            || c.ObjectiveStopTol != defaults.ObjectiveStopTol || c.ObjectiveStopMinUpdates != defaults.ObjectiveStopMinUpdates))
            throw new ArgumentException("objective-stop-every, -window, -tol, -min-updates: apply only with objective-stop on");
        // Data outside the P training data that any decision of the run reads (docs/METHODS.md §1.10, "Data budget"):
        // the validation data of probe-stop. Objective-stop, the train-loss stop and the budgets read none.
        ExtraDataRead = ProbeStop ? c.ProbeStopData : 0;
        StopLoss = c.StopLoss ?? (SelfSupervised || Unsupervised ? 0 : 1e-3);
        Representation = RepresentationModes.Parse(c.Rep);
        AntiCollapse = c.AntiCollapse ?? DefaultAntiCollapse;
        NoNegatives = NoNegativesModes.Parse(AntiCollapse);
        if (c.EmaTau != new RunConfig().EmaTau && (NoNegatives & NoNegativesMode.EmaTarget) == 0)
            throw new ArgumentException($"ema-tau: applies only with an anti-collapse that includes ema-target (anti-collapse = {AntiCollapse})");
        if (c.CenterTau != defaults.CenterTau && (NoNegatives & NoNegativesMode.RunningCentered) == 0)
            throw new ArgumentException($"center-tau: applies only with an anti-collapse that includes running-centered (anti-collapse = {AntiCollapse})");
        NegativeMode = c.Negatives switch
        {
            "random" => NegativeMode.Random,
            "shift" => NegativeMode.Shift,
            "other-class" => NegativeMode.OtherClass,
            _ => throw new ArgumentException($"negatives: unknown value '{c.Negatives}' (expected other-class, random or shift)"),
        };
        if (c.ClappPairing == "in-batch")
        {
            if (!Definition.IsClapp)
                throw new ArgumentException($"clapp-pairing: in-batch is available for {string.Join(", ", ClappRules)} only (rule = {Rule})");
            if (NegativeMode == NegativeMode.Random)
                throw new ArgumentException("negatives: random is not available with clapp-pairing in-batch (use other-class or shift)");
        }
        if (Unsupervised && Network.Bias == BiasMode.None)
            throw new ArgumentException("bias: the ica rule needs a bias (per-channel or per-position) to centre the patches");
        if (c.IcaRicaLambda != new RunConfig().IcaRicaLambda && c.IcaOvercomplete != "rica")
            throw new ArgumentException($"ica-rica-lambda: applies only with ica-overcomplete = rica (ica-overcomplete = {c.IcaOvercomplete})");
        if (c.Sensitivity && Test < 2) throw new ArgumentException($"sensitivity: needs a test set of at least 2 data (test = {Test})");
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
    /// The anti-collapse mechanism used by <c>clapp-pos</c> and <c>e2e-clapp-nc</c> when none is given: the only one
    /// measured to learn at both L = 2 and L = 3 (docs/CLAPP-NO-NEGATIVES.md); <c>hinge-only</c> stays the literal ablation.
    /// </summary>
    public const string DefaultAntiCollapse = "centered";

    /// <summary>
    /// The default learning rate of a rule under an optimiser (docs/METHODS.md §2.4): SGD 0.1 (× H_L under the
    /// mean-field readout); Adam 1e-2 for supervised rules; for self-supervised rules Adam 1e-2 at L ≤ 2 and 3e-3
    /// deeper, where 1e-2 killed most units in the pilot.
    /// </summary>
    public static double DefaultLr(RuleKind kind, string optimizer, int depth) => optimizer == "sgd"
        ? 0.1
        : kind == RuleKind.SelfSupervised && depth >= 3 ? 3e-3 : 1e-2;

    /// <summary>
    /// The epoch budget when neither <c>epochs</c> nor <c>updates</c> is given (docs/METHODS.md §2.4): 500 for supervised
    /// rules; for self-supervised rules 400 at L ≤ 2, 1000 at L = 3 and 1500 deeper; one for layer-wise ICA, which
    /// fits every layer before the first epoch.
    /// </summary>
    public static int DefaultEpochs(bool unsupervised, bool selfSupervised, int depth) =>
        unsupervised ? 1 : selfSupervised ? (depth <= 2 ? 400 : depth == 3 ? 1000 : 1500) : 500;

    /// <summary>The rules built on the CLAPP objective (the ones that take <c>clapp-pairing</c>).</summary>
    public static IReadOnlyList<string> ClappRules => RuleCatalog.All.Where(r => r.IsClapp).Select(r => r.Name).ToArray();

    // The option defaults, for the checks that refuse a component's constant where the component is off.
    private static readonly RunConfig Defaults = new();

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
    public SamplingMode Sampling { get; }
    /// <summary>The network.</summary>
    public NetworkConfig Network { get; }
    /// <summary>Rule name.</summary>
    public string Rule { get; }
    /// <summary>The rule's row of the catalogue.</summary>
    public RuleDefinition Definition { get; }
    /// <summary>Supervised loss.</summary>
    public LossKind Loss { get; }
    /// <summary>sgd or adam.</summary>
    public string Optimizer { get; }
    /// <summary>The configured learning rate.</summary>
    public double BaseLr { get; }
    /// <summary>Whether the rate is multiplied by H_L.</summary>
    public bool LrWidthScaling { get; }
    /// <summary>The rate actually used.</summary>
    public double EffectiveLr { get; }
    /// <summary>Weight decay.</summary>
    public WeightDecay Decay { get; }
    /// <summary>Schedule.</summary>
    public ScheduleKind ScheduleKind { get; }
    /// <summary>Whether the rule is self-supervised (pairs, frozen readout, probes as the measure).</summary>
    public bool SelfSupervised { get; }
    /// <summary>Whether the rule is unsupervised (inputs only, frozen readout, probes as the measure).</summary>
    public bool Unsupervised { get; }
    /// <summary>Maximum epochs.</summary>
    public int Epochs { get; }
    /// <summary>Optimiser updates per epoch: ⌈P / data per step⌉.</summary>
    public long StepsPerEpoch { get; }
    /// <summary>Whether the run stops when its held-out top-layer probe has converged.</summary>
    public bool ProbeStop { get; }
    /// <summary>The probe-stop criterion of the config.</summary>
    public ProbeConvergenceOptions ProbeStopOptions => new(Config.ProbeStopWindow, Config.ProbeStopTol, Config.ProbeStopMinEpochs);
    /// <summary>Whether the run stops when its own objective on the training data has stopped falling.</summary>
    public bool ObjectiveStop { get; }
    /// <summary>The objective-stop criterion of the config.</summary>
    public ObjectiveConvergenceOptions ObjectiveStopOptions => new(Config.ObjectiveStopEvery, Config.ObjectiveStopWindow, Config.ObjectiveStopTol, Config.ObjectiveStopMinUpdates);
    /// <summary>
    /// How many data outside its P training data the run's decisions read (stopping, schedules, selection): the
    /// record's <c>extra_data_read</c>. A P* comparison is fair only between runs that read the same amount.
    /// </summary>
    public long ExtraDataRead { get; }
    /// <summary>Train-loss stopping threshold (0: never).</summary>
    public double StopLoss { get; }
    /// <summary>Representation of multi-position layers for local losses.</summary>
    public RepresentationMode Representation { get; }
    /// <summary>Anti-collapse mechanism of CLAPP without negatives, as named.</summary>
    public string AntiCollapse { get; }
    /// <summary>The components of <see cref="AntiCollapse"/>.</summary>
    public NoNegativesMode NoNegatives { get; }
    /// <summary>How negatives are drawn.</summary>
    public NegativeMode NegativeMode { get; }

    /// <summary>The VICReg factor convention of the config.</summary>
    public VicregFactors VicregFactors => Config.VicregFactors switch
    {
        "solo" => VicregFactors.Solo,
        "paper-eq" => VicregFactors.PaperEq,
        "code" => VicregFactors.Code,
        _ => throw new ArgumentException($"vicreg-factors: unknown value '{Config.VicregFactors}' (expected code, solo or paper-eq)"),
    };

    /// <summary>The CLAPP options of the config.</summary>
    public ClappOptions ClappOptions(bool negatives) => new()
    {
        Mode = Config.ClappMode == "either" ? ClappMode.Either : ClappMode.Both,
        MeanCombine = Config.ClappCombine == "mean",
        Asymmetric = Config.Wpred == "asymmetric",
        ZeroInit = Config.WpredInit == "zero",
        Representation = Representation,
        Negatives = negatives,
        NoNegatives = NoNegatives,
        InBatch = Config.ClappPairing == "in-batch",
        ShiftNegatives = NegativeMode == NegativeMode.Shift,
        WpredDecay = Config.WpredDecay,
        WpredRadius = Config.WpredRadius,
        StandardizeEpsilon = Config.NcStdEps,
        EmaDecay = Config.EmaTau,
        CenterDecay = Config.CenterTau,
        VarianceWeight = Config.NcVariance,
        CovarianceWeight = Config.NcCovariance,
    };

    /// <summary>What the trainer needs of this run.</summary>
    public TrainerSettings TrainerSettings => new()
    {
        Rhm = Rhm, Version = Version, Train = (int)Train, Test = (int)Test, Sampling = SamplingOptions, Network = Network,
        Seed = Config.Seed, RulesSeed = Config.StreamSeed(Config.RulesSeed), InitSeed = Config.StreamSeed(Config.InitSeed),
        FeedbackSeed = Config.StreamSeed(Config.FeedbackSeed), BatchSeed = Config.StreamSeed(Config.BatchSeed),
        PairsSeed = Config.StreamSeed(Config.PairsSeed), ProbeSeed = Config.StreamSeed(Config.ProbeSeed),
        Batch = Config.Batch, Optimizer = Optimizer, Momentum = Config.Momentum, Decay = Decay, Schedule = ScheduleKind, WarmupEpochs = Config.WarmupEpochs,
        LearningRate = EffectiveLr, Epochs = Epochs, StopLoss = StopLoss, EvalEvery = Config.EvalEvery, EvalEveryUpdates = Config.EvalEveryUpdates, RidgeAlpha = Config.RidgeAlpha,
        Negatives = NegativeMode, Loss = Loss, CompareWithBackprop = Definition.Kind == RuleKind.Supervised && !Definition.IsBackprop,
        ProbeStop = ProbeStop ? ProbeStopOptions : null, ProbeStopEvery = Config.ProbeStopEvery, ProbeStopData = Config.ProbeStopData,
        ProbeStopOnNetwork = Config.ProbeStopMeasure == "network",
        ObjectiveStop = ObjectiveStop ? ObjectiveStopOptions : null,
    };

    /// <summary>The layer-wise ICA options of the config.</summary>
    public LayerwiseIcaOptions IcaOptions => new()
    {
        MaxPatches = Config.IcaMaxPatches,
        WidthMode = Config.IcaOvercomplete switch
        {
            "restarts" => IcaWidthMode.Restarts,
            "rica" => IcaWidthMode.Reconstruction,
            "cap" => IcaWidthMode.Cap,
            var other => throw new ArgumentException($"ica-overcomplete: unknown value '{other}' (expected cap, restarts or rica)"),
        },
        RicaSparsity = Config.IcaRicaLambda,
    };

    /// <summary>Sampling options with the stream seeds.</summary>
    public SamplingOptions SamplingOptions => new(Config.StreamSeed(Config.SampleSeed), Config.StreamSeed(Config.SplitSeed), Sampling, SamplingOptions.ParseSplit(Config.Split));

    /// <summary>The error rate of random guessing, 1 − 1/n_c.</summary>
    public double ChanceError => Rhm.ChanceError;

    /// <summary>
    /// Creates the rule named by the config, from its catalogue row. Rules are built in float32, the precision runs
    /// train in; gradient checks in float64 construct their rules directly.
    /// </summary>
    public ILearningRule<T> CreateRule<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float))
            throw new NotSupportedException($"rule: runs build their rules in float32 (asked for {typeof(T).Name}); construct a float64 rule directly");
        var rule = Definition.Create(this) ?? throw new InvalidOperationException($"rule: the factory of '{Rule}' returned no rule");
        return (ILearningRule<T>)(object)rule;
    }
}
