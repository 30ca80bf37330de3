using System.Globalization;
using System.Text.Json.Nodes;

namespace RhmLab.Experiments;

/// <summary>
/// Every option of one training run, with the defaults of docs/METHODS.md. The same keys serve the command line
/// (<c>--key value</c>), run-config JSON files and sweep plans (see <see cref="RunOptions"/>). Null means "the
/// default that depends on other options", resolved by <see cref="ResolvedRun.Resolve"/>.
/// </summary>
public sealed class RunConfig
{
    /// <summary>n_c.</summary>
    [RunOption("nc", "Number of classes n_c", Min = 2)]
    public int Nc { get; set; } = 8;
    /// <summary>m.</summary>
    [RunOption("m", "Productions (synonyms) per symbol m", Min = 1)]
    public int M { get; set; } = 8;
    /// <summary>v.</summary>
    [RunOption("v", "Vocabulary size v", Min = 2)]
    public int V { get; set; } = 8;
    /// <summary>s.</summary>
    [RunOption("s", "Tuple size s", Min = 2)]
    public int S { get; set; } = 2;
    /// <summary>L.</summary>
    [RunOption("L", "Depth L (alias: depth)", Alias = "depth", Min = 1)]
    public int L { get; set; } = 3;
    /// <summary>Rule generator v2 or v1.</summary>
    [RunOption("rules", "Rule generator", Choices = ["v2", "v1"])]
    public string Rules { get; set; } = "v2";
    /// <summary>Master seed of every stream.</summary>
    [RunOption("seed", "Master seed of every stream")]
    public long Seed { get; set; } = 1;
    /// <summary>Seed overrides per stream (null: the master seed).</summary>
    [RunOption("rules-seed", "Seed of the rules stream (default: seed)")]
    public long? RulesSeed { get; set; }
    /// <summary><c>sample</c> stream seed.</summary>
    [RunOption("sample-seed", "Seed of the sample stream")]
    public long? SampleSeed { get; set; }
    /// <summary><c>split</c> stream seed.</summary>
    [RunOption("split-seed", "Seed of the split stream")]
    public long? SplitSeed { get; set; }
    /// <summary><c>init</c> stream seed.</summary>
    [RunOption("init-seed", "Seed of the init stream")]
    public long? InitSeed { get; set; }
    /// <summary><c>feedback</c> stream seed.</summary>
    [RunOption("feedback-seed", "Seed of the feedback stream")]
    public long? FeedbackSeed { get; set; }
    /// <summary><c>batches</c> stream seed.</summary>
    [RunOption("batch-seed", "Seed of the batches stream")]
    public long? BatchSeed { get; set; }
    /// <summary><c>pairs</c> stream seed.</summary>
    [RunOption("pairs-seed", "Seed of the pairs stream")]
    public long? PairsSeed { get; set; }
    /// <summary><c>probe</c> stream seed.</summary>
    [RunOption("probe-seed", "Seed of the probe stream")]
    public long? ProbeSeed { get; set; }
    /// <summary>Training-set size P (null: 4·n_c·m^L, or <see cref="TrainMultiple"/>·n_c·m^L).</summary>
    [RunOption("train", "Training-set size P (default 4*n_c*m^L)", Min = 1)]
    public long? Train { get; set; }
    /// <summary>P as a multiple of n_c·m^L (used when <see cref="Train"/> is null).</summary>
    [RunOption("train-x", "P as a multiple of n_c*m^L (when train is not given)", Min = 0, MinExclusive = true)]
    public double? TrainMultiple { get; set; }
    /// <summary>Test-set size T (null: min(20000, P_max − P)).</summary>
    [RunOption("test", "Test-set size T (default min(20000, P_max - P))", Min = 0)]
    public long? Test { get; set; }
    /// <summary>distinct or iid.</summary>
    [RunOption("sampling", "Index sampling", Choices = ["distinct", "iid"])]
    public string Sampling { get; set; } = "distinct";
    /// <summary>test-first-nested or joint.</summary>
    [RunOption("split", "Train/test split", Choices = ["test-first-nested", "joint"])]
    public string Split { get; set; } = "test-first-nested";
    /// <summary>Learning rule name.</summary>
    [RunOption("rule", "Learning rule", Values = typeof(RuleNameValues))]
    public string Rule { get; set; } = "bp";
    /// <summary>Supervised loss.</summary>
    [RunOption("loss", "Supervised loss", Choices = ["ce", "mse", "mse-mean", "mse-centered"])]
    public string Loss { get; set; } = "ce";
    /// <summary>cnn or mlp.</summary>
    [RunOption("arch", "Network", Choices = ["cnn", "mlp"])]
    public string Arch { get; set; } = "cnn";
    /// <summary>Width of every hidden layer (null: 2v²).</summary>
    [RunOption("width", "Width of every hidden layer (default 2v^2)", Min = 1, Max = 65536)]
    public int? Width { get; set; }
    /// <summary>Per-layer widths (overrides <see cref="Width"/>).</summary>
    [RunOption("widths", "Per-layer widths, e.g. 128,256,512", Min = 1, Max = 65536)]
    public int[]? Widths { get; set; }
    /// <summary>Hidden layers (null: L for the CNN, 2 for the MLP).</summary>
    [RunOption("layers", "Hidden layers (default L for cnn, 2 for mlp)", Min = 1)]
    public int? Layers { get; set; }
    /// <summary>fan-in, channels or plain.</summary>
    [RunOption("conv-scale", "Convolution multiplier", Choices = ["fan-in", "channels", "plain"])]
    public string ConvScale { get; set; } = "fan-in";
    /// <summary>mf or std.</summary>
    [RunOption("readout-scale", "Readout multiplier", Choices = ["mf", "std"])]
    public string ReadoutScale { get; set; } = "mf";
    /// <summary>per-channel, none or per-position.</summary>
    [RunOption("bias", "Hidden-layer bias", Choices = ["per-channel", "none", "per-position"])]
    public string Bias { get; set; } = "per-channel";
    /// <summary>sgd or adam (null: sgd for supervised rules).</summary>
    [RunOption("optimizer", "Optimiser (default sgd for supervised rules)", Choices = ["sgd", "adam"])]
    public string? Optimizer { get; set; }
    /// <summary>Base learning rate (null: 0.1 for SGD, 1e-2 for Adam).</summary>
    [RunOption("lr", "Base learning rate (default 0.1 for sgd; adam 0.01, or 0.003 for self-supervised rules at L >= 3)", Min = 0, MinExclusive = true)]
    public double? Lr { get; set; }
    /// <summary>auto, on or off: multiply the learning rate by H_L (auto: on for the mf readout with SGD).</summary>
    [RunOption("lr-width-scaling", "Multiply lr by H_L (auto: with mf readout and sgd)", Choices = ["auto", "on", "off"])]
    public string LrWidthScaling { get; set; } = "auto";
    /// <summary>SGD momentum.</summary>
    [RunOption("momentum", "SGD momentum", Min = 0, Max = 1, MaxExclusive = true)]
    public double Momentum { get; set; } = 0.9;
    /// <summary>Weight-decay form.</summary>
    [RunOption("wd-form", "Weight-decay form", Choices = ["none", "l2", "l2-mean-per-tensor", "decoupled"])]
    public string WdForm { get; set; } = "none";
    /// <summary>Weight-decay λ.</summary>
    [RunOption("wd", "Weight-decay lambda", Min = 0)]
    public double Wd { get; set; }
    /// <summary>constant, cosine or exponential.</summary>
    [RunOption("schedule", "Learning-rate schedule", Choices = ["constant", "cosine", "exponential"])]
    public string Schedule { get; set; } = "constant";
    /// <summary>Epochs over which the learning rate rises linearly to its scheduled value (0: none).</summary>
    [RunOption("warmup-epochs", "Epochs over which the learning rate rises linearly to its scheduled value: epoch e (from 0) uses (e+1)/N of it (0: no warm-up)", Min = 0)]
    public int WarmupEpochs { get; set; }
    /// <summary>Batch size.</summary>
    [RunOption("batch", "Batch size", Min = 1)]
    public int Batch { get; set; } = 128;
    /// <summary>Maximum epochs (null: 500 for supervised rules; for self-supervised rules a budget that grows with L).</summary>
    [RunOption("epochs", "Maximum epochs (default 500 supervised; self-supervised 400 at L<=2, 1000 at L=3, 1500 deeper)", Min = 1)]
    public int? Epochs { get; set; }
    /// <summary>Stop when the epoch-mean train loss is below this (0 disables; null: 1e-3 supervised, 0 self-supervised).</summary>
    [RunOption("stop-loss", "Stop when the epoch-mean train loss is below this (0: never; default 1e-3 supervised, 0 self-supervised)", Min = 0)]
    public double? StopLoss { get; set; }
    /// <summary>
    /// Budget in optimiser updates (null: none): the maximum epochs become max(epochs, ⌈updates / steps per epoch⌉),
    /// so that a small training set, with few steps per epoch, still gets this many updates.
    /// </summary>
    [RunOption("updates", "Budget in optimiser updates: maximum epochs = max(epochs, ceil(updates / steps per epoch)), so small training sets get this many updates", Min = 1)]
    public long? Updates { get; set; }
    /// <summary>
    /// Stop when the rule's own objective on its training data has stopped falling: off or on (docs/STOPPING.md). The
    /// data-exact stop: it reads nothing outside the P training data.
    /// </summary>
    [RunOption("objective-stop", "Stop when the rule's own objective, the mean loss on its training data over blocks of objective-stop-every updates, has not fallen by objective-stop-tol (relative) for objective-stop-window updates; reads only the training data", Choices = ["off", "on"])]
    public string ObjectiveStop { get; set; } = "off";
    /// <summary>Objective-stop: updates in one block of the objective's mean.</summary>
    [RunOption("objective-stop-every", "Objective-stop: updates averaged into one block mean of the objective (checked at the end of an epoch)", Min = 1)]
    public long ObjectiveStopEvery { get; set; } = 1000;
    /// <summary>Objective-stop: updates without progress before a plateau stop.</summary>
    [RunOption("objective-stop-window", "Objective-stop: updates without progress before a plateau stop", Min = 1)]
    public long ObjectiveStopWindow { get; set; } = 20000;
    /// <summary>Objective-stop: relative fall of the block mean that counts as progress.</summary>
    [RunOption("objective-stop-tol", "Objective-stop: relative fall of the block mean below its level at the last progress that counts as progress", Min = 0)]
    public double ObjectiveStopTol { get; set; } = 0.01;
    /// <summary>Objective-stop: no plateau stop before this many updates.</summary>
    [RunOption("objective-stop-min-updates", "Objective-stop: no plateau stop before this many updates", Min = 0)]
    public long ObjectiveStopMinUpdates { get; set; } = 20000;
    /// <summary>Stop when the top-layer probe has converged: off or on (docs/STOPPING.md).</summary>
    [RunOption("probe-stop", "Stop when the top-layer ridge probe, fitted on the training set and measured on fresh validation data, is at 0 error or has stopped improving", Choices = ["off", "on"])]
    public string ProbeStop { get; set; } = "off";
    /// <summary>Probe-stop: epochs between two evaluations of the held-out probe.</summary>
    [RunOption("probe-stop-every", "Probe-stop: epochs between two evaluations of the held-out probe", Min = 1)]
    public int ProbeStopEvery { get; set; } = 10;
    /// <summary>Probe-stop: evaluations without an improvement larger than <see cref="ProbeStopTol"/> before stopping.</summary>
    [RunOption("probe-stop-window", "Probe-stop: evaluations (every probe-stop-every epochs) without an improvement above probe-stop-tol before a plateau stop", Min = 1)]
    public int ProbeStopWindow { get; set; } = 10;
    /// <summary>Probe-stop: the improvement of the held-out probe error that counts as progress.</summary>
    [RunOption("probe-stop-tol", "Probe-stop: improvement of the held-out probe error that counts as progress", Min = 0)]
    public double ProbeStopTol { get; set; } = 0.01;
    /// <summary>Probe-stop: fresh validation data (neither training nor test data) on which the probe is measured.</summary>
    [RunOption("probe-stop-data", "Probe-stop: fresh validation data, neither training nor test data, on which the stopping probe is measured (at most P_max - train - test)", Min = 1)]
    public int ProbeStopData { get; set; } = 2000;
    /// <summary>Probe-stop: no plateau stop before this epoch (an error of 0 still stops).</summary>
    [RunOption("probe-stop-min-epochs", "Probe-stop: no plateau stop before this epoch", Min = 0)]
    public int ProbeStopMinEpochs { get; set; }
    /// <summary>Probe-stop: what is measured on the validation data, the top-layer probe or the network's own output.</summary>
    [RunOption("probe-stop-measure", "Probe-stop: measure on the validation data the top-layer ridge probe or, for supervised rules, the network's own error (early stopping)", Choices = ["probe", "network"])]
    public string ProbeStopMeasure { get; set; } = "probe";
    /// <summary>Evaluate the test error every this many epochs (0: only at the end).</summary>
    [RunOption("eval-every", "Test error every N epochs (0: only at the end)", Min = 0)]
    public int EvalEvery { get; set; } = 10;
    /// <summary>Evaluate the test error every this many updates as well (0: off), so checkpoints are spaced alike at every P.</summary>
    [RunOption("eval-every-updates", "Test error also every N optimiser updates (0: off): checkpoints spaced alike whatever P; reported, never used to stop", Min = 0)]
    public long EvalEveryUpdates { get; set; }
    /// <summary>DFA top layer: random or true.</summary>
    [RunOption("dfa-top", "DFA feedback of the top layer", Choices = ["random", "true"])]
    public string DfaTop { get; set; } = "random";
    /// <summary>DFA layout: per-position or shared.</summary>
    [RunOption("dfa-layout", "DFA matrices per position or shared", Choices = ["per-position", "shared"])]
    public string DfaLayout { get; set; } = "per-position";
    /// <summary>DFA scale: match-bp or unit.</summary>
    [RunOption("dfa-scale", "DFA matrix scale", Choices = ["match-bp", "unit"])]
    public string DfaScale { get; set; } = "match-bp";
    /// <summary>FA readout feedback: random or true.</summary>
    [RunOption("fa-readout-feedback", "FA feedback of the readout", Choices = ["random", "true"])]
    public string FaReadoutFeedback { get; set; } = "random";
    /// <summary>Oracle refit: epoch or step.</summary>
    [RunOption("lga-refit", "Oracle refit", Choices = ["epoch", "step"])]
    public string LgaRefit { get; set; } = "epoch";
    /// <summary>CLAPP pairing: both (CLAPP-s) or either.</summary>
    [RunOption("clapp-mode", "CLAPP pairing: both terms every step (CLAPP-s) or either", Choices = ["both", "either"])]
    public string ClappMode { get; set; } = "both";
    /// <summary>CLAPP batches: triplets (anchor, positive, negative rows) or in-batch (every row an anchor).</summary>
    [RunOption("clapp-pairing", "CLAPP batches: triplets (3 rows per anchor) or in-batch (data and their positives, every row an anchor, negatives from the batch)", Choices = ["triplets", "in-batch"])]
    public string ClappPairing { get; set; } = "triplets";
    /// <summary>CLAPP positive and negative terms: sum or mean.</summary>
    [RunOption("clapp-combine", "CLAPP positive and negative terms", Choices = ["sum", "mean"])]
    public string ClappCombine { get; set; } = "sum";
    /// <summary>W_pred: symmetric or asymmetric.</summary>
    [RunOption("wpred", "CLAPP prediction matrix", Choices = ["symmetric", "asymmetric"])]
    public string Wpred { get; set; } = "symmetric";
    /// <summary>W_pred initialisation: scaled-gaussian or zero.</summary>
    [RunOption("wpred-init", "CLAPP prediction matrix initialisation", Choices = ["scaled-gaussian", "zero"])]
    public string WpredInit { get; set; } = "scaled-gaussian";
    /// <summary>Representation of multi-position layers for local losses.</summary>
    [RunOption("rep", "Representation of a multi-position layer for local losses", Choices = ["flatten", "per-position", "per-position-mean", "pooled"])]
    public string Rep { get; set; } = "flatten";
    /// <summary>Anti-collapse mechanism of CLAPP without negatives (null: the measured default).</summary>
    [RunOption("anti-collapse", "Anti-collapse of CLAPP without negatives, the `nc` convention of docs/METHODS.md §3.8", Values = typeof(AntiCollapseValues))]
    public string? AntiCollapse { get; set; }
    /// <summary>λ of the wpred-decay anti-collapse component.</summary>
    [RunOption("wpred-decay", "Lambda of the wpred-decay anti-collapse component", Min = 0)]
    public double WpredDecay { get; set; } = 1e-2;
    /// <summary>r of the normalized anti-collapse component.</summary>
    [RunOption("wpred-radius", "r of the normalized anti-collapse component: W_pred is rescaled to Frobenius norm r*sqrt(n)", Min = 0, MinExclusive = true)]
    public double WpredRadius { get; set; } = 1;
    /// <summary>τ of the ema-target anti-collapse component.</summary>
    [RunOption("ema-tau", "Decay of the ema-target anti-collapse component: the target network keeps this fraction of itself at every step (BYOL's tau)", Min = 0, Max = 1, MaxExclusive = true)]
    public double EmaTau { get; set; } = 0.99;
    /// <summary>τ_c of the running-centered anti-collapse component.</summary>
    [RunOption("center-tau", "Decay of the running mean of the running-centered anti-collapse component: the mean keeps this fraction of itself after every step (DINO's centre momentum)", Min = 0, Max = 1, MaxExclusive = true)]
    public double CenterTau { get; set; } = 0.9;
    /// <summary>ε of the standardized anti-collapse component.</summary>
    [RunOption("nc-std-eps", "Epsilon of the standardized anti-collapse component: (z - mean)/sqrt(var + eps)", Min = 0, MinExclusive = true)]
    public double NcStdEps { get; set; } = 1;
    /// <summary>Variance weight of the vicreg-reg anti-collapse component.</summary>
    [RunOption("nc-variance", "Weight of the variance term of the vicreg-reg anti-collapse component", Min = 0)]
    public double NcVariance { get; set; } = 25;
    /// <summary>Covariance weight of the vicreg-reg anti-collapse component.</summary>
    [RunOption("nc-covariance", "Weight of the covariance term of the vicreg-reg anti-collapse component", Min = 0)]
    public double NcCovariance { get; set; } = 1;
    /// <summary>Negative partners: other-class, random or shift.</summary>
    [RunOption("negatives", "Negative partners", Choices = ["other-class", "random", "shift"])]
    public string Negatives { get; set; } = "other-class";
    /// <summary>VICReg factor convention: code, solo or paper-eq.</summary>
    [RunOption("vicreg-factors", "VICReg factor convention", Choices = ["code", "solo", "paper-eq"])]
    public string VicregFactors { get; set; } = "code";
    /// <summary>LPL pull: symmetric or sg-past.</summary>
    [RunOption("lpl-pull", "LPL pull term", Choices = ["symmetric", "sg-past"])]
    public string LplPull { get; set; } = "symmetric";
    /// <summary>Layer-wise ICA: patches per layer above which they are subsampled uniformly.</summary>
    [RunOption("ica-max-patches", "Layer-wise ICA: subsample each layer's patches to at most this many", Min = 1)]
    public int IcaMaxPatches { get; set; } = 200_000;
    /// <summary>Layer-wise ICA with more units than the patches' rank: cap, restarts or rica.</summary>
    [RunOption("ica-overcomplete", "Layer-wise ICA with more units than the patch rank: cap (FastICA; dead units beyond the rank), restarts (concatenated FastICA fits) or rica (reconstruction ICA, overcomplete; Le et al. 2011); expand is not implemented", Choices = ["cap", "restarts", "rica"])]
    public string IcaOvercomplete { get; set; } = "cap";
    /// <summary>Reconstruction ICA's sparsity weight λ.</summary>
    [RunOption("ica-rica-lambda", "Layer-wise ICA under ica-overcomplete = rica: weight λ of the log-cosh sparsity against the reconstruction cost", Min = 0)]
    public double IcaRicaLambda { get; set; } = 0.1;
    /// <summary>Layer-wise ICA nonlinearity: relu (abs and relu-pm are not implemented).</summary>
    [RunOption("ica-nonlin", "Layer-wise ICA nonlinearity: the network's ReLU (abs and relu-pm of docs/METHODS.md §3.12 are not implemented)", Choices = ["relu"])]
    public string IcaNonlin { get; set; } = "relu";
    /// <summary>Probe: ridge, logistic, both or none.</summary>
    [RunOption("probe", "Linear probe of every layer", Choices = ["ridge", "logistic", "both", "none"])]
    public string Probe { get; set; } = "ridge";
    /// <summary>Ridge α.</summary>
    [RunOption("ridge-alpha", "Ridge probe regularisation", Min = 0)]
    public double RidgeAlpha { get; set; } = 1.0;
    /// <summary>Measure the synonymic sensitivity of every layer after training and add it to the run record.</summary>
    [RunOption("sensitivity", "Measure the synonymic sensitivity of every layer and add it to the run record")]
    public bool Sensitivity { get; set; }
    /// <summary>Test data in the sensitivity reference set.</summary>
    [RunOption("sensitivity-reference", "Test data in the sensitivity reference set", Min = 2)]
    public int SensitivityReference { get; set; } = 1000;
    /// <summary>Sensitivity of post- or pre-activations: post or pre.</summary>
    [RunOption("sensitivity-rep", "Sensitivity of post- or pre-activations", Choices = ["post", "pre"])]
    public string SensitivityRep { get; set; } = "post";
    /// <summary>Sensitivity-distance denominator: off-diagonal (pairs x ≠ y) or include-diagonal.</summary>
    [RunOption("sensitivity-denominator", "Sensitivity-distance denominator: ordered pairs x != y, or with the diagonal", Choices = ["off-diagonal", "include-diagonal"])]
    public string SensitivityDenominator { get; set; } = "off-diagonal";
    /// <summary>Write the trained model (weights, config, rules) into the output folder.</summary>
    [RunOption("save-model", "Write model.npz (weights, config, seeds, rules) and rules.json into the --out folder")]
    public bool SaveModel { get; set; }
    /// <summary>Matrix-product provider: auto, openblas or managed.</summary>
    [RunOption("blas", "Matrix-product provider", Choices = ["auto", "openblas", "managed"])]
    public string Blas { get; set; } = "auto";
    /// <summary>Threads of the matrix-product provider.</summary>
    [RunOption("threads", "Threads of the matrix-product provider", Min = 1, Max = 256)]
    public int Threads { get; set; } = 1;

    /// <summary>A deep copy.</summary>
    public RunConfig Clone()
    {
        var c = (RunConfig)MemberwiseClone();
        c.Widths = Widths?.ToArray();
        return c;
    }

    /// <summary>The effective seed of a stream.</summary>
    public long StreamSeed(long? overrideSeed) => overrideSeed ?? Seed;

    /// <summary>All options as a JSON object keyed like the command line (the full config of a run record).</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject();
        foreach (var opt in RunOptions.All) o[opt.Key] = opt.Get(this);
        return o;
    }

    internal static string Invariant(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}
