using RhmLab.Evaluation;
using RhmLab.Networks;
using RhmLab.Rules;
using RhmLab.Training;

namespace RhmLab.Experiments;

/// <summary>The estimated work of one run.</summary>
/// <param name="Steps">Expected optimiser updates (after the stopping rule).</param>
/// <param name="MaxSteps">Updates if the run goes to its epoch budget.</param>
/// <param name="TrainFlops">Matrix-product work of the expected updates.</param>
/// <param name="EvalFlops">Work of checkpoints, the probe-stop checks and the final evaluation.</param>
/// <param name="Seconds">Expected core-seconds on the calibrated machine.</param>
public sealed record RunCost(long Steps, long MaxSteps, double TrainFlops, double EvalFlops, double Seconds);

/// <summary>
/// A model of the cost of a run (docs/COST.md): the work of one update from the layer shapes (the products of
/// <see cref="StepBenchmark"/>: forward, backward, the CLAPP score), the updates from the budget and the stopping
/// rule, the work of checkpoints and of the final probes, turned into seconds by a calibration of this machine
/// (<see cref="CostCalibration"/>): a matrix-product rate, a cost per update and a cost per run. The expected number of
/// updates under a stopping rule is a prior measured on this project's runs (constants below), not a prediction of
/// the run at hand; docs/COST.md compares the model with measured runs.
/// </summary>
public static class CostModel
{
    /// <summary>Updates a supervised run with a train-loss criterion is expected to need (measured: 900–4300 at L = 3, n_c = m = v = 4–6).</summary>
    public const double SupervisedStopUpdates = 2500;

    /// <summary>
    /// Probe-stop of layer-local rules: the expected stop after the floor (<c>probe-stop-min-epochs</c>), in windows
    /// (measured on the campaign's L = 3 CLAPP runs, n_c = m = v = 4–6: means 1.3–2.1 windows, at most 4.7).
    /// </summary>
    public const double ProbeStopWindows = 2;

    /// <summary>Probe-stop of end-to-end rules, in windows after the floor (measured: means 0.4–0.6, at most 2.5).</summary>
    public const double ProbeStopWindowsEndToEnd = 0.5;

    /// <summary>
    /// Objective-stop: the expected stop after the floor (<c>objective-stop-min-updates</c>), in windows (measured on
    /// the first 25 CLAPP runs of the data-exact campaign at L = 3 and 5: 14 stopped 1.35–3.95 windows after the floor,
    /// mean 2.6, and 11 ran their 100 000-update budget, 4 windows; the objective keeps falling slowly after the probe
    /// has settled, so small training sets run long).
    /// </summary>
    public const double ObjectiveStopWindows = 3.2;

    /// <summary>CPU seconds of starting the CLI (runtime, JIT) in a reproduction, measured on the quick figures.</summary>
    public const double ProcessSeconds = 1.0;

    /// <summary>CPU seconds of drawing one figure (PNG and SVG), measured on the quick figures.</summary>
    public const double DrawingSeconds = 0.15;

    /// <summary>CPU seconds of a layer-wise ICA fit of one layer besides its products (measured on the quick Fig. 6: 0.17 s per two-layer run).</summary>
    public const double IcaSecondsPerLayer = 0.08;

    /// <summary>Evaluation rows of a checkpoint's collapse diagnostics.</summary>
    private const int CollapseRows = 1024;

    /// <summary>The estimate of a resolved run.</summary>
    public static RunCost Estimate(ResolvedRun run, CostCalibration calibration) => Estimate(run, calibration, null);

    /// <summary>
    /// The estimate of a resolved run; with <paramref name="epochsRun"/>, of the run that went that many epochs (to
    /// check the model's cost per epoch against finished runs apart from its guess of when they stop).
    /// </summary>
    public static RunCost Estimate(ResolvedRun run, CostCalibration calibration, int? epochsRun)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(calibration);
        var c = run.Config;
        var probeStop = c.Training.ProbeStop;
        int evalEvery = c.Training.EvalEvery;
        long evalEveryUpdates = c.Training.EvalEveryUpdates;
        var layers = LayerShapes.Of(run.Rhm, run.Network);
        int classes = run.Rhm.Classes;
        long p = run.Train, t = run.Test;
        int batch = (int)Math.Min(c.Training.Batch, p);
        bool inBatch = run.InBatch;
        bool labelled = !run.SelfSupervised && !run.Unsupervised;
        double forward = StepBenchmark.ForwardFlops(layers, classes);
        var rule = run.Definition;
        // An algorithm the model does not know (a rule registered from outside) is priced like a BP step.
        double stepFlops = rule.Algorithm switch
        {
            "clapp" => ClappFlops(layers, classes, batch, inBatch, rule.EndToEnd),
            "non-contrastive" => NonContrastiveFlops(layers, classes, batch),
            "ica" => 0,
            "lga" => 2 * StepBenchmark.BpStepFlops(layers, classes, batch),
            _ => StepBenchmark.BpStepFlops(layers, classes, batch),
        };

