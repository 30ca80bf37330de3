using System.Numerics;
using CsCheck;
using RhmLab.Data;
using RhmLab.Rhm;

namespace RhmLab.Tests.Rhm;

/// <summary>Train/test sampling (docs/METHODS.md §1.7): <see cref="DataSplit"/> and <see cref="IndexSampler"/>.</summary>
public class SamplingTests
{
    private static readonly Gen<(ModelCase Case, int Train, int Test, long Seed)> Splits =
        Models.Small.Where(c => c.P.PMax >= 2).SelectMany(c =>
        {
            int cap = (int)BigInteger.Min(c.P.PMax, 600);
            return Gen.Int[1, cap].SelectMany(train => Gen.Select(Gen.Int[0, cap - train], Gen.Long, (test, seed) => (c, train, test, seed)));
        });

    [Fact]
    public void TrainAndTestAreDistinctDisjointAndExactlySized()
    {
        Splits.Sample((c, train, test, seed) =>
        {
            var g = c.Grammar();
            foreach (var mode in new[] { SplitMode.TestFirstNested, SplitMode.Joint })
            {
                var split = DataSplit.Sample(g, train, test, new SamplingOptions(seed, seed ^ 77, SamplingMode.Distinct, mode));
                Assert.Equal(train, split.Train.Count);
                Assert.Equal(test, split.Test.Count);
                Assert.Equal(0, split.Duplicates);
                var tr = split.Train.Indices!;
                var te = split.Test.Indices!;
                Assert.Equal(train, tr.Distinct().Count());
                Assert.Equal(test, te.Distinct().Count());
                Assert.Empty(tr.Intersect(te));
                Assert.All(tr.Concat(te), i => Assert.InRange(i, 0, (long)c.P.PMax - 1));
                CheckRowsMatchIndices(g, split.Train);
                CheckRowsMatchIndices(g, split.Test);
            }
        }, iter: Models.Iter, print: t => $"{t.Item1} P={t.Item2} T={t.Item3} sample seed={t.Item4}");
    }

    private static void CheckRowsMatchIndices(Grammar g, Dataset ds)
    {
        var choices = new int[g.Parameters.ChoiceCount];
        var e = new Enumeration(g.Parameters);
        for (int n = 0; n < ds.Count; n++)
        {
            Assert.Equal(g.Datum(ds.Indices![n]), ds.Tokens(n).ToArray());
            Assert.True(g.TryParse(ds.Tokens(n), out int label, choices));
            Assert.Equal(ds.Labels[n], label);
            Assert.Equal(ds.Indices[n], e.Encode(label, choices));
        }
    }

    /// <summary>
    /// One sample seed, a sweep over P with a fixed T: identical test sets, and each training set is a prefix of the
    /// next. The sweep crosses P + T = P_max/4 (where IndexSampler used to switch between rejection and
    /// Fisher–Yates) and goes up to P + T = P_max.
    /// </summary>
    [Theory]
    [InlineData(4, 4, 4, 2, 2, 20)]     // P_max = 256
    [InlineData(2, 2, 2, 2, 3, 7)]      // P_max = 256
    [InlineData(3, 3, 3, 2, 3, 100)]    // P_max = 6561
    public void TestFirstNestedKeepsTheTestSetAndNestsTrainingSets(int nc, int m, int v, int s, int l, int test)
    {
        var p = new RhmParameters(nc, m, v, s, l);
        var g = Grammar.Sample(p, 1);
        int pMax = (int)p.PMax;
        var sizes = new[] { 1, 2, 10, pMax / 4 - test - 1, pMax / 4 - test, pMax / 4 - test + 1, pMax / 2, pMax - test }
            .Where(x => x >= 1 && x <= pMax - test).Distinct().Order().ToArray();
        for (long seed = 0; seed < 3; seed++)
        {
            var splits = sizes.Select(P => DataSplit.Sample(g, P, test, new SamplingOptions(seed, seed))).ToArray();
            for (int k = 1; k < splits.Length; k++)
            {
                Assert.Equal(splits[0].Test.Indices, splits[k].Test.Indices);
                var small = splits[k - 1].Train.Indices!;
                var large = splits[k].Train.Indices!;
                Assert.True(small.SequenceEqual(large.Take(small.Length)),
                    $"seed {seed}: train(P = {small.Length}) is not a prefix of train(P = {large.Length})");
            }
        }
    }

