using System.Diagnostics;
using RhmLab.Evaluation;
using RhmLab.Numerics;
using RhmLab.Options;
using RhmLab.Rules;
using RhmLab.Training;

namespace RhmLab.Experiments;

/// <summary>The run options of how a run executes, which never change what it computes beyond the provider's rounding.</summary>
public sealed record ExecutionOptions
{
    /// <summary>Write the trained model (weights, config, rules) into the output folder.</summary>
    [RunOption("save-model", "Write model.npz (weights, config, seeds, rules) and rules.json into the --out folder")]
    public bool SaveModel { get; set; }
    /// <summary>Matrix-product provider.</summary>
    [RunOption("blas", "Matrix-product provider")]
    public MatMulChoice Blas { get; set; } = MatMulChoice.Auto;
    /// <summary>Threads of the matrix-product provider.</summary>
    [RunOption("threads", "Threads of the matrix-product provider", Min = 1, Max = 256)]
    public int Threads { get; set; } = 1;
}

/// <summary>
/// Runs one config end to end: data, training, the network's own errors, and linear probes on every layer's
/// frozen representation (docs/METHODS.md §4.1). This is what <c>rhmlab train</c> and each sweep point call.
/// </summary>
public static class RunExecutor
{
    /// <summary>The matrix-product provider a config asks for; <c>auto</c> defers to RHMLAB_BLAS, then to OpenBLAS when present.</summary>
    public static IMatMul Provider(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return MatMulProviders.Create(config.Execution.Blas, config.Execution.Threads);
    }

    /// <summary>Executes a resolved run.</summary>
    public static RunResult Execute(ResolvedRun run, ITrainingObserver? observer = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var sw = Stopwatch.StartNew();
        double? cpu0 = ThreadCpu.Seconds();
        var provenance = RunResult.CurrentProvenance();
        var mm = Provider(run.Config);
        var trainer = CreateTrainer(run, mm);
        var outcome = trainer.Train(observer, cancel);
        if (outcome.Diverged)
        {
            return new RunResult
            {
                Rule = run.Rule, Run = run, Outcome = outcome, Provider = mm.Name,
                ProbeErrors = Enumerable.Repeat(double.NaN, trainer.Network.Depth).ToArray(),
                Network = trainer.Network, Grammar = trainer.Grammar,
                WallSeconds = sw.Elapsed.TotalSeconds, CpuSeconds = ThreadCpu.Since(cpu0), Provenance = provenance,
            };
        }
        bool supervised = trainer.Rule.Input == RuleInput.Labelled;
        double testError = supervised ? trainer.ErrorRate(trainer.Data.Test) : double.NaN;
        double trainError = supervised ? trainer.ErrorRate(trainer.Data.Train) : double.NaN;
        var probe = run.Config.Evaluation;
        double[] probeErrors = [];
        double inputProbe = double.NaN;
        double[]? logisticErrors = null;
        var notes = new List<string>();
        if (probe.Probe != ProbeKind.None && trainer.Data.Test.Count > 0)
        {
            // The ridge probe is fitted whatever the probe (with probe = logistic only its notes and its refusal of a
            // singular system remain): records of every earlier version were made so.
            var (ridgeErrors, ridgeInput) = ProbeLayers(trainer, run, mm, logisticProbe: false, notes);
            if (probe.Ridge) { probeErrors = ridgeErrors; inputProbe = ridgeInput; }
            if (probe.Logistic) logisticErrors = ProbeLayers(trainer, run, mm, logisticProbe: true, notes).Errors;
            // A run whose only probe is logistic records it where analyses read the run's probe (probe_errors).
            if (probe.Probe == ProbeKind.Logistic) probeErrors = logisticErrors!;
        }
        SensitivityResult? sensitivity = null;
        if (probe.MeasureSensitivity)
        {
            if (trainer.Data.Test.Count < 2) throw new ArgumentException($"sensitivity: needs a test set of at least 2 data (test = {trainer.Data.Test.Count})");
            sensitivity = Sensitivity.Compute(trainer.Network, trainer.Data.Test, SensitivityOptions(run.Config));
        }
        return new RunResult
        {
            Rule = run.Rule, Run = run, Outcome = outcome, Provider = mm.Name,
            NetworkTestError = testError, NetworkTrainError = trainError,
            ProbeErrors = probeErrors, InputProbeError = inputProbe, LogisticProbeErrors = probe.Probe == ProbeKind.Both ? logisticErrors : null,
            ProbeNotes = notes,
            Sensitivity = sensitivity, Network = trainer.Network, Grammar = trainer.Grammar,
            WallSeconds = sw.Elapsed.TotalSeconds, CpuSeconds = ThreadCpu.Since(cpu0), Provenance = provenance,
        };
    }

