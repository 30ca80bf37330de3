using RhmLab.Evaluation;
using RhmLab.Numerics;
using RhmLab.Rhm;

namespace RhmLab.Tests.Evaluation;

public class PackedGemmTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 17, 3)]
    [InlineData(130, 33, 300)]   // crosses the row-block and depth-block edges
    [InlineData(5, 300, 257)]
    public void MatchesTheReferenceForEveryTransposeInDouble(int m, int n, int k)
    {
        var rng = new Rng(3);
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
            {
                int lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3;
                var a = TestMatrices.Gaussian(rng, (ta ? k : m) * lda);
                var b = TestMatrices.Gaussian(rng, (tb ? n : k) * ldb);
                var c0 = TestMatrices.Gaussian(rng, m * ldc);
                var expected = (double[])c0.Clone();
                var actual = (double[])c0.Clone();
                new ReferenceMatMul().Gemm(ta, tb, m, n, k, 0.7, a, lda, b, ldb, -1.3, expected, ldc);
                new PackedGemm(2).Gemm(ta, tb, m, n, k, 0.7, a, lda, b, ldb, -1.3, actual, ldc);
                Assert.True(TestMatrices.MaxAbsDiff(expected, actual) < 1e-11 * k, $"ta={ta} tb={tb}");
            }
    }

    [Fact]
    public void MatchesTheReferenceInFloatAndOverwritesWhenBetaIsZero()
    {
        var rng = new Rng(4);
        int m = 45, n = 70, k = 90;
        var a = Array.ConvertAll(TestMatrices.Gaussian(rng, m * k), x => (float)x);
        var b = Array.ConvertAll(TestMatrices.Gaussian(rng, n * k), x => (float)x);
        var expected = new float[m * n];
        var actual = new float[m * n];
        Array.Fill(actual, float.NaN);
        new ReferenceMatMul().Gemm(false, true, m, n, k, 1f, a, k, b, k, 0f, expected, n);
        new PackedGemm(1).Gemm(false, true, m, n, k, 1f, a, k, b, k, 0f, actual, n);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4f);
    }

    [Fact]
    public void ResultDoesNotDependOnTheThreadCount()
    {
        var rng = new Rng(5);
        int m = 300, n = 200, k = 600;
        var a = TestMatrices.Gaussian(rng, m * k);
        var b = TestMatrices.Gaussian(rng, k * n);
        var c1 = new double[m * n];
        var c4 = new double[m * n];
        new PackedGemm(1).Gemm(false, false, m, n, k, 1.0, a, k, b, n, 0.0, c1, n);
        new PackedGemm(4).Gemm(false, false, m, n, k, 1.0, a, k, b, n, 0.0, c4, n);
        Assert.Equal(c1, c4);
    }

    [Fact]
    public void EmptyDepthScalesC()
    {
        var c = new double[] { 1, 2, 3, 4 };
        new PackedGemm(1).Gemm(false, false, 2, 2, 0, 1.0, Array.Empty<double>(), 1, Array.Empty<double>(), 2, 2.0, c, 2);
        Assert.Equal(new double[] { 2, 4, 6, 8 }, c);
    }
}
