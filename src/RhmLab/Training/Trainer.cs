using System.Diagnostics;
using System.Numerics;
using RhmLab.Data;
using RhmLab.Experiments;
using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Rhm;
using RhmLab.Rules;

namespace RhmLab.Training;

/// <summary>
/// Trains one network with one learning rule on one RHM data split, evaluates it, and returns the run record.
/// The loop allocates nothing per step: batches, activations and gradients live in buffers made up front.
/// </summary>
public sealed class Trainer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int EvalChunk = 1024;

    /// <summary>Prepares a run: draws the grammar and the data, builds the network and the rule.</summary>
    public Trainer(ResolvedRun run, IMatMul matMul)
    {
        Run = run ?? throw new ArgumentNullException(nameof(run));
        MatMul = matMul ?? throw new ArgumentNullException(nameof(matMul));
        var c = run.Config;
        Grammar = Grammar.Sample(run.Rhm, c.StreamSeed(c.RulesSeed), run.Version);
        Data = DataSplit.Sample(Grammar, (int)run.Train, (int)run.Test, run.SamplingOptions);
        Network = new Network<T>(run.Rhm, run.Network, c.StreamSeed(c.InitSeed), matMul);
        NetworkParameters = CreateParameters(Network);
        Rule = run.CreateRule<T>();
        Rule.Attach(Network, NetworkParameters, new RuleContext(c.Batch, c.StreamSeed(c.FeedbackSeed), Data.Train));
        AllParameters = NetworkParameters.Concat(Rule.OwnParameters).ToArray();
    }

    /// <summary>The resolved run.</summary>
    public ResolvedRun Run { get; }
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
        var run = Run;
        var c = run.Config;
        Optimizer<T> opt = run.Optimizer == "adam"
            ? new Adam<T>(AllParameters, run.Decay)
            : new Sgd<T>(AllParameters, c.Momentum, run.Decay);
        var train = Data.Train;
        int n = train.Count, d = train.InputLength, batch = Math.Min(c.Batch, n);
        var pass = Network.CreatePass(batch);
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var tokens = new int[batch * d];
        var labels = new int[batch];
        var batchRng = Rng.ForStream(c.StreamSeed(c.BatchSeed), "batches");
        var logs = new List<EpochLog>();
        var sw = Stopwatch.StartNew();
        var components = new Dictionary<string, double>(StringComparer.Ordinal);
        string stop = "max-epochs";
        int? divergedEpoch = null;

        for (int epoch = 0; epoch < c.Epochs; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            double lr = Schedule.Rate(run.ScheduleKind, run.EffectiveLr, epoch, c.Epochs);
            Rule.BeginEpoch(epoch);
            batchRng.Shuffle(order.AsSpan());
            double lossSum = 0;
            long correct = 0, seen = 0;
            int steps = 0;
            components.Clear();
            bool finite = true;
            for (int start = 0; start < n; start += batch)
            {
                int b = Math.Min(batch, n - start);
                for (int i = 0; i < b; i++)
                {
                    int row = order[start + i];
                    labels[i] = train.Labels[row];
                    var src = train.Tokens(row);
                    for (int q = 0; q < d; q++) tokens[i * d + q] = src[q];
                }
                Network.Forward(tokens, b, pass);
                var stats = Rule.Step(pass, labels.AsSpan(0, b));
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
                observer?.OnEpoch(logs[^1], c.Epochs);
                break;
            }
            double trainLoss = lossSum / seen;
            bool last = epoch == c.Epochs - 1 || (c.StopLoss > 0 && trainLoss < c.StopLoss);
            double? testError = null;
            if ((c.EvalEvery > 0 && (epoch + 1) % c.EvalEvery == 0) || last)
                testError = Data.Test.Count > 0 ? ErrorRate(Data.Test) : double.NaN;
            var comp = components.ToDictionary(kv => kv.Key, kv => kv.Value / steps, StringComparer.Ordinal);
            foreach (var (key, value) in Rule.Diagnostics()) comp[key] = value;
            logs.Add(new EpochLog(epoch + 1, trainLoss, correct >= 0 && Rule.Input == RuleInput.Labelled ? 1 - (double)correct / seen : double.NaN,
                testError, lr, sw.Elapsed.TotalSeconds, comp));
            observer?.OnEpoch(logs[^1], c.Epochs);
            if (c.StopLoss > 0 && trainLoss < c.StopLoss) { stop = "train-loss"; break; }
        }
        return new TrainingOutcome(logs, stop, divergedEpoch, sw.Elapsed.TotalSeconds);
    }

    /// <summary>The network's own error rate (argmax of the logits) on a data set.</summary>
    public double ErrorRate(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0) return double.NaN;
        int chunk = Math.Min(EvalChunk, data.Count), d = data.InputLength, classes = Network.Classes;
        var pass = Network.CreatePass(chunk);
        var tokens = new int[chunk * d];
        long wrong = 0;
        for (int start = 0; start < data.Count; start += chunk)
        {
            int b = Math.Min(chunk, data.Count - start);
            var src = data.TokenData.AsSpan(start * d, b * d);
            for (int i = 0; i < src.Length; i++) tokens[i] = src[i];
            Network.Forward(tokens, b, pass);
            for (int i = 0; i < b; i++)
            {
                var f = pass.Logits.AsSpan(i * classes, classes);
                int arg = 0;
                for (int k = 1; k < classes; k++) if (f[k] > f[arg]) arg = k;
                if (arg != data.Labels[start + i]) wrong++;
            }
        }
        return (double)wrong / data.Count;
    }

    /// <summary>
    /// The frozen representation r^k = vec(h^k) of every datum (k = 0 is the one-hot input), row-major [N, n_k],
    /// computed in chunks.
    /// </summary>
    public float[] Representation(Dataset data, int layer)
    {
        ArgumentNullException.ThrowIfNull(data);
        int d = data.InputLength, v = Network.Vocabulary;
        int width = layer == 0 ? d * v : Network.Layers[layer - 1].Units;
        var result = new float[(long)data.Count * width];
        if (layer == 0)
        {
            OneHot.Encode(data.TokenData, d, v, result);
            return result;
        }
        int chunk = Math.Min(EvalChunk, Math.Max(1, data.Count));
        var pass = Network.CreatePass(chunk);
        var tokens = new int[chunk * d];
        for (int start = 0; start < data.Count; start += chunk)
        {
            int b = Math.Min(chunk, data.Count - start);
            var src = data.TokenData.AsSpan(start * d, b * d);
            for (int i = 0; i < src.Length; i++) tokens[i] = src[i];
            Network.Forward(tokens, b, pass);
            var h = pass.Post[layer - 1].AsSpan(0, b * width);
            var dst = result.AsSpan(start * width, b * width);
            for (int i = 0; i < h.Length; i++) dst[i] = float.CreateTruncating(h[i]);
        }
        return result;
    }
}

/// <summary>The result of <see cref="Trainer{T}.Train"/>.</summary>
/// <param name="Epochs">One log per epoch run.</param>
/// <param name="StopReason"><c>train-loss</c>, <c>max-epochs</c> or <c>diverged</c>.</param>
/// <param name="DivergedEpoch">The epoch whose loss or weights became non-finite, if any.</param>
/// <param name="Seconds">Training wall time.</param>
public sealed record TrainingOutcome(IReadOnlyList<EpochLog> Epochs, string StopReason, int? DivergedEpoch, double Seconds)
{
    /// <summary>True when training diverged.</summary>
    public bool Diverged => DivergedEpoch.HasValue;
}
