using System.Numerics;
using System.Numerics.Tensors;
using RhmLab.Numerics;
using RhmLab.Rhm;

namespace RhmLab.Networks;

/// <summary>
/// A hierarchical CNN (or its MLP baseline) on one-hot RHM strings, docs/METHODS.md §2. Activations are
/// position-major [B, d_k, C_k], so each layer's patch matrix is a free reshape and the layer is one matrix product.
/// The first layer on one-hot tokens is a gather-sum of weight rows, never a dense product.
/// </summary>
/// <remarks>
/// Weights of layer k are stored input-major, as Wᵀ of shape [FanIn, H_k] with feature index q·C_{k−1} + c′ (patch
/// element q, channel c′): the first layer's gather then reads contiguous rows. Stored weights are N(0, 1) and the
/// forward pass multiplies by σ_k (or N(0, 1/fan-in) with σ_k = 1 under <see cref="ConvScale.Plain"/>); gradients
/// with respect to the stored weights carry σ_k.
/// </remarks>
public sealed class Network<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Multiplier of the legacy per-position bias.</summary>
    public const double PerPositionBiasScale = 0.1;

    private readonly IMatMul _mm;

    /// <summary>Creates a network for an RHM's input and classes, initialised from the <c>init</c> stream of <paramref name="seed"/>.</summary>
    public Network(RhmParameters rhm, NetworkConfig config, long seed, IMatMul matMul)
    {
        ArgumentNullException.ThrowIfNull(rhm);
        Config = config ?? throw new ArgumentNullException(nameof(config));
        _mm = matMul ?? throw new ArgumentNullException(nameof(matMul));
        if (config.Widths.Length == 0) throw new ArgumentException("widths: at least one hidden layer is needed");
        foreach (int w in config.Widths) if (w < 1) throw new ArgumentException($"widths: every width must be >= 1 (got {w})");
        Vocabulary = rhm.Vocabulary;
        InputLength = rhm.InputLength;
        Classes = rhm.Classes;
        int depth = config.Widths.Length;
        if (config.Architecture == Architecture.Cnn && depth > rhm.Depth)
            throw new ArgumentException($"widths: a CNN on an RHM of depth L = {rhm.Depth} has at most {rhm.Depth} layers (got {depth})");
        var layers = LayerShapes.Of(rhm, config);
        Layers = layers;
        int top = config.Widths[^1];
        ReadoutMultiplier = config.ReadoutScale == Networks.ReadoutScale.MeanField ? 1.0 / top : 1.0 / Math.Sqrt(top);

        var rng = Rng.ForStream(seed, "init");
        Weights = new T[depth][];
        Biases = new T[depth][];
        for (int k = 0; k < depth; k++)
        {
            var l = layers[k];
            double std = config.ConvScale == ConvScale.Plain ? 1.0 / Math.Sqrt(l.FanIn) : 1.0;
            Weights[k] = Gaussian(rng, l.FanIn * l.Width, std);
            Biases[k] = config.Bias switch
            {
                BiasMode.None => [],
                BiasMode.PerChannel => new T[l.Width],
                _ => Gaussian(rng, l.Units, 1.0),
            };
        }
        Readout = Gaussian(rng, top * Classes, 1.0);
    }

    // A network with the source's shapes and copies of its parameters.
    private Network(Network<T> source)
    {
        Config = source.Config;
        _mm = source._mm;
        Vocabulary = source.Vocabulary;
        InputLength = source.InputLength;
        Classes = source.Classes;
        Layers = source.Layers;
        ReadoutMultiplier = source.ReadoutMultiplier;
        Weights = source.Weights.Select(w => (T[])w.Clone()).ToArray();
        Biases = source.Biases.Select(b => (T[])b.Clone()).ToArray();
        Readout = (T[])source.Readout.Clone();
    }

    /// <summary>A second network with this one's shapes and a copy of its current parameters (a BYOL target network).</summary>
    public Network<T> Copy() => new(this);

    private static T[] Gaussian(Rng rng, int n, double std)
    {
        var a = new T[n];
        for (int i = 0; i < n; i++) a[i] = T.CreateTruncating(rng.NextGaussian() * std);
        return a;
    }

    /// <summary>The architecture.</summary>
    public NetworkConfig Config { get; }

    /// <summary>The matrix-product provider.</summary>
    public IMatMul MatMul => _mm;

    /// <summary>v, input channels.</summary>
    public int Vocabulary { get; }

    /// <summary>d = s^L, input positions.</summary>
    public int InputLength { get; }

    /// <summary>n_c, outputs.</summary>
    public int Classes { get; }

    /// <summary>Hidden layers 1..K (index 0 is layer 1).</summary>
    public IReadOnlyList<LayerShape> Layers { get; }

    /// <summary>Number of hidden layers K.</summary>
    public int Depth => Layers.Count;

    /// <summary>Stored weights Wᵀ of each layer, [FanIn, H_k].</summary>
    public T[][] Weights { get; }

    /// <summary>Biases: [H_k] per channel, [d_k, H_k] per position, empty when off.</summary>
    public T[][] Biases { get; }

    /// <summary>Readout β, [H_K, n_c].</summary>
    public T[] Readout { get; }

    /// <summary>σ_out.</summary>
    public double ReadoutMultiplier { get; }

    /// <summary>Positions of the top layer (1 for a full-depth CNN); the readout averages them.</summary>
    public int TopPositions => Layers[^1].Positions;

    /// <summary>Workspace for batches of up to <paramref name="maxBatch"/> inputs.</summary>
    public ForwardPass<T> CreatePass(int maxBatch) => new(this, maxBatch);

    /// <summary>
    /// Forward pass of a batch of token strings (row-major [B, d]). Fills the pre- and post-activations of every
    /// layer and the logits in <paramref name="pass"/>.
    /// </summary>
    public void Forward(ReadOnlySpan<int> tokens, int batch, ForwardPass<T> pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        if (batch > pass.MaxBatch) throw new ArgumentException($"batch {batch} exceeds the workspace ({pass.MaxBatch})");
        pass.Batch = batch;
        tokens[..(batch * InputLength)].CopyTo(pass.Tokens);
        ForwardLayers(pass, 0, Depth);
        ForwardReadout(pass);
    }

    /// <summary>
    /// The forward pass of data <paramref name="start"/> … start + count − 1 of a token table (row-major [n, d], as
    /// data sets store them): their tokens widened into the pass, then layers 1 … <paramref name="upTo"/> (every
    /// layer and the readout when −1). The one way every evaluation walks a data set in chunks.
    /// </summary>
    public void ForwardTokens(ReadOnlySpan<ushort> tokens, int start, int count, ForwardPass<T> pass, int upTo = -1)
    {
        ArgumentNullException.ThrowIfNull(pass);
        if (count > pass.MaxBatch) throw new ArgumentException($"batch {count} exceeds the workspace ({pass.MaxBatch})");
        int d = InputLength;
        var src = tokens.Slice(start * d, count * d);
        var dst = pass.Tokens.AsSpan(0, count * d);
        for (int i = 0; i < src.Length; i++) dst[i] = src[i];
        pass.Batch = count;
        ForwardLayers(pass, 0, upTo < 0 ? Depth : upTo);
        if (upTo < 0) ForwardReadout(pass);
    }

    /// <summary>Recomputes layers [from, to) from the activations below them (used by layer-local rules).</summary>
    public void ForwardLayers(ForwardPass<T> pass, int from, int to)
    {
        ArgumentNullException.ThrowIfNull(pass);
        int batch = pass.Batch;
        for (int k = from; k < to; k++)
        {
            var l = Layers[k];
            int rows = batch * l.Positions;
            var a = pass.Pre[k].AsSpan(0, rows * l.Width);
            T scale = T.CreateTruncating(l.Scale);
            if (k == 0) GatherFirstLayer(pass.Tokens.AsSpan(0, batch * InputLength), rows, a);
            else _mm.Gemm(false, false, rows, l.Width, l.FanIn, scale, pass.Post[k - 1], l.FanIn, Weights[k], l.Width, T.Zero, a, l.Width);
            AddBias(k, a);
            Kernels.Relu<T>(a, pass.Post[k].AsSpan(0, rows * l.Width));
        }
    }

    private void GatherFirstLayer(ReadOnlySpan<int> tokens, int rows, Span<T> a)
    {
        var l = Layers[0];
        int h = l.Width, kernel = l.Kernel, v = Vocabulary;
        var w = Weights[0];
        T scale = T.CreateTruncating(l.Scale);
        for (int r = 0; r < rows; r++)
        {
            var dst = a.Slice(r * h, h);
            var tok = tokens.Slice(r * kernel, kernel);
            w.AsSpan(tok[0] * h, h).CopyTo(dst);
            for (int q = 1; q < kernel; q++) TensorPrimitives.Add(dst, w.AsSpan((q * v + tok[q]) * h, h), dst);
            TensorPrimitives.Multiply(dst, scale, dst);
        }
    }

    private void AddBias(int k, Span<T> a)
    {
        switch (Config.Bias)
        {
            case BiasMode.PerChannel: Kernels.AddRowVector<T>(a, Layers[k].Width, Biases[k]); break;
            case BiasMode.PerPosition: Kernels.AddBlock<T>(a, Biases[k], T.CreateTruncating(PerPositionBiasScale)); break;
        }
    }

    /// <summary>Computes h̄ (the mean of the top layer over positions) and the logits f = σ_out·βᵀh̄.</summary>
    public void ForwardReadout(ForwardPass<T> pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        int b = pass.Batch, top = Layers[^1].Width;
        var mean = TopMean(pass);
        _mm.Gemm(false, false, b, Classes, top, T.CreateTruncating(ReadoutMultiplier), mean, top, Readout, Classes, T.Zero, pass.Logits, Classes);
    }

    /// <summary>h̄^K for the current batch, [B, H_K].</summary>
    public ReadOnlySpan<T> TopMean(ForwardPass<T> pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        int b = pass.Batch, top = Layers[^1].Width, pos = TopPositions;
        if (pos == 1) return pass.Post[^1].AsSpan(0, b * top);
        Kernels.SumBlocks<T>(pass.Post[^1].AsSpan(0, b * pos * top), pos, top, T.One / T.CreateTruncating(pos), pass.TopMeanBuffer);
        return pass.TopMeanBuffer.AsSpan(0, b * top);
    }

    /// <summary>
    /// Readout gradient ∂ℓ/∂β = σ_out·Σ_μ h̄_μ e_μᵀ (<paramref name="error"/> is e, [B, n_c], already divided by B
    /// for a mean loss) and the signal reaching the top layer g^K = σ_out·β e / d_K at every position, written
    /// into <paramref name="topSignal"/> ([B·d_K, H_K]). Pass <paramref name="feedback"/> to send the error through
    /// another matrix (FA's B_out) instead of β.
    /// </summary>
    public void ReadoutBackward(ForwardPass<T> pass, ReadOnlySpan<T> error, Span<T> readoutGrad, Span<T> topSignal, ReadOnlySpan<T> feedback = default)
    {
        ArgumentNullException.ThrowIfNull(pass);
        int b = pass.Batch, top = Layers[^1].Width, pos = TopPositions;
        T so = T.CreateTruncating(ReadoutMultiplier);
        var mean = TopMean(pass);
        if (!readoutGrad.IsEmpty)
            _mm.Gemm(true, false, top, Classes, b, so, mean, top, error, Classes, T.Zero, readoutGrad, Classes);
        if (topSignal.IsEmpty) return;
        var back = feedback.IsEmpty ? Readout : feedback;
        if (pos == 1)
        {
            _mm.Gemm(false, true, b, top, Classes, so, error, Classes, back, Classes, T.Zero, topSignal, top);
            return;
        }
        // Mean readout: every position receives 1/d_K of the signal.
        var g = pass.TopMeanBuffer.AsSpan(0, b * top);
        _mm.Gemm(false, true, b, top, Classes, so / T.CreateTruncating(pos), error, Classes, back, Classes, T.Zero, g, top);
        for (int i = 0; i < b; i++)
            for (int p = 0; p < pos; p++) g.Slice(i * top, top).CopyTo(topSignal.Slice((i * pos + p) * top, top));
    }

    /// <summary>
    /// The local update of layer k (0-based index) from its error signal δ^k ([B·d_k, H_k]): weight gradient
    /// σ_k·Patchᵀδ (a scatter-add on one-hot tokens for the first layer) and bias gradient (column sums).
    /// </summary>
    public void LayerGradient(ForwardPass<T> pass, int k, ReadOnlySpan<T> delta, Span<T> weightGrad, Span<T> biasGrad)
    {
        ArgumentNullException.ThrowIfNull(pass);
        var l = Layers[k];
        int rows = pass.Batch * l.Positions;
        T scale = T.CreateTruncating(l.Scale);
        delta = delta[..(rows * l.Width)];
        if (k == 0)
        {
            weightGrad.Clear();
            int h = l.Width, kernel = l.Kernel, v = Vocabulary;
            var tokens = pass.Tokens;
            for (int r = 0; r < rows; r++)
            {
                var d = delta.Slice(r * h, h);
                for (int q = 0; q < kernel; q++)
                {
                    var dst = weightGrad.Slice((q * v + tokens[r * kernel + q]) * h, h);
                    TensorPrimitives.MultiplyAdd(d, scale, dst, dst);
                }
            }
        }
        else
        {
            _mm.Gemm(true, false, l.FanIn, l.Width, rows, scale, pass.Post[k - 1], l.FanIn, delta, l.Width, T.Zero, weightGrad, l.Width);
        }
        switch (Config.Bias)
        {
            case BiasMode.PerChannel: Kernels.ColumnSums(delta, l.Width, biasGrad, accumulate: false); break;
            case BiasMode.PerPosition:
                biasGrad.Clear();
                T bs = T.CreateTruncating(PerPositionBiasScale);
                for (int off = 0; off < delta.Length; off += l.Units)
                    TensorPrimitives.MultiplyAdd(delta.Slice(off, l.Units), bs, biasGrad, biasGrad);
                break;
        }
    }

    /// <summary>
    /// Sends a layer-k error signal down one layer: g^{k−1} = σ_k·δ^k·Wᵀ reshaped to [B·d_{k−1}, C_{k−1}]
    /// (a transposed convolution). Pass <paramref name="feedback"/> (same shape as the weights) for FA-type rules.
    /// </summary>
    public void SignalDown(ForwardPass<T> pass, int k, ReadOnlySpan<T> delta, Span<T> below, ReadOnlySpan<T> feedback = default)
    {
        ArgumentNullException.ThrowIfNull(pass);
        if (k == 0) throw new ArgumentException("the first layer has no layer below");
        var l = Layers[k];
        int rows = pass.Batch * l.Positions;
        var w = feedback.IsEmpty ? Weights[k] : feedback;
        _mm.Gemm(false, true, rows, l.FanIn, l.Width, T.CreateTruncating(l.Scale), delta, l.Width, w, l.Width, T.Zero, below, l.FanIn);
    }

    /// <summary>Number of trainable scalars.</summary>
    public long ParameterCount => Weights.Sum(w => (long)w.Length) + Biases.Sum(b => (long)b.Length) + Readout.Length;
}
