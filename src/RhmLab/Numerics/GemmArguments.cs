using System.Numerics;

namespace RhmLab.Numerics;

/// <summary>Argument checks and degenerate cases shared by the fast providers.</summary>
internal static class GemmArguments
{
    /// <summary>
    /// What every fast provider does before its product: rejects other element types and spans too short for the
    /// product, and handles the degenerate cases (an empty C; k = 0 or α = 0, which only scale C by β). Returns false
    /// when nothing is left to compute.
    /// </summary>
    public static bool Prepare<T>(bool transA, bool transB, int m, int n, int k, T alpha, int aLength, int lda,
        int bLength, int ldb, T beta, Span<T> c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireFloatOrDouble<T>();
        Validate(transA, transB, m, n, k, aLength, lda, bLength, ldb, c.Length, ldc);
        if (m == 0 || n == 0)
            return false;
        if (k == 0 || alpha == T.Zero)
        {
            // BLAS does not read A and B then (and CBLAS would reject lda < 1 though A is never read).
            ScaleC(m, n, beta, c, ldc);
            return false;
        }
        return true;
    }

    /// <summary>
    /// Throws unless every element the product touches lies inside its span. The native provider relies on this: a
    /// short span passed to BLAS would be read or written out of bounds instead of failing.
    /// </summary>
    public static void Validate(bool transA, bool transB, int m, int n, int k, int aLength, int lda, int bLength,
        int ldb, int cLength, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (m == 0 || n == 0)
            return;
        CheckMatrix("c", "ldc", m, n, ldc, cLength);
        if (k == 0)
            return;
        CheckMatrix("a", "lda", transA ? k : m, transA ? m : k, lda, aLength);
        CheckMatrix("b", "ldb", transB ? n : k, transB ? k : n, ldb, bLength);
    }

    private static void CheckMatrix(string name, string ldName, int rows, int cols, int ld, int length)
    {
        if (ld < cols)
            throw new ArgumentException($"{ldName} = {ld} is smaller than the {cols} columns of {name}.", ldName);
        long needed = (long)(rows - 1) * ld + cols;
        if (length < needed)
            throw new ArgumentException(
                $"{name} holds {length} elements but a {rows}x{cols} matrix with row stride {ld} needs {needed}.", name);
    }

    /// <summary>
    /// C = β·C on the m×n block, the whole product when k = 0 or α = 0 (the BLAS convention: A and B are then not
    /// read). β = 0 writes zeros without reading C.
    /// </summary>
    public static void ScaleC<T>(int m, int n, T beta, Span<T> c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (beta == T.One)
            return;
        for (int i = 0; i < m; i++)
        {
            Span<T> row = c.Slice(i * ldc, n);
            if (beta == T.Zero)
                row.Clear();
            else
                for (int j = 0; j < row.Length; j++)
                    row[j] *= beta;
        }
    }

    /// <summary>Rejects element types other than float and double with a clear message.</summary>
    public static void RequireFloatOrDouble<T>()
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"Matrix products support float and double, not {typeof(T).Name}.");
    }
}
