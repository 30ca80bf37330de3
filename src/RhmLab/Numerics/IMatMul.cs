using System.Numerics;

namespace RhmLab.Numerics;

/// <summary>
/// A provider of row-major matrix products C = α·op(A)·op(B) + β·C, where op(X) is X or Xᵀ. Every matrix
/// product of the engine goes through one provider, so the provider can be chosen (system BLAS or managed SIMD)
/// and recorded in every result.
/// </summary>
public interface IMatMul
{
    /// <summary>Short name recorded in results, e.g. <c>openblas</c> or <c>managed</c>.</summary>
    string Name { get; }

    /// <summary>
    /// C[m, n] = α·op(A)·op(B) + β·C, all row-major. op(A) is m×k: A is [m, k] with row stride
    /// <paramref name="lda"/> when not transposed, [k, m] when transposed. op(B) is k×n likewise. When β = 0, C is
    /// overwritten without being read (NaNs in C do not propagate).
    /// </summary>
    void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda,
        ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>;
}