        long maxEpochs = run.Epochs;
        double epochs = maxEpochs;
        // Only BP is expected to reach the train loss: the other supervised rules are the ones the paper shows failing,
        // and in the quick Fig. 3 they ran their whole budget.
        if (labelled && run.StopLoss > 0 && rule.IsBackprop) epochs = Math.Min(maxEpochs, Math.Ceiling(SupervisedStopUpdates / run.StepsPerEpoch));
        else if (run.ProbeStop)
        {
            double windows = rule.EndToEnd ? ProbeStopWindowsEndToEnd : ProbeStopWindows;
            epochs = Math.Min(maxEpochs, probeStop.MinEpochs + windows * probeStop.Window * probeStop.Every);
        }
        else if (run.ObjectiveStop)
            epochs = Math.Min(maxEpochs, Math.Ceiling((c.Training.ObjectiveStop.MinUpdates + ObjectiveStopWindows * c.Training.ObjectiveStop.Window) / (double)run.StepsPerEpoch));
        if (epochsRun is int ran) epochs = ran;
        if (run.Unsupervised) epochs = 1;
        long steps = run.Unsupervised ? 0 : (long)Math.Round(epochs * run.StepsPerEpoch);
        long maxSteps = run.Unsupervised ? 0 : maxEpochs * run.StepsPerEpoch;

