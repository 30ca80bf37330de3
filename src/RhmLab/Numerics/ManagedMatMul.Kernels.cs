using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RhmLab.Numerics;

public sealed unsafe partial class ManagedMatMul
{
    /// <summary>
    /// Packs the mc×kc block of op(A) whose (0, 0) element is at <paramref name="a"/> into micro-panels of
    /// <paramref name="mr"/> rows: panel r holds, for each p, the mr values op(A)[r·mr .. r·mr+mr-1, p]. Missing rows of
    /// the last panel are zero, so the kernel always runs full tiles.
    /// </summary>
    private static void PackA<T>(bool transA, T* a, nint lda, int mc, int kc, T* dst, int mr) where T : unmanaged
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            T* d = dst + (nint)ir * kc;
            if (transA && typeof(T) == typeof(float) && Avx.IsSupported && mr == 6 && rows == 6)
            {
                // Six contiguous floats per k step: one 4-lane and one 2-lane move instead of six scalar ones.
                float* s = (float*)(a + ir);
                float* df = (float*)d;
                for (int p = 0; p < kc; p++, s += lda, df += 6)
                {
                    Sse.Store(df, Sse.LoadVector128(s));
                    *(long*)(df + 4) = *(long*)(s + 4);
                }
            }
            else if (transA && typeof(T) == typeof(double) && Avx.IsSupported && mr == 6 && rows == 6)
            {
                double* s = (double*)(a + ir);
                double* dd = (double*)d;
                for (int p = 0; p < kc; p++, s += lda, dd += 6)
                {
                    Avx.Store(dd, Avx.LoadVector256(s));
                    Sse2.Store(dd + 4, Sse2.LoadVector128(s + 4));
                }
            }
            else if (transA)
            {
                // op(A)[i, p] = A[p, i]: each k step is a contiguous run of mr values.
                T* s = a + ir;
                for (int p = 0; p < kc; p++, s += lda, d += mr)
                {
                    int r = 0;
                    for (; r < rows; r++)
                        d[r] = s[r];
                    for (; r < mr; r++)
                        d[r] = default;
                }
            }
            else if (typeof(T) == typeof(float) && Avx.IsSupported && mr == 6 && rows == 6)
            {
                PackA6F32((float*)(a + ir * lda), lda, kc, (float*)d);
            }
            else if (typeof(T) == typeof(double) && Avx.IsSupported && mr == 6 && rows == 6)
            {
                PackA6F64((double*)(a + ir * lda), lda, kc, (double*)d);
            }
            else
            {
                for (int r = 0; r < rows; r++)
                {
                    T* s = a + (ir + r) * lda;
                    T* dr = d + r;
                    for (int p = 0; p < kc; p++)
                        dr[p * mr] = s[p];
                }
                for (int r = rows; r < mr; r++)
                    for (int p = 0; p < kc; p++)
                        d[p * mr + r] = default;
            }
        }
    }

    /// <summary>
    /// Packs the kc×nc block of op(B) whose (0, 0) element is at <paramref name="b"/> into micro-panels of
    /// <paramref name="nr"/> columns: panel j holds, for each p, the nr values op(B)[p, j·nr .. j·nr+nr-1]. Missing
    /// columns of the last panel are zero.
    /// </summary>
    private static void PackB<T>(bool transB, T* b, nint ldb, int kc, int nc, T* dst, int nr) where T : unmanaged
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            T* d = dst + (nint)jr * kc;
            if (!transB)
            {
                T* s = b + jr;
                int bytes = nr * sizeof(T);
                if (cols == nr && bytes % 32 == 0 && Vector256.IsHardwareAccelerated)
                {
                    for (int p = 0; p < kc; p++, s += ldb, d += nr)
                        for (int off = 0; off < bytes; off += 32)
                            Vector256.Store(Vector256.Load((byte*)s + off), (byte*)d + off);
                }
                else if (cols == nr && bytes % 16 == 0 && Vector128.IsHardwareAccelerated)
                {
                    for (int p = 0; p < kc; p++, s += ldb, d += nr)
                        for (int off = 0; off < bytes; off += 16)
                            Vector128.Store(Vector128.Load((byte*)s + off), (byte*)d + off);
                }
                else
                {
                    for (int p = 0; p < kc; p++, s += ldb, d += nr)
                    {
                        int j = 0;
                        for (; j < cols; j++)
                            d[j] = s[j];
                        for (; j < nr; j++)
                            d[j] = default;
                    }
                }
            }
            else if (typeof(T) == typeof(float) && Avx.IsSupported && nr == 16 && cols == 16)
            {
                PackBT16F32((float*)(b + jr * ldb), ldb, kc, (float*)d);
            }
            else if (typeof(T) == typeof(double) && Avx.IsSupported && nr == 8 && cols == 8)
            {
                PackBT8F64((double*)(b + jr * ldb), ldb, kc, (double*)d);
            }
            else
            {
                // op(B)[p, j] = B[j, p]: read each row of B once, scatter it down one column of the panel.
                for (int j = 0; j < cols; j++)
                {
                    T* s = b + (jr + j) * ldb;
                    T* dj = d + j;
                    for (int p = 0; p < kc; p++)
                        dj[p * nr] = s[p];
                }
                for (int j = cols; j < nr; j++)
                    for (int p = 0; p < kc; p++)
                        d[p * nr + j] = default;
            }
        }
    }

    /// <summary>
    /// Packs six rows of a row-major float A (k contiguous) into one 6-wide micro-panel, eight k steps at a time
    /// through an 8×8 register transpose. Each 8-lane store spills two lanes past its six, which the next store (or
    /// the next panel, or the workspace's slack) overwrites, so stores must go in increasing address order.
    /// </summary>
    private static void PackA6F32(float* a, nint lda, int kc, float* d)
    {
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda;
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            Vector256<float> r0 = Avx.LoadVector256(a0 + p), r1 = Avx.LoadVector256(a1 + p);
            Vector256<float> r2 = Avx.LoadVector256(a2 + p), r3 = Avx.LoadVector256(a3 + p);
            Vector256<float> r4 = Avx.LoadVector256(a4 + p), r5 = Avx.LoadVector256(a5 + p);
            Vector256<float> r6 = default, r7 = default;
            Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
            float* dp = d + p * 6;
            Avx.Store(dp, r0);
            Avx.Store(dp + 6, r1);
            Avx.Store(dp + 12, r2);
            Avx.Store(dp + 18, r3);
            Avx.Store(dp + 24, r4);
            Avx.Store(dp + 30, r5);
            Avx.Store(dp + 36, r6);
            Avx.Store(dp + 42, r7);
        }
        for (; p < kc; p++)
        {
            float* dp = d + p * 6;
            dp[0] = a0[p];
            dp[1] = a1[p];
            dp[2] = a2[p];
            dp[3] = a3[p];
            dp[4] = a4[p];
            dp[5] = a5[p];
        }
    }

    /// <summary>
    /// Packs sixteen rows of a row-major float B (k contiguous, i.e. op(B) = Bᵀ) into one 16-wide micro-panel, eight
    /// k steps at a time through two 8×8 register transposes.
    /// </summary>
    private static void PackBT16F32(float* b, nint ldb, int kc, float* d)
    {
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            for (int h = 0; h < 2; h++)
            {
                float* s = b + 8 * h * ldb + p;
                Vector256<float> r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + ldb);
                Vector256<float> r2 = Avx.LoadVector256(s + 2 * ldb), r3 = Avx.LoadVector256(s + 3 * ldb);
                Vector256<float> r4 = Avx.LoadVector256(s + 4 * ldb), r5 = Avx.LoadVector256(s + 5 * ldb);
                Vector256<float> r6 = Avx.LoadVector256(s + 6 * ldb), r7 = Avx.LoadVector256(s + 7 * ldb);
                Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                float* dp = d + p * 16 + 8 * h;
                Avx.Store(dp, r0);
                Avx.Store(dp + 16, r1);
                Avx.Store(dp + 32, r2);
                Avx.Store(dp + 48, r3);
                Avx.Store(dp + 64, r4);
                Avx.Store(dp + 80, r5);
                Avx.Store(dp + 96, r6);
                Avx.Store(dp + 112, r7);
            }
        }
        for (; p < kc; p++)
            for (int j = 0; j < 16; j++)
                d[p * 16 + j] = b[j * ldb + p];
    }

    /// <summary>
    /// The double analogue of <see cref="PackA6F32"/>, four k steps at a time: rows 0-3 through a 4×4 transpose,
    /// rows 4-5 through one interleave, so no store spills.
    /// </summary>
    private static void PackA6F64(double* a, nint lda, int kc, double* d)
    {
        double* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda;
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            Vector256<double> r0 = Avx.LoadVector256(a0 + p), r1 = Avx.LoadVector256(a1 + p);
            Vector256<double> r2 = Avx.LoadVector256(a2 + p), r3 = Avx.LoadVector256(a3 + p);
            Transpose4x4(ref r0, ref r1, ref r2, ref r3);
            Vector256<double> r4 = Avx.LoadVector256(a4 + p), r5 = Avx.LoadVector256(a5 + p);
            // lo = (a4[p], a5[p], a4[p+2], a5[p+2]), hi = (a4[p+1], a5[p+1], a4[p+3], a5[p+3]).
            Vector256<double> lo = Avx.UnpackLow(r4, r5), hi = Avx.UnpackHigh(r4, r5);
            double* dp = d + p * 6;
            Avx.Store(dp, r0);
            Sse2.Store(dp + 4, lo.GetLower());
            Avx.Store(dp + 6, r1);
            Sse2.Store(dp + 10, hi.GetLower());
            Avx.Store(dp + 12, r2);
            Sse2.Store(dp + 16, lo.GetUpper());
            Avx.Store(dp + 18, r3);
            Sse2.Store(dp + 22, hi.GetUpper());
        }
        for (; p < kc; p++)
        {
            double* dp = d + p * 6;
            dp[0] = a0[p];
            dp[1] = a1[p];
            dp[2] = a2[p];
            dp[3] = a3[p];
            dp[4] = a4[p];
            dp[5] = a5[p];
        }
    }

    /// <summary>The double analogue of <see cref="PackBT16F32"/>: eight rows of B, four k steps per pair of 4×4 transposes.</summary>
    private static void PackBT8F64(double* b, nint ldb, int kc, double* d)
    {
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            for (int h = 0; h < 2; h++)
            {
                double* s = b + 4 * h * ldb + p;
                Vector256<double> r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + ldb);
                Vector256<double> r2 = Avx.LoadVector256(s + 2 * ldb), r3 = Avx.LoadVector256(s + 3 * ldb);
                Transpose4x4(ref r0, ref r1, ref r2, ref r3);
                double* dp = d + p * 8 + 4 * h;
                Avx.Store(dp, r0);
                Avx.Store(dp + 8, r1);
                Avx.Store(dp + 16, r2);
                Avx.Store(dp + 24, r3);
            }
        }
        for (; p < kc; p++)
            for (int j = 0; j < 8; j++)
                d[p * 8 + j] = b[j * ldb + p];
    }

    /// <summary>In-register 4×4 double transpose: on return r_i holds what was column i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(ref Vector256<double> r0, ref Vector256<double> r1, ref Vector256<double> r2,
        ref Vector256<double> r3)
    {
        Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        r0 = Avx.Permute2x128(t0, t2, 0x20);
        r1 = Avx.Permute2x128(t1, t3, 0x20);
        r2 = Avx.Permute2x128(t0, t2, 0x31);
        r3 = Avx.Permute2x128(t1, t3, 0x31);
    }

    /// <summary>In-register 8×8 float transpose: on return r_i holds what was column i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2,
        ref Vector256<float> r3, ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6,
        ref Vector256<float> r7)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(s0, s4, 0x20);
        r1 = Avx.Permute2x128(s1, s5, 0x20);
        r2 = Avx.Permute2x128(s2, s6, 0x20);
        r3 = Avx.Permute2x128(s3, s7, 0x20);
        r4 = Avx.Permute2x128(s0, s4, 0x31);
        r5 = Avx.Permute2x128(s1, s5, 0x31);
        r6 = Avx.Permute2x128(s2, s6, 0x31);
        r7 = Avx.Permute2x128(s3, s7, 0x31);
    }

    /// <summary>
    /// 6×16 float tile: 12 accumulators, two B vectors and one broadcast fill 15 of the 16 ymm registers, and the 12
    /// independent FMA chains cover the FMA latency times two ports.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelF32(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta, bool betaZero)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        // C is touched only after the k loop; start its lines on their way now.
        for (int i = 0; i < 6; i++)
        {
            Sse.Prefetch0(c + i * ldc);
            Sse.Prefetch0(c + i * ldc + 15);
        }
        int p = 0;
        // Two k steps per trip halve the loop-counter overhead next to the 24 FMAs.
        for (; p + 2 <= kc; p += 2)
        {
            Vector256<float> b0 = Avx.LoadAlignedVector256(b);
            Vector256<float> b1 = Avx.LoadAlignedVector256(b + 8);
            Vector256<float> av = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(av, b0, c10);
            c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(av, b0, c20);
            c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(av, b0, c30);
            c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(av, b0, c40);
            c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(av, b0, c50);
            c51 = Fma.MultiplyAdd(av, b1, c51);
            b0 = Avx.LoadAlignedVector256(b + 16);
            b1 = Avx.LoadAlignedVector256(b + 24);
            av = Vector256.Create(a[6]);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[7]);
            c10 = Fma.MultiplyAdd(av, b0, c10);
            c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[8]);
            c20 = Fma.MultiplyAdd(av, b0, c20);
            c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[9]);
            c30 = Fma.MultiplyAdd(av, b0, c30);
            c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[10]);
            c40 = Fma.MultiplyAdd(av, b0, c40);
            c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[11]);
            c50 = Fma.MultiplyAdd(av, b0, c50);
            c51 = Fma.MultiplyAdd(av, b1, c51);
            a += 12;
            b += 32;
        }
        if (p < kc)
        {
            Vector256<float> b0 = Avx.LoadAlignedVector256(b);
            Vector256<float> b1 = Avx.LoadAlignedVector256(b + 8);
            Vector256<float> av = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(av, b0, c10);
            c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(av, b0, c20);
            c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(av, b0, c30);
            c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(av, b0, c40);
            c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(av, b0, c50);
            c51 = Fma.MultiplyAdd(av, b1, c51);
        }
        Vector256<float> al = Vector256.Create(alpha);
        if (betaZero)
        {
            StoreF32(c, c00 * al, c01 * al);
            StoreF32(c + ldc, c10 * al, c11 * al);
            StoreF32(c + 2 * ldc, c20 * al, c21 * al);
            StoreF32(c + 3 * ldc, c30 * al, c31 * al);
            StoreF32(c + 4 * ldc, c40 * al, c41 * al);
            StoreF32(c + 5 * ldc, c50 * al, c51 * al);
        }
        else
        {
            Vector256<float> be = Vector256.Create(beta);
            UpdateF32(c, c00, c01, al, be);
            UpdateF32(c + ldc, c10, c11, al, be);
            UpdateF32(c + 2 * ldc, c20, c21, al, be);
            UpdateF32(c + 3 * ldc, c30, c31, al, be);
            UpdateF32(c + 4 * ldc, c40, c41, al, be);
            UpdateF32(c + 5 * ldc, c50, c51, al, be);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreF32(float* c, Vector256<float> x0, Vector256<float> x1)
    {
        Avx.Store(c, x0);
        Avx.Store(c + 8, x1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateF32(float* c, Vector256<float> x0, Vector256<float> x1, Vector256<float> al, Vector256<float> be)
    {
        Avx.Store(c, Fma.MultiplyAdd(x0, al, be * Avx.LoadVector256(c)));
        Avx.Store(c + 8, Fma.MultiplyAdd(x1, al, be * Avx.LoadVector256(c + 8)));
    }

    /// <summary>6×8 double tile, the float kernel's register plan with half as many lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelF64(int kc, double* a, double* b, double* c, nint ldc, double alpha, double beta, bool betaZero)
    {
        Vector256<double> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<double> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int i = 0; i < 6; i++)
        {
            Sse.Prefetch0(c + i * ldc);
            Sse.Prefetch0(c + i * ldc + 7);
        }
        int p = 0;
        for (; p + 2 <= kc; p += 2)
        {
            Vector256<double> b0 = Avx.LoadAlignedVector256(b);
            Vector256<double> b1 = Avx.LoadAlignedVector256(b + 4);
            Vector256<double> av = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(av, b0, c10);
            c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(av, b0, c20);
            c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(av, b0, c30);
            c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(av, b0, c40);
            c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(av, b0, c50);
            c51 = Fma.MultiplyAdd(av, b1, c51);
            b0 = Avx.LoadAlignedVector256(b + 8);
            b1 = Avx.LoadAlignedVector256(b + 12);
            av = Vector256.Create(a[6]);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[7]);
            c10 = Fma.MultiplyAdd(av, b0, c10);
            c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[8]);
            c20 = Fma.MultiplyAdd(av, b0, c20);
            c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[9]);
            c30 = Fma.MultiplyAdd(av, b0, c30);
            c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[10]);
            c40 = Fma.MultiplyAdd(av, b0, c40);
            c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[11]);
            c50 = Fma.MultiplyAdd(av, b0, c50);
            c51 = Fma.MultiplyAdd(av, b1, c51);
            a += 12;
            b += 16;
        }
        if (p < kc)
        {
            Vector256<double> b0 = Avx.LoadAlignedVector256(b);
            Vector256<double> b1 = Avx.LoadAlignedVector256(b + 4);
            Vector256<double> av = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(av, b0, c10);
            c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(av, b0, c20);
            c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(av, b0, c30);
            c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(av, b0, c40);
            c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(av, b0, c50);
            c51 = Fma.MultiplyAdd(av, b1, c51);
        }
        Vector256<double> al = Vector256.Create(alpha);
        if (betaZero)
        {
            StoreF64(c, c00 * al, c01 * al);
            StoreF64(c + ldc, c10 * al, c11 * al);
            StoreF64(c + 2 * ldc, c20 * al, c21 * al);
            StoreF64(c + 3 * ldc, c30 * al, c31 * al);
            StoreF64(c + 4 * ldc, c40 * al, c41 * al);
            StoreF64(c + 5 * ldc, c50 * al, c51 * al);
        }
        else
        {
            Vector256<double> be = Vector256.Create(beta);
            UpdateF64(c, c00, c01, al, be);
            UpdateF64(c + ldc, c10, c11, al, be);
            UpdateF64(c + 2 * ldc, c20, c21, al, be);
            UpdateF64(c + 3 * ldc, c30, c31, al, be);
            UpdateF64(c + 4 * ldc, c40, c41, al, be);
            UpdateF64(c + 5 * ldc, c50, c51, al, be);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreF64(double* c, Vector256<double> x0, Vector256<double> x1)
    {
        Avx.Store(c, x0);
        Avx.Store(c + 4, x1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateF64(double* c, Vector256<double> x0, Vector256<double> x1, Vector256<double> al, Vector256<double> be)
    {
        Avx.Store(c, Fma.MultiplyAdd(x0, al, be * Avx.LoadVector256(c)));
        Avx.Store(c + 4, Fma.MultiplyAdd(x1, al, be * Avx.LoadVector256(c + 4)));
    }

    /// <summary>
    /// Portable 4×2W tile on <see cref="Vector{T}"/> (W lanes), for machines without AVX2 + FMA. Multiply and add
    /// stay separate roundings, which <see cref="MergeEdge"/> mirrors.
    /// </summary>
    private static void KernelVector<T>(int kc, T* a, T* b, T* c, nint ldc, T alpha, T beta, bool betaZero)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count;
        Vector<T> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector<T> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector<T> b0 = Unsafe.ReadUnaligned<Vector<T>>(b);
            Vector<T> b1 = Unsafe.ReadUnaligned<Vector<T>>(b + w);
            Vector<T> av = new(a[0]);
            c00 += av * b0;
            c01 += av * b1;
            av = new Vector<T>(a[1]);
            c10 += av * b0;
            c11 += av * b1;
            av = new Vector<T>(a[2]);
            c20 += av * b0;
            c21 += av * b1;
            av = new Vector<T>(a[3]);
            c30 += av * b0;
            c31 += av * b1;
            a += 4;
            b += 2 * w;
        }
        Vector<T> al = new(alpha), be = new(beta);
        WriteVector(c, w, c00, c01, al, be, betaZero);
        WriteVector(c + ldc, w, c10, c11, al, be, betaZero);
        WriteVector(c + 2 * ldc, w, c20, c21, al, be, betaZero);
        WriteVector(c + 3 * ldc, w, c30, c31, al, be, betaZero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteVector<T>(T* c, int w, Vector<T> x0, Vector<T> x1, Vector<T> al, Vector<T> be, bool betaZero)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (betaZero)
        {
            Unsafe.WriteUnaligned(c, x0 * al);
            Unsafe.WriteUnaligned(c + w, x1 * al);
        }
        else
        {
            Unsafe.WriteUnaligned(c, x0 * al + be * Unsafe.ReadUnaligned<Vector<T>>(c));
            Unsafe.WriteUnaligned(c + w, x1 * al + be * Unsafe.ReadUnaligned<Vector<T>>(c + w));
        }
    }
}
