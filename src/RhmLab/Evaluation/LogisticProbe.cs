using System.Numerics;
using System.Numerics.Tensors;
using RhmLab.Numerics;
using RhmLab.Rhm;

namespace RhmLab.Evaluation;

/// <summary>Optimiser of the logistic probe.</summary>
public enum LogisticOptimizer
{
    /// <summary>Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8, bias-corrected): the default.</summary>
    Adam,
    /// <summary>SGD with heavy-ball momentum, v ← μv + g, θ ← θ − η·v (the PyTorch form).</summary>
    SgdMomentum,
}

/// <summary>Options of the logistic probe (`probe = logistic`, docs/METHODS.md §4.1).</summary>
public sealed record LogisticOptions
{
    /// <summary>Optimiser; Adam by default.</summary>
    public LogisticOptimizer Optimizer { get; init; } = LogisticOptimizer.Adam;

    /// <summary>Learning rate η (1e-3).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Momentum μ of <see cref="LogisticOptimizer.SgdMomentum"/> (0.9).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Mini-batch size (128); the last batch of an epoch may be smaller.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Upper limit on epochs (500).</summary>
    public int MaxEpochs { get; init; } = 500;

    /// <summary>Training stops after the first epoch whose mean mini-batch cross-entropy is below this (1e-3).</summary>
    public double TargetLoss { get; init; } = 1e-3;

    /// <summary>Master seed; initialisation and batch order come from its <c>probe</c> stream.</summary>
    public long Seed { get; init; }
}

/// <summary>
/// Multinomial logistic regression (softmax + cross-entropy) on standardised features, trained by mini-batch Adam or
/// SGD with momentum and no weight decay: the second probe of docs/METHODS.md §4.1.
/// </summary>
/// <remarks>
/// Training runs in float32 like the networks it probes, single-threaded so that the result is a function of the
/// seed alone. The stopping test uses the epoch's mean mini-batch loss (the quantity training code usually logs),
/// which costs nothing extra; <see cref="TrainLoss"/> is the exact full-data loss of the final weights.
/// </remarks>
public sealed class LogisticProbe : LinearProbe
{
    private const double StdFloor = 1e-8;
    private readonly float[] _w;    // [classes, features] on standardised inputs
    private readonly float[] _b;
    private readonly double[] _mean, _invStd;

    private LogisticProbe(int features, int classes, float[] w, float[] b, double[] mean, double[] invStd) : base(features, classes)
    {
        _w = w;
        _b = b;
        _mean = mean;
        _invStd = invStd;
    }

    /// <summary>Epochs run.</summary>
    public int Epochs { get; private set; }

    /// <summary>Mean mini-batch cross-entropy of the last epoch (the stopping statistic).</summary>
    public double EpochLoss { get; private set; }

    /// <summary>Exact mean cross-entropy of the final weights on the training data.</summary>
    public double TrainLoss { get; private set; }

    /// <summary>True when training stopped because <see cref="EpochLoss"/> fell below the target, not at the epoch limit.</summary>
    public bool Converged { get; private set; }

    /// <summary>The options the probe was trained with.</summary>
    public LogisticOptions Options { get; private set; } = new();

    /// <summary>Trains the probe on float32 features [rows, cols] with labels in [0, classes).</summary>
    public static LogisticProbe Fit(ReadOnlySpan<float> features, int rows, int cols, ReadOnlySpan<int> labels, int classes,
        LogisticOptions? options = null) => FitCore(features, rows, cols, labels, classes, options);

    /// <summary>Trains the probe on float64 features [rows, cols] with labels in [0, classes).</summary>
    public static LogisticProbe Fit(ReadOnlySpan<double> features, int rows, int cols, ReadOnlySpan<int> labels, int classes,
        LogisticOptions? options = null) => FitCore(features, rows, cols, labels, classes, options);

    private static LogisticProbe FitCore<T>(ReadOnlySpan<T> features, int rows, int cols, ReadOnlySpan<int> labels, int classes,
        LogisticOptions? options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        options ??= new LogisticOptions();
        ProbeChecks.Data(features.Length, rows, cols, labels, classes);
        if (options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), "BatchSize must be positive");
        if (options.MaxEpochs < 0) throw new ArgumentOutOfRangeException(nameof(options), "MaxEpochs must be ≥ 0");
        if (!(options.LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(options), "LearningRate must be positive");

        // Standardise with the training mean and population standard deviation, in float64.
        var mean = CrossProducts.ColumnMeans(features, rows, cols);
        var invStd = new double[cols];
        for (int r = 0; r < rows; r++)
        {
            var src = features.Slice(r * cols, cols);
            for (int j = 0; j < cols; j++)
            {
                double d = double.CreateTruncating(src[j]) - mean[j];
                invStd[j] += d * d;
            }
        }
        for (int j = 0; j < cols; j++) invStd[j] = 1.0 / Math.Max(Math.Sqrt(invStd[j] / rows), StdFloor);
        var x = new float[(long)rows * cols];
        for (int r = 0; r < rows; r++)
        {
            var src = features.Slice(r * cols, cols);
            var o = x.AsSpan(r * cols, cols);
            for (int j = 0; j < cols; j++) o[j] = (float)((double.CreateTruncating(src[j]) - mean[j]) * invStd[j]);
        }

        var rng = Rng.ForStream(options.Seed, "probe");
        // nn.Linear's default initialisation, U(−1/√n, 1/√n) for weights and bias: drawn weights first, then bias.
        var w = new float[classes * cols];
        var b = new float[classes];
        double bound = 1.0 / Math.Sqrt(cols);
        for (int i = 0; i < w.Length; i++) w[i] = (float)((2 * rng.NextDouble() - 1) * bound);
        for (int i = 0; i < b.Length; i++) b[i] = (float)((2 * rng.NextDouble() - 1) * bound);
        var probe = new LogisticProbe(cols, classes, w, b, mean, invStd) { Options = options };
        probe.Train(x, rows, labels, rng, options);
        return probe;
    }

