using System.Numerics;
using RhmLab.Data;
using RhmLab.Networks;
using RhmLab.Numerics;

namespace RhmLab.Evaluation;

/// <summary>
/// What a checkpoint measures of a network: the frozen representation of any layer, the network's own error, a
/// ridge probe of a layer fitted on one data set and measured on another, and the collapse diagnostics. The trainer's
/// checkpoints, probe-stop and the final evaluation all measure through it, in chunks of 1 024 data.
/// </summary>
public sealed class NetworkEvaluation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int EvalChunk = 1024;
    private readonly Network<T> _network;
    private readonly IMatMul _matMul;
    private readonly double _ridgeAlpha;

    /// <summary>Measurements of <paramref name="network"/>, with ridge probes of regularisation <paramref name="ridgeAlpha"/>.</summary>
    public NetworkEvaluation(Network<T> network, IMatMul matMul, double ridgeAlpha)
    {
        _network = network ?? throw new ArgumentNullException(nameof(network));
        _matMul = matMul ?? throw new ArgumentNullException(nameof(matMul));
        _ridgeAlpha = ridgeAlpha;
    }

    /// <summary>The error on <paramref name="measure"/> of a ridge probe of layer <paramref name="layer"/> fitted on <paramref name="fit"/>.</summary>
    public double ProbeError(Dataset fit, Dataset measure, int layer)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(measure);
        var xtr = Representation(fit, layer);
        var xte = Representation(measure, layer);
        int cols = xtr.Length / fit.Count;
        var probe = RidgeProbe.Fit(xtr, fit.Count, cols, fit.Labels, _network.Classes, new RidgeOptions { Alpha = _ridgeAlpha }, _matMul);
        return probe.Error(xte, measure.Count, measure.Labels);
    }

    /// <summary>Collapse diagnostics (§4.7) of every layer on up to 1024 training data: dead units and effective rank.</summary>
    public void AddCollapseDiagnostics(Dataset train, IDictionary<string, double> into)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(into);
        var sample = train.Count <= 1024 ? train
            : new Dataset(train.Grammar, train.TokenData.AsSpan(0, 1024 * train.InputLength).ToArray(), train.Labels.AsSpan(0, 1024).ToArray());
        for (int k = 1; k <= _network.Depth; k++)
        {
            var x = Representation(sample, k);
            var stats = Collapse.Compute(x, sample.Count, x.Length / sample.Count);
            into[$"layer{k}.dead_fraction"] = stats.DeadFraction;
            into[$"layer{k}.effective_rank"] = stats.EffectiveRank;
        }
    }

    /// <summary>The network's own error rate (argmax of the logits) on a data set.</summary>
    public double ErrorRate(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0) return double.NaN;
        int chunk = Math.Min(EvalChunk, data.Count), classes = _network.Classes;
        var pass = _network.CreatePass(chunk);
        long wrong = 0;
        for (int start = 0; start < data.Count; start += chunk)
        {
            int b = Math.Min(chunk, data.Count - start);
            _network.ForwardTokens(data.TokenData, start, b, pass);
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
        int d = data.InputLength, v = _network.Vocabulary;
        int width = layer == 0 ? d * v : _network.Layers[layer - 1].Units;
        var result = new float[(long)data.Count * width];
        if (layer == 0)
        {
            OneHot.Encode(data.TokenData, d, v, result);
            return result;
        }
        int chunk = Math.Min(EvalChunk, Math.Max(1, data.Count));
        var pass = _network.CreatePass(chunk);
        for (int start = 0; start < data.Count; start += chunk)
        {
            int b = Math.Min(chunk, data.Count - start);
            // A representation needs the layers up to its own, not the readout.
            _network.ForwardTokens(data.TokenData, start, b, pass, layer);
            var h = pass.Post[layer - 1].AsSpan(0, b * width);
            var dst = result.AsSpan(start * width, b * width);
            for (int i = 0; i < h.Length; i++) dst[i] = float.CreateTruncating(h[i]);
        }
        return result;
    }
}
