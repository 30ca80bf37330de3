using System.Numerics;
using RhmLab.Numerics;

namespace RhmLab.Evaluation;

/// <summary>
/// Symmetric cross products XᵀX and X·Xᵀ accumulated into float64, shared by the ridge probe, whitening and the
/// collapse diagnostics.
/// </summary>
/// <remarks>
/// The reduction runs in chunks through an <see cref="IMatMul"/> in the input's own precision and each chunk is
/// added into a double matrix, so float32 inputs keep the speed of float SIMD while rounding error grows only with
/// the chunk length, not with the number of rows. Only the upper block triangle is computed (about half the
/// multiply-adds); <see cref="Symmetrize"/> mirrors it.
/// </remarks>
internal static class CrossProducts
{
    private const int BlockCols = 256;

    /// <summary>Reduction length per chunk: short enough for float32 accumulation to stay near 1e-6 relative.</summary>
    public static int ChunkLength<T>() => typeof(T) == typeof(float) ? 512 : 4096;

    /// <summary>
    /// Adds the upper block triangle of XᵀX ([cols, cols]) to <paramref name="g"/>, X row-major [rows, cols]. The
    /// caller chooses rows (≤ a few thousand for float32) and calls <see cref="Symmetrize"/> at the end.
    /// </summary>
    public static void AddXtX<T>(ReadOnlySpan<T> x, int rows, int cols, Span<double> g, IMatMul mm, T[] scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rows == 0) return;
        for (int i0 = 0; i0 < cols; i0 += BlockCols)
        {
            int mb = Math.Min(BlockCols, cols - i0);
            int nb = cols - i0;
            // op(A) = X[:, i0..i0+mb)ᵀ, op(B) = X[:, i0..cols): the block row of XᵀX from the diagonal on.
            mm.Gemm(true, false, mb, nb, rows, T.One, x[i0..], cols, x[i0..], cols, T.Zero, scratch, nb);
            AddBlock(scratch, mb, nb, g, cols, i0);
        }
    }

    /// <summary>
    /// Adds the upper block triangle of X·Xᵀ ([rows, rows]) to <paramref name="g"/>, reducing over the columns of
    /// X [rows, cols] in chunks, and mirrors it at the end.
    /// </summary>
    public static void XXt<T>(ReadOnlySpan<T> x, int rows, int cols, Span<double> g, IMatMul mm)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int chunk = ChunkLength<T>();
        var scratch = new T[Math.Min(BlockCols, rows) * rows];
        for (int c0 = 0; c0 < cols; c0 += chunk)
        {
            int kc = Math.Min(chunk, cols - c0);
            for (int i0 = 0; i0 < rows; i0 += BlockCols)
            {
                int mb = Math.Min(BlockCols, rows - i0);
                int nb = rows - i0;
                mm.Gemm(false, true, mb, nb, kc, T.One, x[(i0 * cols + c0)..], cols, x[(i0 * cols + c0)..], cols,
                    T.Zero, scratch, nb);
                AddBlock(scratch, mb, nb, g, rows, i0);
            }
        }
        Symmetrize(g, rows);
    }

    /// <summary>Scratch for <see cref="AddXtX"/> with this many columns.</summary>
    public static T[] XtXScratch<T>(int cols) => new T[Math.Min(BlockCols, cols) * cols];

    /// <summary>dst[r, j] = x[r, j] − shift[j], computed in float64 and rounded to the destination type.</summary>
    public static void Centre<TSrc, TDst>(ReadOnlySpan<TSrc> x, int rows, int cols, ReadOnlySpan<double> shift, Span<TDst> dst)
        where TSrc : unmanaged, IFloatingPointIeee754<TSrc>
        where TDst : unmanaged, IFloatingPointIeee754<TDst>
    {
        for (int r = 0; r < rows; r++)
        {
            var src = x.Slice(r * cols, cols);
            var o = dst.Slice(r * cols, cols);
            for (int j = 0; j < cols; j++) o[j] = TDst.CreateTruncating(double.CreateTruncating(src[j]) - shift[j]);
        }
    }

    /// <summary>
    /// Column means in float64, refined by a second pass over the residuals so that a constant column gets its exact
    /// value and centres to exactly zero (a one-pass mean of n copies of 0.1 is not 0.1).
    /// </summary>
    public static double[] RefinedColumnMeans<T>(ReadOnlySpan<T> x, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var mean = ColumnMeans(x, rows, cols);
        if (rows == 0) return mean;
        var corr = new double[cols];
        for (int r = 0; r < rows; r++)
        {
            var src = x.Slice(r * cols, cols);
            for (int j = 0; j < cols; j++) corr[j] += double.CreateTruncating(src[j]) - mean[j];
        }
        for (int j = 0; j < cols; j++) mean[j] += corr[j] / rows;
        return mean;
    }

    /// <summary>
    /// The float64 centred cross product (X − mean)ᵀ(X − mean) [cols, cols], mirrored, whatever the input type:
    /// used where small eigenvalues matter (rank, whitening), which float32 accumulation would blur at ~1e-7.
    /// </summary>
    public static double[] CentredXtXDouble<T>(ReadOnlySpan<T> x, int rows, int cols, ReadOnlySpan<double> mean, IMatMul mm)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = new double[(long)cols * cols];
        int chunk = Math.Max(1, Math.Min(rows, ChunkLength<double>()));
        var block = new double[chunk * cols];
        var scratch = XtXScratch<double>(cols);
        for (int r0 = 0; r0 < rows; r0 += chunk)
        {
            int br = Math.Min(chunk, rows - r0);
            Centre(x.Slice(r0 * cols, br * cols), br, cols, mean, block.AsSpan());
            AddXtX<double>(block, br, cols, g, mm, scratch);
        }
        Symmetrize(g, cols);
        return g;
    }

    /// <summary>Column means in float64.</summary>
    public static double[] ColumnMeans<T>(ReadOnlySpan<T> x, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var mean = new double[cols];
        for (int r = 0; r < rows; r++)
        {
            var src = x.Slice(r * cols, cols);
            for (int j = 0; j < cols; j++) mean[j] += double.CreateTruncating(src[j]);
        }
        if (rows > 0) for (int j = 0; j < cols; j++) mean[j] /= rows;
        return mean;
    }

    /// <summary>Copies the upper triangle of the square g [n, n] onto the lower one.</summary>
    public static void Symmetrize(Span<double> g, int n)
    {
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) g[j * n + i] = g[i * n + j];
    }

    private static void AddBlock<T>(ReadOnlySpan<T> block, int mb, int nb, Span<double> g, int n, int i0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < mb; i++)
        {
            var src = block.Slice(i * nb, nb);
            var dst = g.Slice((i0 + i) * n + i0, nb);
            // Only j ≥ i is read back by Symmetrize; the rest of the block is skipped.
            for (int j = i; j < nb; j++) dst[j] += double.CreateTruncating(src[j]);
        }
    }
}
