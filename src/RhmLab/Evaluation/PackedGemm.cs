using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RhmLab.Numerics;

namespace RhmLab.Evaluation;

/// <summary>
/// The evaluation stage's own managed matrix product: Goto-style packing of both operands into cache-sized panels
/// and a register-blocked SIMD micro-kernel. It exists so that probes, ICA and collapse diagnostics are fast without
/// a system BLAS; a faster <see cref="IMatMul"/> can be passed instead wherever one is accepted.
/// </summary>
/// <remarks>
/// Every element of C is produced by exactly one task with a fixed summation order, so results do not depend on
/// the number of threads. float and double are accelerated; other element types fall back to
/// <see cref="ReferenceMatMul"/>.
/// </remarks>
internal sealed class PackedGemm : IMatMul
{
    private const int Mr = 6;     // rows of the micro-tile: 12 accumulators + 2 B vectors + 1 broadcast fit 16 AVX registers
    private const int Kc = 256;   // depth of a packed block: one B micro-panel (Kc·Nr) stays in L1
    private const int Mc = 120;   // rows of a packed A block: Mc·Kc doubles fit L2
    private const long SerialWork = 1L << 22; // below this many multiply-adds (~0.3 ms), waking threads costs more than it saves

    private readonly int _threads;

    /// <summary>The instance the evaluation code uses when the caller passes no provider.</summary>
    public static PackedGemm Default { get; } = new(Environment.ProcessorCount);

    /// <summary>Creates a provider that uses at most <paramref name="maxThreads"/> threads (1 = serial).</summary>
    public PackedGemm(int maxThreads) => _threads = Math.Max(1, maxThreads);

    /// <inheritdoc />
    public string Name => "evaluation-packed";