    /// <summary>The trainer of a resolved run: its settings and its rule from the catalogue.</summary>
    public static Trainer<float> CreateTrainer(ResolvedRun run, IMatMul matMul)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new Trainer<float>(run.TrainerSettings, run.CreateRule<float>(), matMul);
    }

    /// <summary>The sensitivity options of a config; perturbations draw from the master seed's <c>perturb</c> stream.</summary>
    public static SensitivityOptions SensitivityOptions(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Evaluation.Sensitivity with { Seed = config.Seeds.Seed };
    }

    /// <summary>Whether a representation is beyond any probe: a value that is not finite, or one above 1e8 in size.</summary>
    internal static bool Blown(float[] x, out double largest)
    {
        largest = 0;
        foreach (float v in x)
        {
            if (!float.IsFinite(v)) { largest = double.PositiveInfinity; return true; }
            largest = Math.Max(largest, Math.Abs(v));
        }
        return largest > 1e8;
    }

    /// <summary>
    /// Whether a failed ridge fit is the rule's doing rather than the user's: features that blew up, or a hidden layer
    /// (k ≥ 1) that defeats the default α or a larger one (its activations grew until the Gram matrix lost its
    /// ridge to rounding: a run of the linear oracle at L = 4 did, with features below <see cref="Blown"/>'s bound).
    /// The raw input, or an α below the default, keeps the message that names <c>ridge-alpha</c>.
    /// </summary>
    internal static bool Unfittable(int layer, double alpha, float[] x, out double largest) =>
        Blown(x, out largest) | (layer >= 1 && alpha >= new EvaluationOptions().RidgeAlpha);

    /// <summary>Probe test error of every hidden layer, and of the raw input for the ridge probe.</summary>
    private static (double[] Errors, double Input) ProbeLayers(Trainer<float> trainer, ResolvedRun run, IMatMul mm, bool logisticProbe, List<string> notes)
    {
        var train = trainer.Data.Train;
        var test = trainer.Data.Test;
        int classes = run.Rhm.Classes;
        var errors = new double[trainer.Network.Depth];
        double input = double.NaN;
        for (int k = logisticProbe ? 1 : 0; k <= trainer.Network.Depth; k++)
        {
            var xtr = trainer.Representation(train, k);
            var xte = trainer.Representation(test, k);
            int cols = xtr.Length / train.Count;
            double err;
            if (logisticProbe)
            {
                var p = LogisticProbe.Fit(xtr, train.Count, cols, train.Labels, classes,
                    new LogisticOptions { Seed = run.Config.Seeds.Probe });
                err = p.Error(xte, test.Count, test.Labels);
            }
            else
            {
                RidgeProbe p;
                try { p = RidgeProbe.Fit(xtr, train.Count, cols, train.Labels, classes, new RidgeOptions { Alpha = run.Config.Evaluation.RidgeAlpha }, mm); }
                catch (InvalidOperationException e) when (Unfittable(k, run.Config.Evaluation.RidgeAlpha, xtr, out double largest))
                {
                    // A rule that blew the activations up (they are not finite or enormous) leaves a layer no probe can
                    // be fitted to: the run is recorded, that layer's error is null, and the note says why.
                    notes.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ridge probe of layer {k} not fitted: {e.Message.Split('\n')[0]}; features {(double.IsFinite(largest) ? $"up to {largest:G3} in size" : "not finite")}"));
                    if (k == 0) input = double.NaN; else errors[k - 1] = double.NaN;
                    continue;
                }
                catch (InvalidOperationException e)
                {
                    // The solver's own words ("not positive definite") do not tell the user which option to change:
                    // the one-hot input's columns are collinear, so a ridge-alpha near 0 leaves the system singular.
                    throw new InvalidOperationException($"ridge probe of layer {k}: {e.Message}; ridge-alpha = {run.Config.Evaluation.RidgeAlpha.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} is too small for these features (the default is 1)", e);
                }
                err = p.Error(xte, test.Count, test.Labels);
            }
            if (k == 0) input = err; else errors[k - 1] = err;
        }
        return (errors, input);
    }
}
