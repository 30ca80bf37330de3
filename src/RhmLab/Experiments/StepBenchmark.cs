using System.Diagnostics;
using System.Text.Json.Nodes;
using RhmLab.Data;
using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Rhm;
using RhmLab.Rules;
using RhmLab.Training;
using RhmLab.IO;

namespace RhmLab.Experiments;

/// <summary>Settings of a training-step benchmark, mirroring the PyTorch baseline's flags.</summary>
public sealed record StepBenchmarkOptions
{
    /// <summary>bp or clapp.</summary>
    public string Mode { get; init; } = "bp";
    /// <summary>RHM parameters.</summary>
    public int Nc { get; init; } = 8;
    /// <summary>m.</summary>
    public int M { get; init; } = 8;
    /// <summary>v.</summary>
    public int V { get; init; } = 8;
    /// <summary>s.</summary>
    public int S { get; init; } = 2;
    /// <summary>L.</summary>
    public int L { get; init; } = 3;
    /// <summary>Hidden width of every layer.</summary>
    public int Width { get; init; } = 128;
    /// <summary>Batch size.</summary>
    public int Batch { get; init; } = 128;
    /// <summary>Threads of the matrix-product provider.</summary>
    public int Threads { get; init; } = 1;
    /// <summary>Training-set size the batches are drawn from.</summary>
    public int TrainSize { get; init; } = 32768;
    /// <summary>Timed repeats; the median rate is reported.</summary>
    public int Repeats { get; init; } = 5;
    /// <summary>Total timed seconds over all repeats.</summary>
    public double Seconds { get; init; } = 2.0;
    /// <summary>Warm-up seconds (and at least 3 steps).</summary>
    public double Warmup { get; init; } = 0.5;
    /// <summary>SGD learning rate (only keeps values finite; speed does not depend on it); null: 0.05 bp, 1e-3 clapp.</summary>
    public double? Lr { get; init; }
    /// <summary>Seed.</summary>
    public long Seed { get; init; }
    /// <summary>Matrix-product provider name (auto, openblas, managed).</summary>
    public string Blas { get; init; } = "auto";
    /// <summary>
    /// clapp only: <c>triplets</c> (the baseline's work: B anchors, 3B rows) or <c>in-batch</c> (B anchors in B rows:
    /// B/2 data and their positives, negatives from the batch), which has no counterpart in the baseline.
    /// </summary>
    public string Pairing { get; init; } = "triplets";
    /// <summary>Rates per second of this process's CPU time rather than of the wall clock (see <see cref="StepBenchmark.Time"/>).</summary>
    public bool CpuTime { get; init; }
}