    /// <inheritdoc />
    public void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda,
        ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), "dimensions must be non-negative");
        if (m == 0 || n == 0) return;
        CheckOperand(a.Length, transA ? k : m, transA ? m : k, lda, nameof(a));
        CheckOperand(b.Length, transB ? n : k, transB ? k : n, ldb, nameof(b));
        CheckOperand(c.Length, m, n, ldc, nameof(c));
        if (typeof(T) == typeof(float))
            Run(transA, transB, m, n, k, (float)(object)alpha, MemoryMarshal.Cast<T, float>(a), lda,
                MemoryMarshal.Cast<T, float>(b), ldb, (float)(object)beta, MemoryMarshal.Cast<T, float>(c), ldc);
        else if (typeof(T) == typeof(double))
            Run(transA, transB, m, n, k, (double)(object)alpha, MemoryMarshal.Cast<T, double>(a), lda,
                MemoryMarshal.Cast<T, double>(b), ldb, (double)(object)beta, MemoryMarshal.Cast<T, double>(c), ldc);
        else
            new ReferenceMatMul().Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    private static void CheckOperand(int length, int rows, int cols, int ld, string name)
    {
        if (rows == 0 || cols == 0) return;
        if (ld < cols) throw new ArgumentException($"{name}: leading dimension {ld} is smaller than {cols} columns");
        if ((long)(rows - 1) * ld + cols > length) throw new ArgumentException($"{name}: span too short for [{rows}, {cols}] with stride {ld}");
    }

    private unsafe void Run<T>(bool transA, bool transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda,
        ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (k == 0)
        {
            // Nothing to accumulate: C = β·C, and β = 0 must not read C.
            for (int i = 0; i < m; i++)
            {
                var row = c.Slice(i * ldc, n);
                if (beta == T.Zero) row.Clear();
                else for (int j = 0; j < n; j++) row[j] *= beta;
            }
            return;
        }
        int nr = 2 * Vector<T>.Count;
        int nPanels = (n + nr - 1) / nr;
        int mBlocks = (m + Mc - 1) / Mc;
        long work = (long)m * n * k;
        int threads = work < SerialWork ? 1 : _threads;
        // Enough column groups that every thread has work even when m is a single block.
        int groups = Math.Min(nPanels, Math.Max(1, (2 * threads + mBlocks - 1) / mBlocks));
        if (threads == 1) groups = 1;
        int panelsPerGroup = (nPanels + groups - 1) / groups;
        groups = (nPanels + panelsPerGroup - 1) / panelsPerGroup;
        // Pooled: the ICA and probe loops call this thousands of times, and fresh panels would land on the LOH.
        var packedB = ArrayPool<T>.Shared.Rent(nPanels * nr * Kc);
        try
        {
            fixed (T* pa = a, pb = b, pc = c, pbp = packedB)
            {
                var job = new Job<T>
                {
                    A = pa, B = pb, C = pc, PackedB = pbp, TransA = transA, Lda = lda, Ldb = ldb, Ldc = ldc,
                    M = m, N = n, Alpha = alpha, Beta = beta, Nr = nr, PanelsPerGroup = panelsPerGroup,
                };
                for (int p0 = 0; p0 < k; p0 += Kc)
                {
                    int kc = Math.Min(Kc, k - p0);
                    PackB(transB, pb, ldb, p0, kc, n, nr, pbp);
                    job.P0 = p0;
                    job.Kc = kc;
                    int tasks = mBlocks * groups;
                    if (threads == 1 || tasks == 1)
                    {
                        fixed (T* ps = PackScratch<T>.Get()) for (int t = 0; t < tasks; t++) job.RunTask(t, groups, ps);
                    }
                    else
                    {
                        var local = job;
                        Parallel.For(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
                        {
                            fixed (T* ps = PackScratch<T>.Get()) local.RunTask(t, groups, ps);
                        });
                    }
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(packedB);
        }
    }

    /// <summary>One packed-A block per thread, kept for the thread's lifetime (a task uses it from start to end).</summary>
    private static class PackScratch<T>
    {
        [ThreadStatic] private static T[]? _buffer;

        public static T[] Get() => _buffer ??= new T[Mc * Kc];
    }

    private static unsafe void PackB<T>(bool transB, T* b, int ldb, int p0, int kc, int n, int nr, T* dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nPanels = (n + nr - 1) / nr;
        for (int jp = 0; jp < nPanels; jp++)
        {
            int j0 = jp * nr;
            int w = Math.Min(nr, n - j0);
            T* panel = dst + (long)jp * nr * kc;
            for (int p = 0; p < kc; p++)
            {
                T* o = panel + p * nr;
                if (!transB)
                {
                    T* src = b + (long)(p0 + p) * ldb + j0;
                    for (int j = 0; j < w; j++) o[j] = src[j];
                }
                else
                {
                    T* src = b + (long)j0 * ldb + p0 + p;
                    for (int j = 0; j < w; j++) o[j] = src[(long)j * ldb];
                }
                for (int j = w; j < nr; j++) o[j] = T.Zero;
            }
        }
    }

    private unsafe struct Job<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* A, B, C, PackedB;
        public bool TransA;
        public int Lda, Ldb, Ldc, M, N, Nr, PanelsPerGroup, P0, Kc;
        public T Alpha, Beta;

        public readonly void RunTask(int task, int groups, T* packedA)
        {
            int ib = task / groups, g = task % groups;
            int i0 = ib * Mc;
            int mc = Math.Min(Mc, M - i0);
            PackA(i0, mc, packedA);
            int jpStart = g * PanelsPerGroup;
            int nPanels = (N + Nr - 1) / Nr;
            int jpEnd = Math.Min(nPanels, jpStart + PanelsPerGroup);
            T* tile = stackalloc T[Mr * 2 * Vector<T>.Count];
            bool first = P0 == 0;
            for (int jp = jpStart; jp < jpEnd; jp++)
            {
                int j0 = jp * Nr;
                int w = Math.Min(Nr, N - j0);
                T* bp = PackedB + (long)jp * Nr * Kc;
                for (int ir = 0; ir < mc; ir += Mr)
                {
                    int h = Math.Min(Mr, mc - ir);
                    MicroKernel(Kc, packedA + ir * Kc, bp, tile);
                    for (int r = 0; r < h; r++)
                    {
                        T* crow = C + (long)(i0 + ir + r) * Ldc + j0;
                        T* trow = tile + r * Nr;
                        if (!first) for (int j = 0; j < w; j++) crow[j] += Alpha * trow[j];
                        else if (Beta == T.Zero) for (int j = 0; j < w; j++) crow[j] = Alpha * trow[j];
                        else for (int j = 0; j < w; j++) crow[j] = Alpha * trow[j] + Beta * crow[j];
                    }
                }
            }
        }

        /// <summary>Packs rows i0..i0+mc of op(A), depth P0..P0+Kc, as Mr-row micro-panels (zero-padded).</summary>
        private readonly void PackA(int i0, int mc, T* dst)
        {
            for (int ir = 0; ir < mc; ir += Mr)
            {
                int h = Math.Min(Mr, mc - ir);
                T* panel = dst + ir * Kc;
                for (int r = 0; r < h; r++)
                {
                    int i = i0 + ir + r;
                    if (!TransA)
                    {
                        T* src = A + (long)i * Lda + P0;
                        for (int p = 0; p < Kc; p++) panel[p * Mr + r] = src[p];
                    }
                    else
                    {
                        T* src = A + (long)P0 * Lda + i;
                        for (int p = 0; p < Kc; p++) panel[p * Mr + r] = src[(long)p * Lda];
                    }
                }
                for (int r = h; r < Mr; r++)
                    for (int p = 0; p < Kc; p++) panel[p * Mr + r] = T.Zero;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Fma<T>(Vector<T> x, Vector<T> y, Vector<T> acc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported)
        {
            if (typeof(T) == typeof(float))
                return Vector.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), acc.As<T, float>()).As<float, T>();
            if (typeof(T) == typeof(double))
                return Vector.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), acc.As<T, double>()).As<double, T>();
        }
        return x * y + acc;
    }

    /// <summary>tile[Mr, Nr] = Σ_p a[p, 0..Mr) ⊗ b[p, 0..Nr) over packed micro-panels.</summary>
    private static unsafe void MicroKernel<T>(int kc, T* a, T* b, T* tile) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int vl = Vector<T>.Count;
        Vector<T> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector<T> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector<T> c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector.Load(b);
            var b1 = Vector.Load(b + vl);
            var x = new Vector<T>(a[0]);
            c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = new Vector<T>(a[1]);
            c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = new Vector<T>(a[2]);
            c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = new Vector<T>(a[3]);
            c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            x = new Vector<T>(a[4]);
            c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
            x = new Vector<T>(a[5]);
            c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
            a += Mr;
            b += 2 * vl;
        }
        int nr = 2 * vl;
        c00.Store(tile); c01.Store(tile + vl);
        c10.Store(tile + nr); c11.Store(tile + nr + vl);
        c20.Store(tile + 2 * nr); c21.Store(tile + 2 * nr + vl);
        c30.Store(tile + 3 * nr); c31.Store(tile + 3 * nr + vl);
        c40.Store(tile + 4 * nr); c41.Store(tile + 4 * nr + vl);
        c50.Store(tile + 5 * nr); c51.Store(tile + 5 * nr + vl);
    }
}
