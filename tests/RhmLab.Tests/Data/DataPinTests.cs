using System.Numerics;
using RhmLab.Data;
using RhmLab.Rhm;

namespace RhmLab.Tests.Data;

/// <summary>
/// Pins the exact indices, labels and tokens that a seed produces, so that optimisations of the sampling and
/// decoding paths provably change nothing. The expected values were recorded with the unoptimised code.
/// </summary>
public class DataPinTests
{
    private static ulong Fnv(ulong h, long x)
    {
        for (int b = 0; b < 8; b++) { h ^= (byte)(x >> (8 * b)); h *= 1099511628211UL; }
        return h;
    }

    private const ulong FnvStart = 14695981039346656037UL;

    private static ulong Hash(Dataset ds)
    {
        ulong h = FnvStart;
        if (ds.Indices != null) foreach (long x in ds.Indices) h = Fnv(h, x);
        if (ds.BigIndices != null) foreach (var x in ds.BigIndices) h = Fnv(h, (long)(ulong)(x & ulong.MaxValue));
        foreach (int y in ds.Labels) h = Fnv(h, y);
        foreach (ushort t in ds.TokenData) h = Fnv(h, t);
        return h;
    }

    private static ulong Hash(long[] xs)
    {
        ulong h = FnvStart;
        foreach (long x in xs) h = Fnv(h, x);
        return h;
    }

    [Theory]
    // bitmap rejection (P_max = 2^24), the benchmark's shape
    [InlineData(8, 8, 8, 2, 3, 1L, 100_000, 20_000, 4434799055226521058UL, 18426441076863763695UL)]
    // dense Fisher–Yates (P_max = 16)
    [InlineData(2, 2, 2, 2, 2, 7L, 10, 6, 16362431251038320514UL, 15142552546977466050UL)]
    // m not a power of two, s = 3 (P_max = 324, dense)
    [InlineData(4, 3, 5, 3, 2, 3L, 100, 50, 16627767862206295283UL, 3994579152599110985UL)]
    // m not a power of two, bitmap rejection (P_max = 2·7^7 = 1 647 086)
    // Sampled by sparse Fisher–Yates since sampling is chosen by P_max alone (nested splits across P).
    [InlineData(2, 7, 7, 2, 3, 5L, 30_000, 1_000, 9448223886825214461UL, 1675442444119655230UL)]
    // hash-set rejection, P_max = 2^48
    [InlineData(8, 8, 8, 2, 4, 11L, 20_000, 1_000, 2941580741485058913UL, 9487195398485385189UL)]
    // P_max = 10·10^15 = 1e16 (class size not a power of two, above 2^32)
    [InlineData(10, 10, 10, 2, 4, 2L, 20_000, 1_000, 14175806454153540350UL, 12234161721864999395UL)]
    public void SplitIsPinned(int nc, int m, int v, int s, int L, long seed, int train, int test, ulong trainHash, ulong testHash)
    {
        var g = Grammar.Sample(new RhmParameters(nc, m, v, s, L), seed);
        var split = DataSplit.Sample(g, train, test, new SamplingOptions(seed, seed));
        Assert.Equal((trainHash, testHash), (Hash(split.Train), Hash(split.Test)));
    }

    [Fact]
    public void BigIntegerDecodeIsPinned()
    {
        var g = Grammar.Sample(new RhmParameters(6, 6, 6, 2, 5), 4);
        var split = DataSplit.Sample(g, 2000, 500, new SamplingOptions(4, 4));
        Assert.Null(split.Train.Indices);
        Assert.Equal((14526526971201221579UL, 17344558387713634101UL), (Hash(split.Train), Hash(split.Test)));
    }

    [Theory]
    // bitmap rejection even for more than a quarter of P_max (P_max > 2^22: sampling depends on P_max alone)
    [InlineData(5_000_000L, 1_300_000, 9937357086600214822UL)]
    // bitmap rejection
    [InlineData(16_777_216L, 200_000, 10128929171840639885UL)]
    // hash-set rejection
    [InlineData(1L << 40, 100_000, 10057501943908423380UL)]
    public void IndexSamplerIsPinned(long pMax, int count, ulong expected)
    {
        var rng = Rng.ForStream(9, "sample");
        var xs = IndexSampler.Distinct(pMax, count, rng);
        // The state after sampling is pinned too: callers may keep drawing from the same stream.
        Assert.Equal(expected, Fnv(Hash(xs), (long)rng.NextUInt64()));
    }

    [Fact]
    public void ExplicitValuesOfTheBenchmarkShape()
    {
        var g = Grammar.Sample(new RhmParameters(8, 8, 8, 2, 3), 1);
        var split = DataSplit.Sample(g, 10, 3, new SamplingOptions(1, 1));
        Assert.Equal(new long[] { 13394940, 3839287, 7679665 }, split.Test.Indices);
        Assert.Equal(new int[] { 6, 1, 3 }, split.Test.Labels);
        Assert.Equal(new ushort[] { 6, 4, 2, 3, 0, 1, 1, 6 }, split.Test.Tokens(0).ToArray());
        Assert.Equal(new ushort[] { 2, 0, 3, 3, 6, 5, 7, 7 }, split.Test.Tokens(2).ToArray());
    }
}
