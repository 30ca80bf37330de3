using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace RhmLab.Numerics;

/// <summary>
/// A managed GEMM in the GotoBLAS/BLIS layout: op(B) is packed in k×n blocks, op(A) in m×k blocks, and a register-tile
/// micro-kernel (AVX2 + FMA 6×16 for float and 6×8 for double, or a portable <see cref="Vector{T}"/> 4×2W kernel
/// elsewhere) runs over the packed panels. Optional threads split the larger of m and n into contiguous tile ranges.
/// </summary>
/// <remarks>
/// Every element of C is computed by the same sequence of operations whatever the tile, thread or thread count, so
/// results are bit-identical across repeated calls and across thread counts on one machine; they can differ between
/// the AVX2 and the portable kernel. C must not overlap A or B.
/// </remarks>
public sealed unsafe partial class ManagedMatMul : IMatMul
{
    private readonly bool fast;

    /// <summary>A provider that uses <paramref name="threads"/> threads for large products.</summary>
    public ManagedMatMul(int threads = 1) : this(threads, useIntrinsics: true)
    {
    }

    /// <summary>Lets tests run the portable kernel on machines that have AVX2 and FMA.</summary>
    internal ManagedMatMul(int threads, bool useIntrinsics)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        fast = useIntrinsics && Fma.IsSupported && Avx2.IsSupported;
    }

    /// <inheritdoc />
    public string Name => "managed";

    /// <summary>The most threads one product uses.</summary>
    public int Threads { get; }

    /// <summary>Below this many flops a product runs on the calling thread: the hand-off would cost more than it saves.</summary>
    internal long ParallelMinFlops { get; init; } = 1L << 21;

    /// <summary>The micro-kernel in use, for recording next to results.</summary>
    public string Kernel => fast
        ? "avx2-fma f32 6x16, f64 6x8"
        : $"vector f32 4x{2 * Vector<float>.Count}, f64 4x{2 * Vector<double>.Count}";

    /// <inheritdoc />
    public void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda,
        ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!GemmArguments.Prepare(transA, transB, m, n, k, alpha, a.Length, lda, b.Length, ldb, beta, c, ldc))
            return;
        Blocking bk = BlockingFor<T>();
        fixed (T* pa = a)
        fixed (T* pb = b)
        fixed (T* pc = c)
        {
            int mTiles = (m + bk.Mr - 1) / bk.Mr;
            int nTiles = (n + bk.Nr - 1) / bk.Nr;
            bool splitN = nTiles >= mTiles;
            int tiles = splitN ? nTiles : mTiles;
            int parts = 2L * m * n * k >= ParallelMinFlops ? Math.Min(Threads, tiles) : 1;
            if (parts == 1) Blocked(bk, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            else Split(bk, parts, tiles, splitN, transA, transB, m, n, k, alpha, (nint)pa, lda, (nint)pb, ldb, beta, (nint)pc, ldc);
        }
    }

    // Apart from Gemm because the lambda's closure, made on entry to the method that declares what it captures, would
    // otherwise be allocated by every product, parallel or not.
    private void Split<T>(Blocking bk, int parts, int tiles, bool splitN, bool transA, bool transB, int m, int n, int k, T alpha,
        nint ia, int lda, nint ib, int ldb, T beta, nint ic, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
        {
            int t0 = (int)((long)tiles * part / parts);
            int t1 = (int)((long)tiles * (part + 1) / parts);
            T* a0 = (T*)ia, b0 = (T*)ib, c0 = (T*)ic;
            if (splitN)
            {
                int j0 = t0 * bk.Nr, j1 = Math.Min(n, t1 * bk.Nr);
                T* bj = transB ? b0 + (nint)j0 * ldb : b0 + j0;
                Blocked(bk, transA, transB, m, j1 - j0, k, alpha, a0, lda, bj, ldb, beta, c0 + j0, ldc);
            }
            else
            {
                int i0 = t0 * bk.Mr, i1 = Math.Min(m, t1 * bk.Mr);
                T* ai = transA ? a0 + i0 : a0 + (nint)i0 * lda;
                Blocked(bk, transA, transB, i1 - i0, n, k, alpha, ai, lda, b0, ldb, beta, c0 + (nint)i0 * ldc, ldc);
            }
        });
    }

    /// <summary>Register tile (Mr×Nr) and cache blocks (Mc×Kc of A, Kc×Nc of B).</summary>
    private readonly record struct Blocking(int Mr, int Nr, int Mc, int Kc, int Nc);

    private Blocking BlockingFor<T>()
    {
        // Kc·Nr of B stays in L1 across the micro-panels of A; Mc·Kc of A stays in L2; Kc·Nc of B in L3.
        if (fast)
            return typeof(T) == typeof(float) ? new Blocking(6, 16, 144, 256, 4080) : new Blocking(6, 8, 72, 256, 4080);
        int nr = 2 * (typeof(T) == typeof(float) ? Vector<float>.Count : Vector<double>.Count);
        return new Blocking(4, nr, 128, 256, 4080 / nr * nr);
    }

    /// <summary>One thread's share: the whole blocked loop nest on an m×n sub-problem.</summary>
    private void Blocked<T>(Blocking bk, bool transA, bool transB, int m, int n, int k, T alpha, T* a, nint lda,
        T* b, nint ldb, T beta, T* c, nint ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int mr = bk.Mr, nr = bk.Nr;
        int kcMax = Math.Min(bk.Kc, k);
        int mcMax = Math.Min(bk.Mc, RoundUp(m, mr));
        int ncMax = Math.Min(bk.Nc, RoundUp(n, nr));
        T* packA = Workspace.Get<T>(ref Workspace.A, (nint)mcMax * kcMax);
        T* packB = Workspace.Get<T>(ref Workspace.B, (nint)ncMax * kcMax);
        T* edge = stackalloc T[mr * nr];
        for (int jc = 0; jc < n; jc += bk.Nc)
        {
            int nc = Math.Min(bk.Nc, n - jc);
            for (int pc = 0; pc < k; pc += bk.Kc)
            {
                int kc = Math.Min(bk.Kc, k - pc);
                // Later k blocks add onto what the first one wrote.
                bool first = pc == 0;
                T betaK = first ? beta : T.One;
                bool betaZero = first && beta == T.Zero;
                PackB(transB, transB ? b + jc * ldb + pc : b + pc * ldb + jc, ldb, kc, nc, packB, nr);
                for (int ic = 0; ic < m; ic += bk.Mc)
                {
                    int mc = Math.Min(bk.Mc, m - ic);
                    PackA(transA, transA ? a + pc * lda + ic : a + ic * lda + pc, lda, mc, kc, packA, mr);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int nn = Math.Min(nr, nc - jr);
                        T* bPanel = packB + (nint)jr * kc;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int mm = Math.Min(mr, mc - ir);
                            T* aPanel = packA + (nint)ir * kc;
                            T* cTile = c + (ic + ir) * ldc + jc + jr;
                            if (mm == mr && nn == nr)
                            {
                                MicroTile(kc, aPanel, bPanel, cTile, ldc, alpha, betaK, betaZero);
                            }
                            else
                            {
                                MicroTile(kc, aPanel, bPanel, edge, nr, T.One, T.Zero, true);
                                MergeEdge(edge, nr, cTile, ldc, mm, nn, alpha, betaK, betaZero);
                            }
                        }
                    }
                }
            }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MicroTile<T>(int kc, T* a, T* b, T* c, nint ldc, T alpha, T beta, bool betaZero)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (fast && typeof(T) == typeof(float))
            KernelF32(kc, (float*)a, (float*)b, (float*)c, ldc, Unsafe.BitCast<T, float>(alpha),
                Unsafe.BitCast<T, float>(beta), betaZero);
        else if (fast && typeof(T) == typeof(double))
            KernelF64(kc, (double*)a, (double*)b, (double*)c, ldc, Unsafe.BitCast<T, double>(alpha),
                Unsafe.BitCast<T, double>(beta), betaZero);
        else
            KernelVector(kc, a, b, c, ldc, alpha, beta, betaZero);
    }

    /// <summary>
    /// Writes a partial tile with exactly the arithmetic the full-tile kernels use (fused for the FMA kernels), so
    /// an element's value does not depend on whether it fell in an edge tile.
    /// </summary>
    private void MergeEdge<T>(T* tile, nint ldt, T* c, nint ldc, int rows, int cols, T alpha, T beta, bool betaZero)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < rows; i++)
        {
            T* t = tile + i * ldt;
            T* ci = c + i * ldc;
            for (int j = 0; j < cols; j++)
            {
                if (betaZero)
                    ci[j] = t[j] * alpha;
                else if (fast)
                    ci[j] = T.FusedMultiplyAdd(t[j], alpha, beta * ci[j]);
                else
                    ci[j] = t[j] * alpha + beta * ci[j];
            }
        }
    }

    /// <summary>Per-thread packing buffers, pinned and reused so products allocate nothing in steady state.</summary>
    private static class Workspace
    {
        [ThreadStatic] public static byte[]? A;
        [ThreadStatic] public static byte[]? B;

        public static T* Get<T>(ref byte[]? buffer, nint elements) where T : unmanaged
        {
            const int align = 64;
            // The slack past the end absorbs the overlapping 8-lane stores of the 6-row A packer.
            nint bytes = (elements + 16) * sizeof(T) + align;
            if (buffer is null || buffer.Length < bytes)
                buffer = GC.AllocateUninitializedArray<byte>(checked((int)bytes), pinned: true);
            nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
            return (T*)((start + align - 1) & ~(nint)(align - 1));
        }
    }
}
