using System.Numerics;
using RhmLab.Numerics;

namespace RhmLab.Tests.Numerics;

public class ManagedMatMulTests
{
    [Theory]
    [MemberData(nameof(GemmCheck.ShapesAndTypes), MemberType = typeof(GemmCheck))]
    public void MatchesReference(int m, int n, int k, string type) =>
        GemmCheck.AllCombinations(new ManagedMatMul(1), m, n, k, type);

    [Theory]
    [MemberData(nameof(GemmCheck.ShapesAndTypes), MemberType = typeof(GemmCheck))]
    public void PortableKernelMatchesReference(int m, int n, int k, string type) =>
        GemmCheck.AllCombinations(new ManagedMatMul(1, useIntrinsics: false), m, n, k, type);

    [Theory]
    [MemberData(nameof(GemmCheck.ShapesAndTypes), MemberType = typeof(GemmCheck))]
    public void ThreadedMatchesReference(int m, int n, int k, string type) =>
        GemmCheck.AllCombinations(new ManagedMatMul(3) { ParallelMinFlops = 0 }, m, n, k, type);

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void ResultsAreBitIdenticalAcrossCallsAndThreadCounts(bool ta, bool tb)
    {
        AssertBitIdentical<float>(ta, tb, useIntrinsics: true);
        AssertBitIdentical<double>(ta, tb, useIntrinsics: true);
        AssertBitIdentical<float>(ta, tb, useIntrinsics: false);
    }

    private static void AssertBitIdentical<T>(bool ta, bool tb, bool useIntrinsics)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Large enough to cross the k, m and n blocks and to leave edge tiles in both directions.
        const int m = 151, n = 75, k = 530;
        var op = GemmCheck.Make<T>(m, n, k, ta, tb, nanC: false, pad: 2, seed: 7);
        T[]? first = null;
        foreach (int threads in new[] { 1, 1, 2, 3, 4, 3 })
        {
            var provider = new ManagedMatMul(threads, useIntrinsics) { ParallelMinFlops = 0 };
            T[] c = (T[])op.C.Clone();
            provider.Gemm(ta, tb, m, n, k, T.CreateTruncating(0.5), op.A, op.Lda, op.B, op.Ldb, T.CreateTruncating(-0.25), c, op.Ldc);
            first ??= c;
            Assert.True(first.AsSpan().SequenceEqual(c), $"{typeof(T).Name} threads={threads}: result differs from the first run");
        }
    }

    [Fact]
    public void NameAndKernelAreRecorded()
    {
        var provider = new ManagedMatMul(2);
        Assert.Equal("managed", provider.Name);
        Assert.Equal(2, provider.Threads);
        Assert.False(string.IsNullOrEmpty(provider.Kernel));
        Assert.StartsWith("vector", new ManagedMatMul(1, useIntrinsics: false).Kernel);
    }

    [Fact]
    public void RejectsBadThreadCount() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ManagedMatMul(0));
}
