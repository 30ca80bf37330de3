using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RhmLab.Numerics;

/// <summary>
/// Allocation-free element-wise kernels over spans, generic over float and double so that training (float32) and
/// gradient checks (float64) share one code path. Matrix products go through <see cref="IMatMul"/> instead.
/// </summary>
public static class Kernels
{
    /// <summary>h = max(a, 0).</summary>
    public static void Relu<T>(ReadOnlySpan<T> a, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
        => TensorPrimitives.Max(a, T.Zero, h);

    /// <summary>dst = g ⊙ 1[a &gt; 0]: the ReLU mask M = ρ′(a), with ρ′(0) = 0.</summary>
    public static void MaskByActive<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> a, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = g.Length, i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<T>.Count)
        {
            var gv = MemoryMarshal.Cast<T, Vector<T>>(g);
            var av = MemoryMarshal.Cast<T, Vector<T>>(a);
            var dv = MemoryMarshal.Cast<T, Vector<T>>(dst);
            for (int j = 0; j < gv.Length; j++)
                dv[j] = Vector.ConditionalSelect(Vector.GreaterThan(av[j], Vector<T>.Zero), gv[j], Vector<T>.Zero);
            i = gv.Length * Vector<T>.Count;
        }
        for (; i < n; i++) dst[i] = a[i] > T.Zero ? g[i] : T.Zero;
    }

    /// <summary>dst = g ⊙ m for a real-valued mask m (averaged masks of the ablations).</summary>
    public static void Multiply<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> m, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
        => TensorPrimitives.Multiply(g, m, dst);

    /// <summary>Adds a row vector to every row of a row-major [rows, cols] matrix.</summary>
    public static void AddRowVector<T>(Span<T> matrix, int cols, ReadOnlySpan<T> row) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int off = 0; off < matrix.Length; off += cols)
        {
            var r = matrix.Slice(off, cols);
            TensorPrimitives.Add(r, row, r);
        }
    }

    /// <summary>Adds a [blockRows, cols] block to each consecutive block of a [n·blockRows, cols] matrix, scaled.</summary>
    public static void AddBlock<T>(Span<T> matrix, ReadOnlySpan<T> block, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int off = 0; off < matrix.Length; off += block.Length)
        {
            var r = matrix.Slice(off, block.Length);
            TensorPrimitives.MultiplyAdd(block, scale, r, r);
        }
    }

    /// <summary>sums[c] (+)= Σ_rows matrix[row, c].</summary>
    public static void ColumnSums<T>(ReadOnlySpan<T> matrix, int cols, Span<T> sums, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!accumulate) sums[..cols].Clear();
        for (int off = 0; off < matrix.Length; off += cols) TensorPrimitives.Add(sums[..cols], matrix.Slice(off, cols), sums[..cols]);
    }

    /// <summary>dst[b, c] = Σ_rows-of-block matrix[(b, p), c] · scale: averages positions when scale = 1/positions.</summary>
    public static void SumBlocks<T>(ReadOnlySpan<T> matrix, int blockRows, int cols, T scale, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int blocks = matrix.Length / (blockRows * cols);
        for (int b = 0; b < blocks; b++)
        {
            var d = dst.Slice(b * cols, cols);
            matrix.Slice(b * blockRows * cols, cols).CopyTo(d);
            for (int p = 1; p < blockRows; p++) TensorPrimitives.Add(d, matrix.Slice((b * blockRows + p) * cols, cols), d);
            TensorPrimitives.Multiply(d, scale, d);
        }
    }

    /// <summary>True when every entry is finite.</summary>
    public static bool AllFinite<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // A finite sum proves every entry finite; only an overflowing or non-finite sum needs the exact scan.
        return T.IsFinite(TensorPrimitives.Sum(x)) || AllFiniteSlow(x);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool AllFiniteSlow<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var v in x) if (!T.IsFinite(v)) return false;
        return true;
    }

    /// <summary>Cosine of two vectors; NaN when either is zero.</summary>
    public static double Cosine<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double x = double.CreateTruncating(a[i]), y = double.CreateTruncating(b[i]);
            dot += x * y; na += x * x; nb += y * y;
        }
        return na == 0 || nb == 0 ? double.NaN : dot / Math.Sqrt(na * nb);
    }

    /// <summary>Euclidean norm, accumulated in double.</summary>
    public static double Norm<T>(ReadOnlySpan<T> a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double s = 0;
        foreach (var x in a) { double d = double.CreateTruncating(x); s += d * d; }
        return Math.Sqrt(s);
    }
}
