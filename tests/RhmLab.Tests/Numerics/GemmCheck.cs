using System.Numerics;
using RhmLab.Numerics;

namespace RhmLab.Tests.Numerics;

/// <summary>Runs a provider on random operands and compares it with <see cref="ReferenceMatMul"/> in double precision.</summary>
internal static class GemmCheck
{
    /// <summary>Shapes (m, n, k): degenerate, odd, and ones that cross the managed provider's tile and cache blocks.</summary>
    public static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (7, 13, 5), (65, 33, 129), (6, 16, 8), (1, 40, 3), (40, 1, 17), (13, 35, 257),
        (9, 20, 600), (145, 17, 9), (73, 9, 10), (3, 4100, 5), (150, 40, 300),
    ];

    public static TheoryData<int, int, int, string> ShapesAndTypes()
    {
        var data = new TheoryData<int, int, int, string>();
        foreach (var (m, n, k) in Shapes)
        {
            data.Add(m, n, k, "float");
            data.Add(m, n, k, "double");
        }
        return data;
    }

    /// <summary>(α, β, β = 0 with a NaN-filled C, extra leading-dimension padding).</summary>
    public static readonly (double Alpha, double Beta, bool NanC, int Pad)[] Variants =
    [
        (1, 0, true, 3), (0.75, -1.5, false, 0), (-2, 1, false, 5), (1, 0, true, 0),
    ];

    /// <summary>Every transpose combination and every variant of one shape.</summary>
    public static void AllCombinations(IMatMul provider, int m, int n, int k, string type, int seed = 1)
    {
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                foreach (var (alpha, beta, nanC, pad) in Variants)
                {
                    if (type == "float")
                        Run<float>(provider, m, n, k, ta, tb, alpha, beta, nanC, pad, seed++);
                    else
                        Run<double>(provider, m, n, k, ta, tb, alpha, beta, nanC, pad, seed++);
                }
    }

    public sealed record Operands<T>(T[] A, int Lda, T[] B, int Ldb, T[] C, int Ldc) where T : unmanaged;

    /// <summary>
    /// Random operands in [-1, 1]. Padding past each row's logical end is NaN in A and B, so reading it would
    /// poison the result, and a sentinel in C, so writing it is detected.
    /// </summary>
    public static Operands<T> Make<T>(int m, int n, int k, bool ta, bool tb, bool nanC, int pad, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        (int ar, int ac) = ta ? (k, m) : (m, k);
        (int br, int bc) = tb ? (n, k) : (k, n);
        int lda = Math.Max(1, ac + pad), ldb = Math.Max(1, bc + pad), ldc = Math.Max(1, n + pad);
        T[] a = Matrix<T>(rng, ar, ac, lda, T.NaN, false);
        T[] b = Matrix<T>(rng, br, bc, ldb, T.NaN, false);
        T[] c = Matrix<T>(rng, m, n, ldc, Sentinel<T>(), nanC);
        return new Operands<T>(a, lda, b, ldb, c, ldc);
    }

    public static T Sentinel<T>() where T : IFloatingPointIeee754<T> => T.CreateTruncating(12345.0);

    private static T[] Matrix<T>(Random rng, int rows, int cols, int ld, T padding, bool nan)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = new T[rows * ld];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < ld; j++)
                x[i * ld + j] = j >= cols ? padding : nan ? T.NaN : T.CreateTruncating(rng.NextDouble() * 2 - 1);
        return x;
    }

    public static void Run<T>(IMatMul provider, int m, int n, int k, bool ta, bool tb, double alpha, double beta,
        bool nanC, int pad, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var op = Make<T>(m, n, k, ta, tb, nanC, pad, seed);
        T[] c0 = (T[])op.C.Clone();
        provider.Gemm(ta, tb, m, n, k, T.CreateTruncating(alpha), op.A, op.Lda, op.B, op.Ldb, T.CreateTruncating(beta),
            op.C, op.Ldc);
        Compare(provider.Name, m, n, k, ta, tb, alpha, beta, op with { C = c0 }, op.C);
    }

    /// <summary>
    /// Checks <paramref name="result"/> against the double-precision oracle with the rigorous bound for recursive
    /// summation, |error| ≤ 2(k+4)·ε·(|α|·|op(A)|·|op(B)| + |β|·|C|) elementwise, which no correct summation order
    /// exceeds but any misplaced or missing term does. Padding of C must be untouched.
    /// </summary>
    public static void Compare<T>(string name, int m, int n, int k, bool ta, bool tb, double alpha, double beta,
        Operands<T> before, T[] result) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var reference = new ReferenceMatMul();
        double[] a = ToDouble(before.A), b = ToDouble(before.B), c = ToDouble(before.C);
        double[] expected = (double[])c.Clone();
        reference.Gemm(ta, tb, m, n, k, alpha, a, before.Lda, b, before.Ldb, beta, expected, before.Ldc);
        double[] bound = Array.ConvertAll(c, Math.Abs);
        reference.Gemm(ta, tb, m, n, k, Math.Abs(alpha), Abs(a), before.Lda, Abs(b), before.Ldb, Math.Abs(beta), bound,
            before.Ldc);
        double eps = typeof(T) == typeof(float) ? Math.Pow(2, -23) : Math.Pow(2, -52);
        double tol = 2.0 * (k + 4) * eps;
        string where = $"{name} {typeof(T).Name} m={m} n={n} k={k} transA={ta} transB={tb} alpha={alpha} beta={beta} ldc={before.Ldc}";
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < before.Ldc; j++)
            {
                int idx = i * before.Ldc + j;
                double got = double.CreateTruncating(result[idx]);
                if (j >= n)
                {
                    Assert.True(result[idx] == Sentinel<T>(), $"{where}: padding C[{i},{j}] was overwritten with {got}");
                    continue;
                }
                double want = expected[idx];
                Assert.True(double.IsFinite(got), $"{where}: C[{i},{j}] = {got}");
                Assert.True(Math.Abs(got - want) <= tol * bound[idx] + 1e-300,
                    $"{where}: C[{i},{j}] = {got}, expected {want} (bound {tol * bound[idx]})");
            }
        }
    }

    private static double[] ToDouble<T>(T[] x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Array.ConvertAll(x, double.CreateTruncating);

    private static double[] Abs(double[] x) => Array.ConvertAll(x, Math.Abs);
}