    [Fact]
    public void TestFirstNestedNestsForRandomModels()
    {
        Splits.Where(t => t.Train >= 2).Sample((c, train, test, seed) =>
        {
            var g = c.Grammar();
            var o = new SamplingOptions(seed, seed);
            var big = DataSplit.Sample(g, train, test, o);
            var small = DataSplit.Sample(g, train / 2, test, o);
            Assert.Equal(big.Test.Indices, small.Test.Indices);
            Assert.Equal(big.Train.Indices!.Take(train / 2), small.Train.Indices!);
            Assert.Equal(big.Train.TokenData.AsSpan(0, small.Train.TokenData.Length).ToArray(), small.Train.TokenData);
        }, iter: Models.Iter, print: t => $"{t.Item1} P={t.Item2} T={t.Item3} sample seed={t.Item4}");
    }

    [Fact]
    public void JointModeDiffersAndRedrawsTheTestSet()
    {
        var p = new RhmParameters(4, 4, 4, 2, 3);   // P_max = 65536
        var g = Grammar.Sample(p, 2);
        var nested = DataSplit.Sample(g, 300, 200, new SamplingOptions(5, 6));
        var joint = DataSplit.Sample(g, 300, 200, new SamplingOptions(5, 6, SamplingMode.Distinct, SplitMode.Joint));
        var joint2 = DataSplit.Sample(g, 600, 200, new SamplingOptions(5, 6, SamplingMode.Distinct, SplitMode.Joint));
        Assert.NotEqual(nested.Test.Indices, joint.Test.Indices);
        Assert.NotEqual(nested.Train.Indices, joint.Train.Indices);
        // Joint cuts a shuffled copy of the same sample, so the union is the same set.
        var u1 = nested.Train.Indices!.Concat(nested.Test.Indices!).Order();
        var u2 = joint.Train.Indices!.Concat(joint.Test.Indices!).Order();
        Assert.Equal(u1, u2);
        // The test set changes with P under joint.
        Assert.NotEqual(joint.Test.Indices, joint2.Test.Indices);
        // The split seed matters only in joint mode.
        var otherSplitSeed = DataSplit.Sample(g, 300, 200, new SamplingOptions(5, 7, SamplingMode.Distinct, SplitMode.Joint));
        Assert.NotEqual(joint.Test.Indices, otherSplitSeed.Test.Indices);
        var nestedOtherSplitSeed = DataSplit.Sample(g, 300, 200, new SamplingOptions(5, 7));
        Assert.Equal(nested.Test.Indices, nestedOtherSplitSeed.Test.Indices);
        Assert.Equal(nested.Train.Indices, nestedOtherSplitSeed.Train.Indices);
        // Another sample seed gives other data.
        Assert.NotEqual(nested.Train.Indices, DataSplit.Sample(g, 300, 200, new SamplingOptions(8, 6)).Train.Indices);
    }

