using System.Diagnostics;
using System.Numerics;
using RhmLab.Data;
using RhmLab.Evaluation;
using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Rhm;
using RhmLab.Rules;

namespace RhmLab.Training;

/// <summary>
/// Trains one network with one learning rule on one RHM data split and evaluates it. <see cref="Train"/> returns the
/// epoch logs and why training stopped (<see cref="TrainingOutcome"/>); the Experiments layer makes the run record.
/// A training step allocates nothing (an epoch allocates its log): batches, activations, gradients and the rule's
/// step statistics live in buffers made up front, which <c>StepAllocationTests</c> checks for every built-in rule.
/// </summary>
public sealed class Trainer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Prepares a run: draws the grammar and the data, builds the network, and attaches the rule to it.</summary>
    public Trainer(TrainerSettings settings, ILearningRule<T> rule, IMatMul matMul)
    {
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        Rule = rule ?? throw new ArgumentNullException(nameof(rule));
        MatMul = matMul ?? throw new ArgumentNullException(nameof(matMul));
        var s = settings;
        Grammar = Grammar.Sample(s.Rhm, s.Seeds.Rules, s.Version);
        Data = DataSplit.Sample(Grammar, s.Train, s.Test, s.Sampling);
        Network = new Network<T>(s.Rhm, s.Network, s.Seeds.Init, matMul);
        NetworkParameters = CreateParameters(Network);
        Evaluation = new NetworkEvaluation<T>(Network, matMul, s.RidgeAlpha);
        // Batches never exceed the training set (Train clamps them the same way), so a batch size far above P must
        // not size the rule's buffers: --batch 2147483647 would ask for arrays beyond the runtime's limit.
        int batch = Math.Min(s.Options.Batch, Data.Train.Count);
        int rows = RowsPerStep(Rule.Input, batch);
        Rule.Attach(Network, NetworkParameters, new RuleContext(rows, s.Seeds.Feedback, Data.Train, s.Seeds.Pairs, s.Seeds.Seed));
        AllParameters = NetworkParameters.Concat(Rule.OwnParameters).ToArray();
    }

    /// <summary>The run's settings.</summary>
    public TrainerSettings Settings { get; }
    /// <summary>The matrix-product provider.</summary>
    public IMatMul MatMul { get; }
    /// <summary>The RHM's rules.</summary>
    public Grammar Grammar { get; }
    /// <summary>Training and test data.</summary>
    public DataSplit Data { get; }
    /// <summary>The network.</summary>
    public Network<T> Network { get; }
    /// <summary>The rule.</summary>
    public ILearningRule<T> Rule { get; }
    /// <summary>The network's parameters: W1, b1, W2, b2, …, readout.</summary>
    public IReadOnlyList<Parameter<T>> NetworkParameters { get; }
    /// <summary>Network and rule parameters.</summary>
    public IReadOnlyList<Parameter<T>> AllParameters { get; }

    /// <summary>
    /// Data taken from the epoch's order per step: the batch size, except under in-batch pairing, where a step of
    /// B anchors holds ⌊B/2⌋ data and their positives.
    /// </summary>
    public static int DataPerStep(RuleInput input, int batch) => input == RuleInput.InBatchPairs ? Math.Max(1, batch / 2) : batch;

    /// <summary>Rows of a step's forward pass: 3B for triplets, 2⌊B/2⌋ in-batch, B otherwise.</summary>
    public static int RowsPerStep(RuleInput input, int batch) => input switch
    {
        RuleInput.Pairs => 3 * batch,
        RuleInput.InBatchPairs => 2 * DataPerStep(input, batch),
        _ => batch,
    };

    /// <summary>The trainable tensors of a network in the order rules expect: W1, b1, …, WK, bK, readout.</summary>
    public static Parameter<T>[] CreateParameters(Network<T> net)
    {
        ArgumentNullException.ThrowIfNull(net);
        var list = new List<Parameter<T>>();
        for (int k = 0; k < net.Depth; k++)
        {
            list.Add(new Parameter<T>($"W{k + 1}", net.Weights[k], ParameterKind.Weight, k));
            list.Add(new Parameter<T>($"b{k + 1}", net.Biases[k], ParameterKind.Bias, k));
        }
        list.Add(new Parameter<T>("readout", net.Readout, ParameterKind.Readout, net.Depth));
        return list.ToArray();
    }

    /// <summary>Trains until the stopping rule and returns the epoch logs and the stop reason.</summary>
    public TrainingOutcome Train(ITrainingObserver? observer = null, CancellationToken cancel = default)
    {
        var run = Settings;
        var o = run.Options;
        var decay = new WeightDecay(o.WdForm, o.Wd);
        Optimizer<T> opt = run.Optimizer == OptimizerKind.Adam
            ? new Adam<T>(AllParameters, decay)
            : new Sgd<T>(AllParameters, o.Momentum, decay);
        var train = Data.Train;
        bool pairs = Rule.Input == RuleInput.Pairs, inBatch = Rule.Input == RuleInput.InBatchPairs;
        bool labelled = Rule.Input == RuleInput.Labelled;
        int n = train.Count, d = train.InputLength;
        // Every training datum is taken from the order once per epoch: as an anchor, an input, or (in-batch) the
        // first of a pair, whose partner is also an anchor.
        int batch = DataPerStep(Rule.Input, Math.Min(o.Batch, n));
        int rowsPerStep = RowsPerStep(Rule.Input, Math.Min(o.Batch, n));
        var pass = Network.CreatePass(rowsPerStep);
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var tokens = new int[rowsPerStep * d];
        var labels = new int[rowsPerStep];
        var batchRng = Rng.ForStream(run.Seeds.Batches, "batches");
        var sampler = pairs || inBatch ? new PairSampler(train.Labels, run.Rhm.Classes, Rng.ForStream(run.Seeds.Pairs, "pairs"), run.Negatives) : null;
        var batches = StepBatches.For(Rule.Input, train, sampler);
        var logs = new List<EpochLog>();
        var sw = Stopwatch.StartNew();
        var components = new Dictionary<string, double>(StringComparer.Ordinal);
        string stop = "max-epochs";
        int? divergedEpoch = null;
        int epochs = run.Epochs;
        double stopLoss = run.StopLoss;
        var convergence = o.ProbeStop.Enabled ? new ProbeConvergence(o.ProbeStop) : null;
        var objective = o.ObjectiveStop.Enabled ? new ObjectiveConvergence(o.ObjectiveStop) : null;
        var kept = o.KeepWeights.Enabled ? new LowestObjectiveWeights<T>(o.KeepWeights, NetworkParameters) : null;
        long updates = 0, lastEvalUpdates = 0;

        for (int epoch = 0; epoch < epochs; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            double lr = Schedule.Rate(o.Schedule, run.LearningRate, epoch, epochs) * Schedule.Warmup(epoch, o.WarmupEpochs);
            Rule.BeginEpoch(epoch);
            // Every training datum is the anchor (or the input) once per epoch, in random order.
            if (sampler != null) sampler.ShuffleAnchors(order);
            else batchRng.Shuffle(order.AsSpan());
            double lossSum = 0;
            long correct = 0, seen = 0;
            batches.BeginEpoch();
            int steps = 0;
            components.Clear();
            bool finite = true;
            for (int start = 0; start < n; start += batch)
            {
                int b = Math.Min(batch, n - start);
                int rows = batches.Fill(order, start, b, tokens, labels);
                Network.Forward(tokens, rows, pass);
                var stats = Rule.Step(pass, labels.AsSpan(0, rows));
                if (!double.IsFinite(stats.Loss)) { finite = false; break; }
                lossSum += stats.Loss * b;
                if (stats.Correct >= 0) correct += stats.Correct;
                seen += b;
                steps++;
                foreach (var (key, value) in stats.Components)
                    components[key] = components.GetValueOrDefault(key) + value;
                opt.Step(lr);
            }
            if (finite) finite = AllParameters.All(p => Kernels.AllFinite<T>(p.Value));
            if (!finite)
            {
                divergedEpoch = epoch + 1;
                stop = "diverged";
                logs.Add(new EpochLog(epoch + 1, double.NaN, double.NaN, null, lr, sw.Elapsed.TotalSeconds, new Dictionary<string, double>()));
                observer?.OnEpoch(logs[^1], epochs);
                break;
            }
            double trainLoss = lossSum / seen;
            updates += steps;
            kept?.Observe(updates, steps, trainLoss);
            var comp = components.ToDictionary(kv => kv.Key, kv => kv.Value / steps, StringComparer.Ordinal);
            // The stopping rules first, so that the epoch they stop at is evaluated like the last epoch of a budget.
            string? converged = null;
            if (convergence != null && (epoch + 1) % o.ProbeStop.Every == 0)
            {
                double validation = o.ProbeStop.OnNetwork ? ValidationNetworkError() : ValidationProbeError();
                comp["probe_stop_error"] = validation;
                converged = convergence.Observe(epoch + 1, validation);
            }
            if (objective != null)
            {
                // The epoch's loss is a mean over its data; blocks weigh epochs by their updates, which for a fixed
                // batch is the same weighting up to the last partial batch.
                converged ??= objective.Observe(updates, steps, trainLoss);
                comp["objective_block"] = objective.LastBlock;
            }
            bool last = epoch == epochs - 1 || (stopLoss > 0 && trainLoss < stopLoss) || converged != null;
            if (batches.Negatives > 0 && run.Negatives == NegativeMode.Random) comp["neg_same_class_rate"] = (double)batches.SameClassNegatives / batches.Negatives;
            double? testError = null;
            bool dueByUpdates = o.EvalEveryUpdates > 0 && updates - lastEvalUpdates >= o.EvalEveryUpdates;
            if ((o.EvalEvery > 0 && (epoch + 1) % o.EvalEvery == 0) || dueByUpdates || last)
            {
                lastEvalUpdates = updates;
                // Supervised rules are measured by their own output; the others by the top-layer probe.
                testError = Data.Test.Count == 0 ? double.NaN : labelled ? ErrorRate(Data.Test) : TopProbeError();
                if (!labelled) AddCollapseDiagnostics(comp);
                else if (run.CompareWithBackprop) AddUpdateCosines(comp, pass, tokens, labels);
            }
            foreach (var (key, value) in Rule.Diagnostics()) comp[key] = value;
            logs.Add(new EpochLog(epoch + 1, trainLoss, labelled ? 1 - (double)correct / seen : double.NaN,
                testError, lr, sw.Elapsed.TotalSeconds, comp));
            observer?.OnEpoch(logs[^1], epochs);
            if (stopLoss > 0 && trainLoss < stopLoss) { stop = "train-loss"; break; }
            if (converged != null) { stop = converged; break; }
        }
        // A diverged run stays diverged: its record says so, and no earlier weights stand in for it.
        var keptWeights = divergedEpoch == null ? kept?.Finish(updates, lastMetStop: stop == "train-loss") : null;
        return new TrainingOutcome(logs, stop, divergedEpoch, sw.Elapsed.TotalSeconds) { Kept = keptWeights };
    }

    private ChainRule<T>? _bp;
    private Parameter<T>[] _bpParameters = [];
    private T[][] _ruleSum = [], _bpSum = [];

    /// <summary>
    /// Update cosine (§4.6): per layer, the cosine between the rule's raw weight update (before momentum or Adam)
    /// and the exact BP gradient on the same fixed evaluation batch of (up to) 1024 training data, computed in
    /// sub-batches of the training batch size and summed.
    /// </summary>
    private void AddUpdateCosines(IDictionary<string, double> into, ForwardPass<T> pass, int[] tokens, int[] labels)
    {
        var train = Data.Train;
        int batch = pass.MaxBatch;
        if (_bp == null)
        {
            _bpParameters = NetworkParameters.Select(p => new Parameter<T>(p.Name, p.Value, p.Kind, p.Layer)).ToArray();
            _bp = new ChainRule<T>("bp", FeedbackWeights.Forward, UpperMasks.True, Settings.Loss);
            _bp.Attach(Network, _bpParameters, new RuleContext(batch, 0));
            _ruleSum = Network.Weights.Select(w => new T[w.Length]).ToArray();
            _bpSum = Network.Weights.Select(w => new T[w.Length]).ToArray();
        }
        foreach (var a in _ruleSum) Array.Clear(a);
        foreach (var a in _bpSum) Array.Clear(a);
        int total = Math.Min(1024, train.Count);
        for (int start = 0; start < total; start += batch)
        {
            int b = Math.Min(batch, total - start);
            for (int i = 0; i < b; i++) StepBatches.CopyRow(train, start + i, i, tokens, labels);
            Network.Forward(tokens, b, pass);
            Rule.Step(pass, labels.AsSpan(0, b));
            _bp.Step(pass, labels.AsSpan(0, b));
            // Each step is a mean over its sub-batch; weighting by its size makes the sum a mean over all data.
            T w = T.CreateTruncating(b);
            for (int k = 0; k < Network.Depth; k++)
            {
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(NetworkParameters.Weight(k).Grad, w, _ruleSum[k], _ruleSum[k]);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_bpParameters.Weight(k).Grad, w, _bpSum[k], _bpSum[k]);
            }
        }
        for (int k = 0; k < Network.Depth; k++) into[$"layer{k + 1}.update_cos_bp"] = Kernels.Cosine<T>(_ruleSum[k], _bpSum[k]);
    }

    /// <summary>The checkpoint measurements of this run's network (probes, errors, collapse).</summary>
    public NetworkEvaluation<T> Evaluation { get; }

    /// <summary>Ridge-probe test error of the top layer: the checkpoint measure of self-supervised rules.</summary>
    public double TopProbeError() => Evaluation.ProbeError(Data.Train, Data.Test, Network.Depth);

    private Dataset? _validation;

    /// <summary>
    /// The probe-stop measure: the top-layer ridge probe fitted on the training set, as the final probe is, and its
    /// error on <c>probe-stop-data</c> fresh validation data (drawn once, disjoint from training and test data). The
    /// training data cannot serve: a self-supervised rule pairs same-class data, so even training data left out of
    /// the probe's fit are already grouped by class (measured: held-out training error 0 at test error 0.38). The
    /// test set never decides when a run stops, so the reported test error is not selected on.
    /// </summary>
    public double ValidationProbeError()
    {
        _validation ??= DataSplit.SampleDisjoint(Grammar, Data, Settings.Options.ProbeStop.Data, Settings.Seeds.Probe);
        return Evaluation.ProbeError(Data.Train, _validation, Network.Depth);
    }

    /// <summary>
    /// Early stopping of a supervised rule on the same fresh validation data: the network's own error there. Offered
    /// so that a comparison in which the self-supervised rules stop on validation data can give BP the same data.
    /// </summary>
    public double ValidationNetworkError()
    {
        _validation ??= DataSplit.SampleDisjoint(Grammar, Data, Settings.Options.ProbeStop.Data, Settings.Seeds.Probe);
        return Evaluation.ErrorRate(_validation);
    }

    /// <summary>Collapse diagnostics (§4.7) of every layer on up to 1024 training data: dead units and effective rank.</summary>
    public void AddCollapseDiagnostics(IDictionary<string, double> into) => Evaluation.AddCollapseDiagnostics(Data.Train, into);

    /// <summary>The network's own error rate (argmax of the logits) on a data set.</summary>
    public double ErrorRate(Dataset data) => Evaluation.ErrorRate(data);

    /// <summary>The frozen representation r^k = vec(h^k) of every datum (k = 0 is the one-hot input), row-major [N, n_k].</summary>
    public float[] Representation(Dataset data, int layer) => Evaluation.Representation(data, layer);
}

/// <summary>The result of <see cref="Trainer{T}.Train"/>.</summary>
/// <param name="Epochs">One log per epoch run.</param>
/// <param name="StopReason"><c>train-loss</c>, <c>probe-converged</c>, <c>probe-plateau</c>, <c>objective-plateau</c>, <c>max-epochs</c> or <c>diverged</c>.</param>
/// <param name="DivergedEpoch">The epoch whose loss or weights became non-finite, if any.</param>
/// <param name="Seconds">Training wall time.</param>
public sealed record TrainingOutcome(IReadOnlyList<EpochLog> Epochs, string StopReason, int? DivergedEpoch, double Seconds)
{
    /// <summary>True when training diverged.</summary>
    public bool Diverged => DivergedEpoch.HasValue;

    /// <summary>
    /// Under <c>keep-weights lowest-objective</c>, the weights the run ended with; the epoch logs (and a record's
    /// checkpoints) are of the weights at each epoch, the final evaluation is of these.
    /// </summary>
    public KeptWeights? Kept { get; init; }
}