/// <summary>
/// Times full training steps the way <c>bench/torch_baseline.py --mode bp|clapp</c> does: gather a batch
/// from a pre-generated training set, forward, the loss (cross-entropy, or the layer-local CLAPP loss on anchors,
/// positives and negatives), backward, SGD with momentum 0.9. Reports steps/s, the step's FLOP count and the
/// achieved fraction of the provider's matrix-product peak, measured in the same process.
/// </summary>
public static class StepBenchmark
{
    /// <summary>Runs the benchmark and returns one record with the baseline's field names.</summary>
    public static JsonObject Run(StepBenchmarkOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (o.Mode is not ("bp" or "clapp")) throw new ArgumentException($"--mode must be data, bp or clapp (got {o.Mode})");
        if (o.Width < 1) throw new ArgumentException($"--width must be >= 1 (got {o.Width})");
        if (o.Batch < 1) throw new ArgumentException($"--batch must be >= 1 (got {o.Batch})");
        if (o.Pairing is not ("triplets" or "in-batch")) throw new ArgumentException($"--clapp-pairing must be triplets or in-batch (got {o.Pairing})");
        if (o.Pairing == "in-batch" && o.Mode != "clapp") throw new ArgumentException("--clapp-pairing in-batch needs --mode clapp");
        if (o.Pairing == "in-batch" && o.Batch < 2) throw new ArgumentException($"--batch must be >= 2 with --clapp-pairing in-batch (got {o.Batch})");
        if (o.Repeats < 1) throw new ArgumentException($"--repeats must be >= 1 (got {o.Repeats})");
        if (o.TrainSize < 2) throw new ArgumentException($"--train-size must be >= 2 (got {o.TrainSize})");
        var rhm = new RhmParameters(o.Nc, o.M, o.V, o.S, o.L);
        rhm.Validate();
        var mm = o.Blas == "auto" ? MatMulProviders.FromEnvironment(o.Threads) : MatMulProviders.Create(o.Blas, o.Threads);
        var grammar = Grammar.Sample(rhm, o.Seed);
        int n = (int)Math.Min(o.TrainSize, (long)Math.Min((double)rhm.PMax, int.MaxValue));
        var data = DataSplit.Sample(grammar, n, 0, new SamplingOptions(o.Seed, o.Seed)).Train;
        var net = new Network<float>(rhm, new NetworkConfig(Enumerable.Repeat(o.Width, rhm.Depth).ToArray()), o.Seed, mm);
        var ps = Trainer<float>.CreateParameters(net);
        bool clapp = o.Mode == "clapp", inBatch = o.Pairing == "in-batch";
        // In-batch pairing: B anchors are B/2 data and their B/2 positives.
        int batch = inBatch ? Math.Min(o.Batch, n) / 2 * 2 : Math.Min(o.Batch, n);
        int rows = clapp && !inBatch ? 3 * batch : batch;
        ILearningRule<float> rule = clapp
            ? new ClappRule<float>("clapp", new ClappOptions { InBatch = inBatch })
            : new ChainRule<float>("bp", FeedbackWeights.Forward, UpperMasks.True);
        rule.Attach(net, ps, new RuleContext(rows, o.Seed, null, o.Seed));
        double lr = o.Lr ?? (clapp ? 1e-3 : 0.05);
        var opt = new Sgd<float>(ps.Concat(rule.OwnParameters).ToArray(), 0.9, new WeightDecay());
        var pass = net.CreatePass(rows);
        int d = rhm.InputLength;
        // The baseline cycles through pre-drawn batches: a permutation for bp, 64 (anchor, positive, negative) sets for clapp.
        var batches = inBatch ? PairBatches(data, rhm.Classes, batch / 2, o.Seed, negatives: false)
            : clapp ? PairBatches(data, rhm.Classes, batch, o.Seed) : ShuffledBatches(n, batch, o.Seed);
        var tokens = new int[rows * d];
        var labels = new int[rows];
        int cursor = 0;
        double lastLoss = double.NaN;

        void Step()
        {
            var idx = batches[cursor++ % batches.Length];
            for (int i = 0; i < rows; i++)
            {
                int row = idx[i];
                labels[i] = data.Labels[row];
                var src = data.Tokens(row);
                for (int q = 0; q < d; q++) tokens[i * d + q] = src[q];
            }
            net.Forward(tokens, rows, pass);
            lastLoss = rule.Step(pass, labels).Loss;
            opt.Step(lr);
        }

        var (median, rates, steps, seconds) = Time(Step, o.Seconds, o.Repeats, o.Warmup, cpuTime: o.CpuTime);
        double flops = clapp ? ClappStepFlops(net, batch, rows) : BpStepFlops(net, batch);
        double peak = PeakGflops(mm);
        var record = new JsonObject
        {
            ["mode"] = o.Mode,
            ["variant"] = "rhmlab",
            ["n_c"] = o.Nc, ["m"] = o.M, ["v"] = o.V, ["s"] = o.S, ["L"] = o.L,
            ["width"] = o.Width,
            ["batch"] = batch,
            ["threads"] = o.Threads,
            ["steps_per_s"] = median,
            ["samples_per_s"] = median * batch,
            ["repeats_steps_per_s"] = new JsonArray(rates.Select(r => (JsonNode?)JsonValue.Create(r)).ToArray()),
            ["steps_timed"] = steps,
            ["seconds_timed"] = seconds,
            ["final_loss"] = Json.Num(lastLoss),
            ["train_size"] = n,
            ["lr"] = lr,
            ["flops_per_step"] = flops,
            ["gflops_per_s"] = flops * median / 1e9,
            ["peak_gflops_per_s"] = peak,
            ["fraction_of_peak"] = flops * median / 1e9 / peak,
            ["provider"] = mm.Name,
            ["rhmlab_version"] = typeof(StepBenchmark).Assembly.GetName().Version?.ToString(3),
        };
        if (clapp)
        {
            record["encodings_per_step"] = rows;
            record["pairing"] = o.Pairing;
        }
        return record;
    }