        // Checkpoints: the network's error on the test set (supervised) or the top probe on train + test with the
        // collapse diagnostics (the others); probe-stop checks: the top probe on train + the validation data.
        double eval = 0, rows = 0;
        int top = layers[^1].Units;
        {
            // Every eval-every epochs, and always at the last epoch.
            double checkpoints = (evalEvery > 0 ? Math.Floor(epochs / evalEvery) : 0) + (evalEvery > 0 && epochs % evalEvery == 0 ? 0 : 1)
                + (evalEveryUpdates > 0 ? Math.Floor(epochs * run.StepsPerEpoch / (double)Math.Max(evalEveryUpdates, run.StepsPerEpoch)) : 0);
            double each = labelled ? t * forward : (p + t) * forward + Ridge(p, t, top, classes) + CollapseRows * forward * layers.Length;
            eval += checkpoints * each;
            rows += checkpoints * (labelled ? t : p + t + Math.Min(CollapseRows, p) * layers.Length);
            // Supervised rules other than BP also compare their update with BP's on up to 1024 training data.
            if (labelled && !rule.IsBackprop) steps += (long)(checkpoints * 2 * Math.Ceiling(Math.Min(CollapseRows, p) / (double)batch));
        }
        if (run.ProbeStop)
        {
            double checks = Math.Floor(epochs / probeStop.Every);
            eval += checks * ((p + probeStop.Data) * forward + Ridge(p, probeStop.Data, top, classes));
            rows += checks * (p + probeStop.Data);
        }
        // The final evaluation: the network's errors, then a probe of every layer (each representation is a forward
        // pass up to its layer), the raw input's included for the ridge probe.
        if (labelled) { eval += (p + t) * forward; rows += p + t; }
        if (c.Evaluation.Probe != ProbeKind.None)
        {
            double probes = Ridge(p, t, run.Rhm.InputLength * run.Rhm.Vocabulary, classes);
            for (int k = 1; k <= layers.Length; k++)
                probes += (p + t) * StepBenchmark.ForwardFlops(layers, classes, k) + Ridge(p, t, layers[k - 1].Units, classes);
            eval += c.Evaluation.Probe == ProbeKind.Both ? 3 * probes : probes;
            rows += (p + t) * (layers.Length + 1) * (c.Evaluation.Probe == ProbeKind.Both ? 2 : 1);
        }
        if (c.Evaluation.MeasureSensitivity) eval += 4.0 * run.Rhm.Depth * c.Evaluation.Sensitivity.Reference * forward * layers.Length;
        double trainFlops = steps * stepFlops;
        if (run.Unsupervised && c.Find<LayerwiseIcaOptions>() is { } ica) trainFlops = IcaFlops(layers, p, ica.MaxPatches, ica.WidthMode == IcaWidthMode.Reconstruction);
        double icaFixed = run.Unsupervised ? IcaSecondsPerLayer * layers.Length : 0;
        double rate = calibration.GflopsPerSecond * 1e9;
        // Steps of the CLAPP family carry more than their products (pairing, masks, the score's small terms): the
        // calibration measures their own cost per update and product factor.
        double stepSeconds = rule.IsClapp
            ? calibration.ClappSecondsPerStep + calibration.ClappStepFactor * stepFlops / rate
            : calibration.SecondsPerStep + stepFlops / rate;
        double seconds = calibration.SecondsPerRun + icaFixed + steps * stepSeconds + (run.Unsupervised ? trainFlops / rate : 0)
            + eval / rate + rows * calibration.SecondsPerEvalRow;
        // Core-seconds: a run with more provider threads does the same work on more cores, so its estimate stays the
        // single-core one (the model does not price the threads' overhead).
        return new RunCost(steps, maxSteps, trainFlops, eval, seconds);
    }

    /// <summary>A closed-form ridge probe: the Gram matrix of side min(P, F), its solve, and the scores of train and test.</summary>
    internal static double Ridge(long train, long test, long features, int classes)
    {
        double side = Math.Min(train, features);
        return 2.0 * train * features * side + side * side * side / 3 + 2.0 * (train + test) * features * classes;
    }

    /// <summary>
    /// A CLAPP step: B anchors in triplets (3B rows) or in-batch (B rows). Layer-local: every layer's forward, weight
    /// gradient and bilinear score; end-to-end: the forward and backward products of every layer (as BP's, without
    /// the readout) and the score of the top layer only.
    /// </summary>
    private static double ClappFlops(IReadOnlyList<LayerShape> layers, int classes, int batch, bool inBatch, bool endToEnd)
    {
        // The trainer's own arithmetic: in-batch, every row is an anchor; triplets, B anchors in 3B rows.
        int rows = Trainer<float>.RowsPerStep(inBatch ? RuleInput.InBatchPairs : RuleInput.Pairs, batch);
        int anchors = inBatch ? rows : batch;
        if (!endToEnd) return StepBenchmark.ClappStepFlops(layers, anchors, rows);
        double top = layers[^1].Units;
        return StepBenchmark.BpStepFlops(layers, classes, rows) - 3 * 2.0 * rows * layers[^1].Width * classes
            + 3 * 2.0 * anchors * top * top;
    }

    /// <summary>VICReg and LPL: two views of B data through the layers, their gradients, and each layer's n×n covariance.</summary>
    private static double NonContrastiveFlops(IReadOnlyList<LayerShape> layers, int classes, int batch)
    {
        double f = StepBenchmark.BpStepFlops(layers, classes, 2 * batch);
        foreach (var l in layers) f += 2 * 2.0 * batch * l.Units * l.Units;
        return f;
    }

    /// <summary>
    /// Layer-wise ICA: whitening and about 100 fixed-point iterations over each layer's (subsampled) patches; under
    /// <c>rica</c>, up to 440 L-BFGS evaluations (400 iterations and their line searches) of four products
    /// [patches × rank × H] each, with the rank taken as the fan-in (the wider layers of Fig. 6 run to the limit).
    /// </summary>
    private static double IcaFlops(IReadOnlyList<LayerShape> layers, long train, int maxPatches, bool rica)
    {
        double f = 0;
        foreach (var l in layers)
        {
            double patches = Math.Min((double)train * l.Positions, maxPatches);
            int comps = Math.Min(l.Width, l.FanIn);
            f += 2 * patches * l.FanIn * l.FanIn + (rica
                ? 440 * 4 * 2 * patches * l.FanIn * (double)l.Width
                : 100 * 4 * patches * l.FanIn * comps);
        }
        return f;
    }

    /// <summary>
    /// The training-set sizes a search is expected to run for one configuration: the start, one step of the factor,
    /// then bisections down to the ratio (the crossing assumed within one factor of the start; each further factor
    /// step adds one size).
    /// </summary>
    public static IReadOnlyList<long> ExpectedSearchSizes(long start, long min, long max, PStarSearchOptions search)
    {
        ArgumentNullException.ThrowIfNull(search);
        var sizes = new List<long> { start };
        double lo = start, hi = Math.Min(max, start * search.Factor);
        if (hi > lo) sizes.Add((long)hi);
        while (hi / lo > search.Ratio)
        {
            double mid = Math.Sqrt(lo * hi);
            sizes.Add((long)Math.Round(mid));
            // Alternate sides, the average of a crossing anywhere in the bracket.
            if (sizes.Count % 2 == 0) lo = mid; else hi = mid;
        }
        return sizes.Where(s => s >= min && s <= max).Distinct().ToList();
    }
}