    private void Train(float[] x, int rows, ReadOnlySpan<int> labels, Rng rng, LogisticOptions o)
    {
        int n = Features, nc = Classes;
        int bs = Math.Min(o.BatchSize, rows);
        var weights = new Parameter<float>("W", _w, ParameterKind.Weight, 0);
        var bias = new Parameter<float>("b", _b, ParameterKind.Bias, 0);
        var gw = weights.Grad;
        var gb = bias.Grad;
        Parameter<float>[] parameters = [weights, bias];
        Optimizer<float> optimizer = o.Optimizer == LogisticOptimizer.Adam
            ? new Adam<float>(parameters, new WeightDecay(), correction: AdamCorrection.Moments)
            : new Sgd<float>(parameters, o.Momentum, new WeightDecay());
        var logits = new float[nc];
        var delta = new float[bs * nc];
        var order = new int[rows];
        int epoch = 0;
        double epochLoss = double.NaN;
        bool converged = false;
        while (epoch < o.MaxEpochs)
        {
            for (int i = 0; i < rows; i++) order[i] = i;
            rng.Shuffle(order.AsSpan());
            double lossSum = 0;
            for (int s0 = 0; s0 < rows; s0 += bs)
            {
                int nb = Math.Min(bs, rows - s0);
                // Forward: δ = (softmax − one-hot)/B, the gradient of the batch-mean CE w.r.t. the logits.
                for (int t = 0; t < nb; t++)
                {
                    int r = order[s0 + t];
                    lossSum += SoftmaxCe(x.AsSpan(r * n, n), labels[r], logits);
                    for (int c = 0; c < nc; c++) delta[t * nc + c] = logits[c] / nb;
                    delta[t * nc + labels[r]] -= 1f / nb;
                }
                Array.Clear(gw);
                Array.Clear(gb);
                for (int t = 0; t < nb; t++)
                {
                    var xr = x.AsSpan(order[s0 + t] * n, n);
                    for (int c = 0; c < nc; c++)
                    {
                        float dc = delta[t * nc + c];
                        gb[c] += dc;
                        var g = gw.AsSpan(c * n, n);
                        TensorPrimitives.MultiplyAdd(xr, dc, g, g);
                    }
                }
                optimizer.Step(o.LearningRate);
            }
            epoch++;
            epochLoss = lossSum / rows;
            if (epochLoss < o.TargetLoss)
            {
                converged = true;
                break;
            }
        }
        Epochs = epoch;
        EpochLoss = epochLoss;
        Converged = converged;
        double total = 0;
        for (int r = 0; r < rows; r++) total += SoftmaxCe(x.AsSpan(r * n, n), labels[r], logits);
        TrainLoss = total / rows;
    }

    /// <summary>Leaves softmax(Wx + b) in <paramref name="probs"/> and returns −log p_label.</summary>
    private double SoftmaxCe(ReadOnlySpan<float> xr, int label, Span<float> probs)
    {
        int n = Features;
        float max = float.NegativeInfinity;
        for (int c = 0; c < Classes; c++)
        {
            probs[c] = _b[c] + TensorPrimitives.Dot(xr, _w.AsSpan(c * n, n));
            if (probs[c] > max) max = probs[c];
        }
        double z = 0;
        for (int c = 0; c < Classes; c++) z += Math.Exp(probs[c] - max);
        double logZ = max + Math.Log(z);
        double loss = logZ - probs[label];
        for (int c = 0; c < Classes; c++) probs[c] = (float)Math.Exp(probs[c] - logZ);
        return loss;
    }

    /// <inheritdoc />
    protected override void ScoresCore<T>(ReadOnlySpan<T> features, int rows, Span<double> scores)
    {
        int n = Features;
        var xr = new float[n];
        for (int r = 0; r < rows; r++)
        {
            var src = features.Slice(r * n, n);
            for (int j = 0; j < n; j++) xr[j] = (float)((double.CreateTruncating(src[j]) - _mean[j]) * _invStd[j]);
            for (int c = 0; c < Classes; c++)
                scores[r * Classes + c] = _b[c] + TensorPrimitives.Dot(xr, _w.AsSpan(c * n, n));
        }
    }
}
