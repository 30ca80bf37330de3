using RhmLab.Options;

namespace RhmLab.Rules;

/// <summary>How a multi-position layer becomes the vector a local loss sees (docs/METHODS.md §3.13, <c>rep</c>).</summary>
public enum RepresentationMode
{
    /// <summary>Default: z = vec(h^k) ∈ R^(H_k·d_k), position-major; W_pred is (H_k·d_k)².</summary>
    [Choice("flatten")] Flatten,
    /// <summary>A shared W_pred ∈ R^(H_k × H_k) and u = Σ_p z_pᵀ W_pred c_p; for VICReg/LPL each (sample, position) is a row.</summary>
    [Choice("per-position")] PerPosition,
    /// <summary>As <see cref="PerPosition"/>, with u divided by d_k.</summary>
    [Choice("per-position-mean")] PerPositionMean,
    /// <summary>z = (1/d_k) Σ_p h^k_{:,p} ∈ R^(H_k).</summary>
    [Choice("pooled")] Pooled,
}

/// <summary>
/// The run option the layer-local losses share (CLAPP, VICReg, LPL): how a multi-position layer becomes the vectors
/// the loss compares. One declaration, held by each of those rules' options.
/// </summary>
public sealed record RepresentationOptions
{
    /// <summary>Representation of multi-position layers.</summary>
    [RunOption("rep", "Representation of a multi-position layer for local losses")]
    public RepresentationMode Mode { get; set; } = RepresentationMode.Flatten;
}

/// <summary>Parsing and naming of <see cref="RepresentationMode"/>.</summary>
public static class RepresentationModes
{
    /// <summary>Parses <c>flatten</c>, <c>per-position</c>, <c>per-position-mean</c> or <c>pooled</c>.</summary>
    public static RepresentationMode Parse(string text) => Choices.Parse<RepresentationMode>(text, "rep");

    /// <summary>Rows per sample and the row dimension of a layer of <paramref name="width"/> channels at <paramref name="positions"/> positions.</summary>
    public static (int RowsPerSample, int Dim) Shape(RepresentationMode mode, int width, int positions) => mode switch
    {
        RepresentationMode.Flatten => (1, width * positions),
        RepresentationMode.Pooled => (1, width),
        _ => (positions, width),
    };
}

/// <summary>
/// The rows a local loss sees for a layer's activations, and the way their gradients return to the activations.
/// Flatten and per-position are free views of the position-major activations; pooled averages positions and
/// spreads its gradient back evenly.
/// </summary>
public sealed class RepresentationView<T> where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    private readonly RepresentationMode _mode;
    private readonly int _width, _positions;
    private readonly T[] _pooled, _pooledGrad;

    /// <summary>Creates the view of a layer for up to <paramref name="maxSamples"/> samples.</summary>
    public RepresentationView(RepresentationMode mode, int width, int positions, int maxSamples)
    {
        _mode = mode;
        _width = width;
        _positions = positions;
        (RowsPerSample, Dim) = RepresentationModes.Shape(mode, width, positions);
        _pooled = mode == RepresentationMode.Pooled ? new T[maxSamples * width] : [];
        _pooledGrad = mode == RepresentationMode.Pooled ? new T[maxSamples * width] : [];
    }

    /// <summary>Rows per sample (d_k for per-position, else 1).</summary>
    public int RowsPerSample { get; }

    /// <summary>Row dimension.</summary>
    public int Dim { get; }

    /// <summary>The rows of <paramref name="samples"/> samples of activations h ([samples, H·d]).</summary>
    public ReadOnlySpan<T> Rows(ReadOnlySpan<T> h, int samples)
    {
        int block = samples * _width * _positions;
        if (_mode != RepresentationMode.Pooled) return h[..block];
        Numerics.Kernels.SumBlocks(h[..block], _positions, _width, T.One / T.CreateTruncating(_positions), _pooled);
        return _pooled.AsSpan(0, samples * _width);
    }

    /// <summary>A cleared buffer for the gradient with respect to the rows: <paramref name="grad"/> itself unless pooled.</summary>
    public Span<T> RowGradient(Span<T> grad, int samples)
    {
        var g = _mode == RepresentationMode.Pooled ? _pooledGrad.AsSpan(0, samples * _width) : grad[..(samples * _width * _positions)];
        g.Clear();
        return g;
    }

    /// <summary>Writes ∂ℓ/∂h into <paramref name="grad"/> from the row gradient (a no-op unless pooled).</summary>
    public void Scatter(Span<T> grad, int samples)
    {
        if (_mode != RepresentationMode.Pooled) return;
        T inv = T.One / T.CreateTruncating(_positions);
        for (int s = 0; s < samples; s++)
            for (int p = 0; p < _positions; p++)
                System.Numerics.Tensors.TensorPrimitives.Multiply(_pooledGrad.AsSpan(s * _width, _width), inv, grad.Slice((s * _positions + p) * _width, _width));
    }
}