    private static int[][] ShuffledBatches(int n, int batch, long seed)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Rng.ForStream(seed, "batches").Shuffle(order.AsSpan());
        int count = Math.Max(1, n / batch);
        return Enumerable.Range(0, count).Select(b => order.AsSpan(b * batch, batch).ToArray()).ToArray();
    }

    // The baseline's 64 pre-drawn sets of B anchors, then a positive of each, then (triplets) a negative of each.
    // In-batch sets have no negative block: the rule takes negatives from the batch.
    private static int[][] PairBatches(Dataset data, int classes, int anchors, long seed, bool negatives = true)
    {
        var rng = Rng.ForStream(seed, "pairs");
        var sampler = new PairSampler(data.Labels, classes, rng);
        var result = new int[64][];
        for (int b = 0; b < result.Length; b++)
        {
            var idx = new int[(negatives ? 3 : 2) * anchors];
            for (int i = 0; i < anchors; i++)
            {
                int a = rng.NextInt(data.Count);
                idx[i] = a;
                int p = sampler.Positive(a);
                idx[anchors + i] = p >= 0 ? p : a;
                if (!negatives) continue;
                int q = sampler.Negative(a);
                idx[2 * anchors + i] = q >= 0 ? q : a;
            }
            result[b] = idx;
        }
        return result;
    }

    /// <summary>
    /// Floating-point operations of one layer-local CLAPP step on B anchors encoded in <paramref name="encodings"/>
    /// rows (3B for triplets, B in-batch; default 3B), counting a multiply-add as 2: the forward pass of those rows,
    /// each layer's weight gradient over them (no gradient crosses layers), and per layer the three n×n products of
    /// the bilinear score over the B anchors (W c, Q·W and QᵀC, n = H_k·d_k).
    /// </summary>
    public static double ClappStepFlops<T>(Network<T> net, int batch, int encodings = -1) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(net);
        return ClappStepFlops(net.Layers, batch, encodings);
    }

    /// <summary>As <see cref="ClappStepFlops{T}(Network{T}, int, int)"/>, from the layer shapes alone.</summary>
    public static double ClappStepFlops(IReadOnlyList<LayerShape> layers, int batch, int encodings = -1)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (encodings < 0) encodings = 3 * batch;
        double f = 0;
        for (int k = 0; k < layers.Count; k++)
        {
            var l = layers[k];
            double rows = (double)encodings * l.Positions;
            if (k == 0) f += 2 * rows * l.Kernel * l.Width;
            else f += 2 * 2 * rows * l.FanIn * l.Width;
            double dim = l.Units;
            f += 3 * 2.0 * batch * dim * dim;
        }
        return f;
    }

    /// <summary>
    /// Floating-point operations of one BP step, counting a multiply-add as 2: forward products of layers ≥ 2 and the
    /// readout, the weight-gradient and input-gradient products of each layer (none below layer 1), and the first
    /// layer's gather and scatter (s·H adds per position).
    /// </summary>
    public static double BpStepFlops<T>(Network<T> net, int batch) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(net);
        return BpStepFlops(net.Layers, net.Classes, batch);
    }

    /// <summary>As <see cref="BpStepFlops{T}(Network{T}, int)"/>, from the layer shapes alone.</summary>
    public static double BpStepFlops(IReadOnlyList<LayerShape> layers, int classes, int batch)
    {
        ArgumentNullException.ThrowIfNull(layers);
        double f = 0;
        for (int k = 0; k < layers.Count; k++)
        {
            var l = layers[k];
            double rows = (double)batch * l.Positions;
            if (k == 0) f += 2 * rows * l.Kernel * l.Width;
            else f += 3 * 2 * rows * l.FanIn * l.Width;
        }
        double top = layers[^1].Width;
        f += 3 * 2.0 * batch * top * classes;
        return f;
    }

    /// <summary>
    /// Floating-point operations of the forward pass of one datum up to layer <paramref name="upTo"/> (all layers
    /// and the readout when −1): the first layer's gather (s·H adds per position), each product, and the readout.
    /// </summary>
    public static double ForwardFlops(IReadOnlyList<LayerShape> layers, int classes, int upTo = -1)
    {
        ArgumentNullException.ThrowIfNull(layers);
        int n = upTo < 0 ? layers.Count : upTo;
        double f = 0;
        for (int k = 0; k < n; k++)
        {
            var l = layers[k];
            f += k == 0 ? 2.0 * l.Positions * l.Kernel * l.Width : 2.0 * l.Positions * l.FanIn * l.Width;
        }
        if (upTo < 0) f += 2.0 * layers[^1].Width * classes;
        return f;
    }

    /// <summary>The provider's float32 matrix-product rate on a 1024³ product, in GFLOP/s (best of 5).</summary>
    public static double PeakGflops(IMatMul mm)
    {
        ArgumentNullException.ThrowIfNull(mm);
        const int n = 1024;
        var a = new float[n * n];
        var b = new float[n * n];
        var c = new float[n * n];
        var rng = new Rng(1);
        for (int i = 0; i < a.Length; i++) { a[i] = (float)rng.NextGaussian(); b[i] = (float)rng.NextGaussian(); }
        mm.Gemm(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n);
        double best = double.MaxValue;
        for (int r = 0; r < 5; r++)
        {
            var sw = Stopwatch.StartNew();
            mm.Gemm(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best / 1e9;
    }

    /// <summary>The baseline's timing protocol: warm up, then <paramref name="repeats"/> timed slices; median rate.</summary>
    /// <remarks>
    /// With <paramref name="cpuTime"/> the rates are steps per second of CPU time (the slices are still timed by the
    /// wall clock), so that a busy machine, where the process waits for a core, does not look slower: the cost model's
    /// calibration wants the work of one core, not the share it got. The CPU time is the calling thread's where the
    /// kernel gives it (Linux: to the nanosecond, and without the runtime's other threads, like the records'
    /// <c>cpu_seconds</c>), else the process's (to the scheduler's tick, 10 ms).
    /// </remarks>
    public static (double Median, double[] Rates, long Steps, double Seconds) Time(Action step, double seconds, int repeats, double warmup, int minSteps = 2, bool cpuTime = false)
    {
        ArgumentNullException.ThrowIfNull(step);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 3 || sw.Elapsed.TotalSeconds < warmup; i++) step();
        double per = seconds / Math.Max(1, repeats);
        var rates = new double[Math.Max(1, repeats)];
        long total = 0;
        double time = 0;
        for (int r = 0; r < rates.Length; r++)
        {
            int count = 0;
            double cpu0 = cpuTime ? CpuSeconds() : 0;
            sw.Restart();
            double el;
            while (true)
            {
                step();
                count++;
                el = sw.Elapsed.TotalSeconds;
                if (count >= minSteps && el >= per) break;
            }
            if (cpuTime) el = Math.Max(1e-9, CpuSeconds() - cpu0);
            rates[r] = count / el;
            total += count;
            time += el;
        }
        var sorted = rates.OrderBy(x => x).ToArray();
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
        return (median, rates, total, time);
    }

    private static double CpuSeconds() => ThreadCpu.Seconds() ?? Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
}
