using System.Globalization;
using System.Text.Json.Nodes;

namespace RhmLab.Experiments;

/// <summary>
/// Every option of one training run, with the defaults of ALGORITHMS.md. The same keys serve the command line
/// (<c>--key value</c>), run-config JSON files and sweep plans (see <see cref="RunOptions"/>). Null means "the
/// default that depends on other options", resolved by <see cref="ResolvedRun.Resolve"/>.
/// </summary>
public sealed class RunConfig
{
    /// <summary>n_c.</summary>
    public int Nc { get; set; } = 8;
    /// <summary>m.</summary>
    public int M { get; set; } = 8;
    /// <summary>v.</summary>
    public int V { get; set; } = 8;
    /// <summary>s.</summary>
    public int S { get; set; } = 2;
    /// <summary>L.</summary>
    public int L { get; set; } = 3;
    /// <summary>Rule generator v2 or v1.</summary>
    public string Rules { get; set; } = "v2";
    /// <summary>Master seed of every stream.</summary>
    public long Seed { get; set; } = 1;
    /// <summary>Seed overrides per stream (null: the master seed).</summary>
    public long? RulesSeed { get; set; }
    /// <summary><c>sample</c> stream seed.</summary>
    public long? SampleSeed { get; set; }
    /// <summary><c>split</c> stream seed.</summary>
    public long? SplitSeed { get; set; }
    /// <summary><c>init</c> stream seed.</summary>
    public long? InitSeed { get; set; }
    /// <summary><c>feedback</c> stream seed.</summary>
    public long? FeedbackSeed { get; set; }
    /// <summary><c>batches</c> stream seed.</summary>
    public long? BatchSeed { get; set; }
    /// <summary><c>pairs</c> stream seed.</summary>
    public long? PairsSeed { get; set; }
    /// <summary><c>probe</c> stream seed.</summary>
    public long? ProbeSeed { get; set; }
    /// <summary>Training-set size P (null: 4·n_c·m^L, or <see cref="TrainMultiple"/>·n_c·m^L).</summary>
    public long? Train { get; set; }
    /// <summary>P as a multiple of n_c·m^L (used when <see cref="Train"/> is null).</summary>
    public double? TrainMultiple { get; set; }
    /// <summary>Test-set size T (null: min(20000, P_max − P)).</summary>
    public long? Test { get; set; }
    /// <summary>distinct or iid.</summary>
    public string Sampling { get; set; } = "distinct";
    /// <summary>test-first-nested or joint.</summary>
    public string Split { get; set; } = "test-first-nested";
    /// <summary>Learning rule name.</summary>
    public string Rule { get; set; } = "bp";
    /// <summary>Supervised loss.</summary>
    public string Loss { get; set; } = "ce";
    /// <summary>cnn or mlp.</summary>
    public string Arch { get; set; } = "cnn";
    /// <summary>Width of every hidden layer (null: 2v²).</summary>
    public int? Width { get; set; }
    /// <summary>Per-layer widths (overrides <see cref="Width"/>).</summary>
    public int[]? Widths { get; set; }
    /// <summary>Hidden layers (null: L for the CNN, 2 for the MLP).</summary>
    public int? Layers { get; set; }
    /// <summary>fan-in, channels or plain.</summary>
    public string ConvScale { get; set; } = "fan-in";
    /// <summary>mf or std.</summary>
    public string ReadoutScale { get; set; } = "mf";
    /// <summary>per-channel, none or per-position.</summary>
    public string Bias { get; set; } = "per-channel";
    /// <summary>sgd or adam (null: sgd for supervised rules).</summary>
    public string? Optimizer { get; set; }
    /// <summary>Base learning rate (null: 0.1 for SGD, 1e-2 for Adam).</summary>
    public double? Lr { get; set; }
    /// <summary>auto, on or off: multiply the learning rate by H_L (auto: on for the mf readout with SGD).</summary>
    public string LrWidthScaling { get; set; } = "auto";
    /// <summary>SGD momentum.</summary>
    public double Momentum { get; set; } = 0.9;
    /// <summary>Weight-decay form.</summary>
    public string WdForm { get; set; } = "none";
    /// <summary>Weight-decay λ.</summary>
    public double Wd { get; set; }
    /// <summary>constant, cosine or exponential.</summary>
    public string Schedule { get; set; } = "constant";
    /// <summary>Batch size.</summary>
    public int Batch { get; set; } = 128;
    /// <summary>Maximum epochs (null: 500 for supervised rules; for self-supervised rules a budget that grows with L).</summary>
    public int? Epochs { get; set; }
    /// <summary>Stop when the epoch-mean train loss is below this (0 disables; null: 1e-3 supervised, 0 self-supervised).</summary>
    public double? StopLoss { get; set; }
    /// <summary>
    /// Budget in optimiser updates (null: none): the maximum epochs become max(epochs, ⌈updates / steps per epoch⌉),
    /// so that a small training set, with few steps per epoch, still gets this many updates.
    /// </summary>
    public long? Updates { get; set; }
    /// <summary>Stop when the top-layer probe has converged: off or on (docs/STOPPING.md).</summary>
    public string ProbeStop { get; set; } = "off";
    /// <summary>Probe-stop: epochs between two evaluations of the held-out probe.</summary>
    public int ProbeStopEvery { get; set; } = 10;
    /// <summary>Probe-stop: evaluations without an improvement larger than <see cref="ProbeStopTol"/> before stopping.</summary>
    public int ProbeStopWindow { get; set; } = 10;
    /// <summary>Probe-stop: the improvement of the held-out probe error that counts as progress.</summary>
    public double ProbeStopTol { get; set; } = 0.01;
    /// <summary>Probe-stop: fresh validation data (neither training nor test data) on which the probe is measured.</summary>
    public int ProbeStopData { get; set; } = 2000;
    /// <summary>Probe-stop: no plateau stop before this epoch (an error of 0 still stops).</summary>
    public int ProbeStopMinEpochs { get; set; }
    /// <summary>Evaluate the test error every this many epochs (0: only at the end).</summary>
    public int EvalEvery { get; set; } = 10;
    /// <summary>DFA top layer: random or true.</summary>
    public string DfaTop { get; set; } = "random";
    /// <summary>DFA layout: per-position or shared.</summary>
    public string DfaLayout { get; set; } = "per-position";
    /// <summary>DFA scale: match-bp or unit.</summary>
    public string DfaScale { get; set; } = "match-bp";
    /// <summary>FA readout feedback: random or true.</summary>
    public string FaReadoutFeedback { get; set; } = "random";
    /// <summary>Oracle refit: epoch or step.</summary>
    public string LgaRefit { get; set; } = "epoch";
    /// <summary>CLAPP pairing: both (CLAPP-s) or either.</summary>
    public string ClappMode { get; set; } = "both";
    /// <summary>CLAPP batches: triplets (anchor, positive, negative rows) or in-batch (every row an anchor).</summary>
    public string ClappPairing { get; set; } = "triplets";
    /// <summary>CLAPP positive and negative terms: sum or mean.</summary>
    public string ClappCombine { get; set; } = "sum";
    /// <summary>W_pred: symmetric or asymmetric.</summary>
    public string Wpred { get; set; } = "symmetric";
    /// <summary>W_pred initialisation: scaled-gaussian or zero.</summary>
    public string WpredInit { get; set; } = "scaled-gaussian";
    /// <summary>Representation of multi-position layers for local losses.</summary>
    public string Rep { get; set; } = "flatten";
    /// <summary>Anti-collapse mechanism of CLAPP without negatives (null: the measured default).</summary>
    public string? AntiCollapse { get; set; }
    /// <summary>λ of the wpred-decay anti-collapse component.</summary>
    public double WpredDecay { get; set; } = 1e-2;
    /// <summary>r of the normalized anti-collapse component.</summary>
    public double WpredRadius { get; set; } = 1;
    /// <summary>ε of the standardized anti-collapse component.</summary>
    public double NcStdEps { get; set; } = 1;
    /// <summary>Variance weight of the vicreg-reg anti-collapse component.</summary>
    public double NcVariance { get; set; } = 25;
    /// <summary>Covariance weight of the vicreg-reg anti-collapse component.</summary>
    public double NcCovariance { get; set; } = 1;
    /// <summary>Negative partners: other-class, random or shift.</summary>
    public string Negatives { get; set; } = "other-class";
    /// <summary>VICReg factor convention: code, solo or paper-eq.</summary>
    public string VicregFactors { get; set; } = "code";
    /// <summary>LPL pull: symmetric or sg-past.</summary>
    public string LplPull { get; set; } = "symmetric";
    /// <summary>Layer-wise ICA: patches per layer above which they are subsampled uniformly.</summary>
    public int IcaMaxPatches { get; set; } = 200_000;
    /// <summary>Layer-wise ICA with more units than the patches' rank: cap or restarts.</summary>
    public string IcaOvercomplete { get; set; } = "cap";
    /// <summary>Layer-wise ICA nonlinearity: relu (abs and relu-pm are not implemented).</summary>
    public string IcaNonlin { get; set; } = "relu";
    /// <summary>Probe: ridge, logistic, both or none.</summary>
    public string Probe { get; set; } = "ridge";
    /// <summary>Ridge α.</summary>
    public double RidgeAlpha { get; set; } = 1.0;
    /// <summary>Measure the synonymic sensitivity of every layer after training and add it to the run record.</summary>
    public bool Sensitivity { get; set; }
    /// <summary>Test data in the sensitivity reference set.</summary>
    public int SensitivityReference { get; set; } = 1000;
    /// <summary>Sensitivity of post- or pre-activations: post or pre.</summary>
    public string SensitivityRep { get; set; } = "post";
    /// <summary>Sensitivity-distance denominator: off-diagonal (pairs x ≠ y) or include-diagonal.</summary>
    public string SensitivityDenominator { get; set; } = "off-diagonal";
    /// <summary>Write the trained model (weights, config, rules) into the output folder.</summary>
    public bool SaveModel { get; set; }
    /// <summary>Matrix-product provider: auto, openblas or managed.</summary>
    public string Blas { get; set; } = "auto";
    /// <summary>Threads of the matrix-product provider.</summary>
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