/// <summary>One run of a plan's estimate.</summary>
/// <param name="Point">The run (for a search: a configuration and seed at an expected size).</param>
/// <param name="Cost">Its estimate.</param>
/// <param name="Done">Whether its record is already in the results folder.</param>
public sealed record PlannedRun(SweepPoint Point, RunCost Cost, bool Done);

/// <summary>The estimated cost of a plan: every run, and the core-hours of all of them and of those not done.</summary>
/// <param name="Runs">The runs (for a search, the expected ones).</param>
/// <param name="Search">Whether the runs of a search are expected ones.</param>
public sealed record PlanEstimate(IReadOnlyList<PlannedRun> Runs, bool Search)
{
    /// <summary>Core-hours of every run.</summary>
    public double CoreHours => Runs.Sum(r => r.Cost.Seconds) / 3600;
    /// <summary>Core-hours of the runs without a record.</summary>
    public double RemainingCoreHours => Runs.Where(r => !r.Done).Sum(r => r.Cost.Seconds) / 3600;

    /// <summary>
    /// The estimate of a plan. A grid plan's runs are its points; a search plan's are, per configuration, the sizes it
    /// has finished (read from <paramref name="outDir"/>) and then <see cref="CostModel.ExpectedSearchSizes"/> from
    /// where it stands. A run counts as done when its record is in <paramref name="outDir"/> or, with
    /// <paramref name="reuse"/>, can be copied from another folder (a search's path is still read from its own folder).
    /// </summary>
    public static PlanEstimate Of(SweepPlan plan, CostCalibration calibration, string? outDir = null, SweepShard? shard = null, RecordIndex? reuse = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(calibration);
        var runs = new List<PlannedRun>();
        bool Done(SweepPoint p) =>
            (outDir != null && SweepStore.TryReadResult(SweepStore.RunDir(outDir, p.Hash), p.Hash) != null)
            || (reuse != null && reuse.Find(p.Hash, outDir is null ? null : SweepStore.RunDir(outDir, p.Hash), out _) != null);
        if (plan.Search is not { } search)
        {
            foreach (var p in plan.PointsOf(shard)) runs.Add(new PlannedRun(p, CostModel.Estimate(p.Run, calibration), Done(p)));
            return new PlanEstimate(runs, false);
        }
        foreach (var unit in SearchRunner.UnitsOf(plan).Where(u => shard is null || shard.Contains(u.Index)))
        {
            var state = outDir != null ? SearchRunner.State(unit, search, outDir) : null;
            var sizes = new List<long>();
            if (state != null) sizes.AddRange(state.Levels.Select(l => l.Train));
            if (state is null || state.Step.Next is long)
            {
                long from = state?.Step.Next ?? unit.Start;
                // From where it stands, a search still brackets and bisects: the expected sizes from that size on.
                sizes.AddRange(CostModel.ExpectedSearchSizes(from, unit.Min, unit.Max, search).Where(s => !sizes.Contains(s)));
            }
            foreach (long size in sizes)
                foreach (var p in SearchRunner.RunsAt(unit, size))
                    runs.Add(new PlannedRun(p, CostModel.Estimate(p.Run, calibration), Done(p)));
        }
        return new PlanEstimate(runs, true);
    }
}
