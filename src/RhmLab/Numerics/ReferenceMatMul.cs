using System.Numerics;

namespace RhmLab.Numerics;

/// <summary>The plain triple loop: the oracle the fast providers are tested against. Never used for training.</summary>
public sealed class ReferenceMatMul : IMatMul
{
    /// <inheritdoc />
    public string Name => "reference";

    /// <inheritdoc />
    public void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda,
        ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                {
                    T x = transA ? a[p * lda + i] : a[i * lda + p];
                    T y = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += x * y;
                }
                ref T cij = ref c[i * ldc + j];
                cij = beta == T.Zero ? alpha * sum : alpha * sum + beta * cij;
            }
        }
    }
}