    [Fact]
    public void RequestsBeyondPMaxAreRejected()
    {
        var g = Grammar.Sample(new RhmParameters(2, 2, 2, 2, 2), 1);   // P_max = 16
        var o = new SamplingOptions(1, 1);
        DataSplit.Sample(g, 10, 6, o);
        Assert.Contains("P_max", Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.Sample(g, 10, 7, o)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.Sample(g, 0, 5, o));
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.Sample(g, 5, -1, o));
        Assert.Equal(6, DataSplit.DefaultTestSize(g.Parameters, 10));
        Assert.Equal(20000, DataSplit.DefaultTestSize(new RhmParameters(4, 4, 4, 2, 3), 1000));
    }

    [Fact]
    public void IidModeCountsDuplicates()
    {
        var g = Grammar.Sample(new RhmParameters(2, 2, 2, 2, 2), 1);   // P_max = 16
        var split = DataSplit.Sample(g, 20, 10, new SamplingOptions(3, 3, SamplingMode.Iid));
        Assert.Equal(20, split.Train.Count);
        Assert.Equal(10, split.Test.Count);
        var all = split.Train.Indices!.Concat(split.Test.Indices!).ToArray();
        Assert.Equal(30 - all.Distinct().Count(), split.Duplicates);
        Assert.True(split.Duplicates >= 14);
        CheckRowsMatchIndices(g, split.Train);
        CheckRowsMatchIndices(g, split.Test);
        // Large P_max: duplicates are rare but still counted exactly.
        var g2 = Grammar.Sample(new RhmParameters(3, 3, 3, 2, 2), 1);  // P_max = 3·3^3 = 81
        var s2 = DataSplit.Sample(g2, 60, 0, new SamplingOptions(9, 9, SamplingMode.Iid));
        Assert.Equal(60 - s2.Train.Indices!.Distinct().Count(), s2.Duplicates);
        Assert.True(s2.Duplicates > 0);
    }

    [Fact]
    public void ClassFrequenciesAreNearOneOverNc()
    {
        foreach (var (p, seed) in new[] { (new RhmParameters(4, 4, 4, 2, 3), 1L), (new RhmParameters(3, 2, 3, 2, 3), 2L), (new RhmParameters(6, 6, 6, 2, 5), 3L) })
        {
            var g = Grammar.Sample(p, seed);
            int n = p.PMax > 40000 ? 20000 : (int)p.PMax / 2;
            var split = DataSplit.Sample(g, n, 0, new SamplingOptions(seed, seed));
            var counts = split.Train.ClassCounts();
            double chi = Models.ChiSquareUniform(counts);
            Assert.True(chi < Models.ChiSquareBound(p.Classes - 1), $"{p}: class counts {string.Join(' ', counts)}, chi-square {chi:F1}");
            Assert.All(counts, k => Assert.InRange(k / (double)n, 1.0 / p.Classes - 0.03, 1.0 / p.Classes + 0.03));
        }
    }

    // ---- IndexSampler: the three paths ----

    /// <summary>The reference: a plain partial Fisher–Yates over an array, with the same draws.</summary>
    private static long[] ReferenceFisherYates(long pMax, int count, Rng rng)
    {
        var pool = new long[pMax];
        for (long i = 0; i < pMax; i++) pool[i] = i;
        var result = new long[count];
        for (int i = 0; i < count; i++)
        {
            long k = i + (long)rng.NextBelow((ulong)(pMax - i));
            (pool[i], pool[k]) = (pool[k], pool[i]);
            result[i] = pool[i];
        }
        return result;
    }

    private static void AssertDistinctInRange(IReadOnlyCollection<long> xs, long pMax, int count)
    {
        Assert.Equal(count, xs.Count);
        Assert.Equal(count, xs.Distinct().Count());
        Assert.All(xs, x => Assert.InRange(x, 0, pMax - 1));
    }

    [Theory]
    [InlineData(1L, 1)]
    [InlineData(10L, 10)]            // the whole range: a permutation
    [InlineData(1000L, 600)]         // dense Fisher–Yates
    [InlineData(1000L, 100)]         // sparse Fisher–Yates
    [InlineData(1L << 22, 5000)]     // sparse Fisher–Yates
    [InlineData((1L << 22) + 1, 5000)]   // rejection with a bitmap
    [InlineData((1L << 28) + 1, 5000)]   // rejection with a hash set
    [InlineData(long.MaxValue, 5000)]
    public void DistinctGivesDistinctIndicesInRange(long pMax, int count)
    {
        var xs = IndexSampler.Distinct(pMax, count, new Rng(7));
        AssertDistinctInRange(xs, pMax, count);
        Assert.Equal(xs, IndexSampler.Distinct(pMax, count, new Rng(7)));
        if (count > 1) Assert.NotEqual(xs, IndexSampler.Distinct(pMax, count, new Rng(8)));
    }

    /// <summary>
    /// Up to P_max = 2^22 every count uses Fisher–Yates: over a dictionary of displaced entries when at most a quarter
    /// of the range is requested, over a dense array above; both must equal the plain array algorithm.
    /// </summary>
    [Theory]
    [InlineData(1000L, 100)]          // sparse
    [InlineData(1000L, 250)]          // sparse, at the boundary
    [InlineData(1000L, 251)]          // dense
    [InlineData(1000L, 1000)]         // dense, a full permutation
    [InlineData(1L << 22, 3000)]      // sparse, the largest Fisher–Yates range
    public void FisherYatesPathsEqualTheReference(long pMax, int count)
    {
        var xs = IndexSampler.Distinct(pMax, count, new Rng(21));
        AssertDistinctInRange(xs, pMax, count);
        Assert.Equal(ReferenceFisherYates(pMax, count, new Rng(21)), xs);
    }

    /// <summary>For one seed, a shorter sequence is a prefix of a longer one, whichever path each count takes.</summary>
    [Theory]
    [InlineData(1000L, 10, 900)]
    [InlineData(1000L, 250, 251)]
    [InlineData(1L << 16, 100, 20000)]
    [InlineData((1L << 22) + 1, 100, 5000)]
    [InlineData(1L << 40, 10, 3000)]
    public void ShorterSequencesArePrefixesOfLongerOnes(long pMax, int small, int large)
    {
        var a = IndexSampler.Distinct(pMax, small, new Rng(5));
        var b = IndexSampler.Distinct(pMax, large, new Rng(5));
        AssertDistinctInRange(b, pMax, large);
        Assert.Equal(a, b[..small]);
    }

    [Fact]
    public void DistinctRejectsImpossibleRequests()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => IndexSampler.Distinct(10, 11, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => IndexSampler.Distinct(0, 0, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => IndexSampler.Distinct(10, -1, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => IndexSampler.Distinct(new BigInteger(10), 11, new Rng(1)));
    }

    /// <summary>
    /// Uniformity of the Fisher–Yates paths: over many draws, the value at a fixed position (first and last) is
    /// uniform over [0, P_max).
    /// </summary>
    [Theory]
    [InlineData(12L, 3, 12000)]              // count ≤ P_max/4: sparse Fisher–Yates
    [InlineData(12L, 9, 12000)]              // count > P_max/4: dense Fisher–Yates
    [InlineData(60L, 3, 12000)]              // sparse Fisher–Yates
    [InlineData(60L, 60, 6000)]              // dense, full permutations
    public void PositionsAreUniform(long pMax, int count, int reps)
    {
        int bins = (int)pMax;
        var first = new int[bins];
        var last = new int[bins];
        for (int r = 0; r < reps; r++)
        {
            var xs = IndexSampler.Distinct(pMax, count, new Rng((ulong)r * 7919 + 1));
            first[xs[0]]++;
            last[xs[^1]]++;
        }
        foreach (var counts in new[] { first, last })
        {
            double chi = Models.ChiSquareUniform(counts);
            Assert.True(chi < Models.ChiSquareBound(bins - 1), $"P_max {pMax}, count {count}: chi-square {chi:F1}: {string.Join(' ', counts)}");
        }
    }

    /// <summary>
    /// Uniformity of the rejection paths (bitmap and hash set): the values of one long sequence spread evenly over
    /// 16 equal ranges of [0, P_max) and over the 16 residues mod 16.
    /// </summary>
    [Theory]
    [InlineData((1L << 22) + 1)]     // bitmap
    [InlineData((1L << 28) + 1)]     // hash set
    [InlineData((1L << 40) + 7)]
    [InlineData(long.MaxValue)]
    public void RejectionValuesAreUniform(long pMax)
    {
        var xs = IndexSampler.Distinct(pMax, 32000, new Rng(17));
        AssertDistinctInRange(xs, pMax, xs.Length);
        var ranges = new int[16];
        var residues = new int[16];
        foreach (long x in xs)
        {
            ranges[(int)(new BigInteger(x) * 16 / pMax)]++;
            residues[(int)(x % 16)]++;
        }
        foreach (var counts in new[] { ranges, residues })
        {
            double chi = Models.ChiSquareUniform(counts);
            Assert.True(chi < Models.ChiSquareBound(15), $"P_max {pMax}: chi-square {chi:F1}: {string.Join(' ', counts)}");
        }
    }

    [Fact]
    public void BigIntegerDistinctIsUniformOverTheWholeRange()
    {
        var pMax = BigInteger.Pow(6, 32);
        var all = new List<BigInteger>();
        var counts = new int[16];
        for (int r = 0; r < 200; r++)
        {
            var xs = IndexSampler.Distinct(pMax, 40, new Rng((ulong)r + 100));
            Assert.Equal(40, xs.Distinct().Count());
            foreach (var x in xs)
            {
                Assert.True(x.Sign >= 0 && x < pMax);
                counts[(int)(x * 16 / pMax)]++;
            }
        }
        double chi = Models.ChiSquareUniform(counts);
        Assert.True(chi < Models.ChiSquareBound(15), $"chi-square {chi:F1}: {string.Join(' ', counts)}");
        // Values above 2^64 occur: the draw uses all bitlength(P_max) bits.
        Assert.Contains(IndexSampler.Distinct(pMax, 10, new Rng(1)), x => x > ulong.MaxValue);
        // Below 2^63 the BigInteger entry point uses the long path and gives the same sequence.
        Assert.Equal(IndexSampler.Distinct(1000L, 50, new Rng(3)).Select(x => new BigInteger(x)), IndexSampler.Distinct(new BigInteger(1000), 50, new Rng(3)));
    }

    [Fact]
    public void RngNextBelowBigIntegerIsInRangeAndUniform()
    {
        var rng = new Rng(99);
        // A bound just above a power of two: half the raw draws are rejected; a wrong mask would leave values ≥ n.
        var n = BigInteger.Pow(2, 70) + 1;
        var counts = new int[8];
        for (int i = 0; i < 8000; i++)
        {
            var x = rng.NextBelow(n);
            Assert.True(x.Sign >= 0 && x < n);
            counts[(int)(x * 8 / n)]++;
        }
        Assert.True(Models.ChiSquareUniform(counts) < Models.ChiSquareBound(7), string.Join(' ', counts));
    }
}
