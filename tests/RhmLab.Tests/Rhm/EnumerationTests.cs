using System.Numerics;
using CsCheck;
using RhmLab.Data;
using RhmLab.Rhm;

namespace RhmLab.Tests.Rhm;

/// <summary>The index ↔ datum bijection (docs/METHODS.md §1.5–1.6), including the BigInteger path.</summary>
public class EnumerationTests
{
    [Fact]
    public void EnumerationIsABijectionOntoAllData()
    {
        Models.Enumerable.Sample(c =>
        {
            var g = c.Grammar();
            var p = c.P;
            var e = new Enumeration(p);
            long pMax = (long)p.PMax;
            long classSize = (long)p.ClassSize;
            Assert.Equal(p.Classes * classSize, pMax);
            var seen = new HashSet<string>();
            var perClass = new int[p.Classes];
            var choices = new int[p.ChoiceCount];
            var parsed = new int[p.ChoiceCount];
            for (long i = 0; i < pMax; i++)
            {
                int label = e.Decode(i, choices);
                Assert.All(choices, d => Assert.InRange(d, 0, p.Synonyms - 1));
                Assert.Equal(i, e.Encode(label, choices));                     // encode ∘ decode = id
                var x = Models.Generate(g, label, choices);
                Assert.True(seen.Add(Models.Key(x)), $"index {i} gives the same string as an earlier index");
                Assert.True(g.TryParse(x, out int back, parsed));
                Assert.Equal(label, back);
                Assert.Equal(i, e.Encode(back, parsed));                       // parse recovers the index
                perClass[back]++;
            }
            Assert.Equal(pMax, seen.Count);
            // Class balance: each class has exactly m^N members.
            Assert.All(perClass, n => Assert.Equal(classSize, n));
            Assert.Throws<ArgumentOutOfRangeException>(() => e.Decode(pMax, choices));
            Assert.Throws<ArgumentOutOfRangeException>(() => e.Decode(-1L, choices));
        }, iter: 60, print: c => c.ToString());
    }

    [Fact]
    public void InTheMaximalCaseTheDataAreAllStrings()
    {
        Models.Maximal.Sample(c =>
        {
            var g = c.Grammar();
            var p = c.P;
            long all = (long)Math.Pow(p.Vocabulary, p.InputLength);
            Assert.Equal(all, (long)p.PMax);
            var tokens = new ushort[p.InputLength];
            var choices = new int[p.ChoiceCount];
            var e = new Enumeration(p);
            var hit = new bool[all];
            for (long code = 0; code < all; code++)
            {
                long r = code;
                for (int q = p.InputLength - 1; q >= 0; q--) { tokens[q] = (ushort)(r % p.Vocabulary); r /= p.Vocabulary; }
                Assert.True(g.TryParse(tokens, out int label, choices), $"string {Models.Key(tokens)} is no datum");
                long i = e.Encode(label, choices);
                Assert.False(hit[i]);
                hit[i] = true;
            }
        }, iter: 30, print: c => c.ToString());
    }

    [Fact]
    public void LongAndBigIntegerDecodingAgree()
    {
        Models.Small.Select(Gen.ULong).Sample((c, seed) =>
        {
            var e = new Enumeration(c.P);
            Assert.True(e.FitsInt64);
            var rng = new Rng(seed);
            var a = new int[c.P.ChoiceCount];
            var b = new int[c.P.ChoiceCount];
            foreach (long i in new[] { 0L, (long)c.P.PMax - 1, (long)rng.NextBelow((ulong)c.P.PMax) })
            {
                Assert.Equal(e.Decode(i, a), e.Decode(new BigInteger(i), b));
                Assert.Equal(a, b);
                Assert.Equal(new BigInteger(e.Encode(e.Decode(i, a), a)), e.EncodeBig(e.Decode(new BigInteger(i), b), b));
            }
        }, iter: Models.Iter);
    }

    [Fact]
    public void MixedRadixDigitsAreClassThenChoicesMostSignificantFirst()
    {
        // n_c = 3, m = 2, s = 2, L = 2: N = 3, i = α·8 + 4·c0 + 2·c1 + c2.
        var e = new Enumeration(new RhmParameters(3, 2, 2, 2, 2));
        var c = new int[3];
        Assert.Equal(2, e.Decode(2 * 8 + 4 * 1 + 2 * 1 + 0, c));
        Assert.Equal([1, 1, 0], c);
        Assert.Equal(0, e.Decode(1, c));
        Assert.Equal([0, 0, 1], c);
    }

    [Fact]
    public void PMaxOf2To63IsTheFirstBigIntegerModel()
    {
        // n_c = 2, m = 4, s = 2, L = 5: N = 31, P_max = 2·4^31 = 2^63, one more than long.MaxValue.
        var p = new RhmParameters(2, 4, 4, 2, 5);
        Assert.Equal(BigInteger.Pow(2, 63), p.PMax);
        Assert.False(p.FitsInt64);
        var e = new Enumeration(p);
        Assert.False(e.FitsInt64);
        var c = new int[p.ChoiceCount];
        Assert.Equal(1, e.Decode(long.MaxValue, c));
        Assert.All(c, d => Assert.Equal(3, d));
        Assert.Equal(new BigInteger(long.MaxValue), e.EncodeBig(1, c));
        Assert.Throws<InvalidOperationException>(() => e.Encode(1, c));
        // One below: 3^32 ≈ 1.85e15 fits a long.
        Assert.True(new RhmParameters(3, 3, 3, 2, 5).FitsInt64);
    }

    /// <summary>n_c = m = v = 6, s = 2, L = 5: P_max = 6^32 ≈ 7.96e24 &gt; 2^63.</summary>
    private static readonly RhmParameters Big = new(6, 6, 6, 2, 5);

    [Fact]
    public void BigIntegerIndicesNearPMaxDecodeAndEncode()
    {
        var p = Big;
        Assert.Equal(BigInteger.Pow(6, 32), p.PMax);
        Assert.False(p.FitsInt64);
        var g = Grammar.Sample(p, 3);
        var e = new Enumeration(p);
        var choices = new int[p.ChoiceCount];
        var parsed = new int[p.ChoiceCount];
        var last = p.PMax - 1;
        Assert.Equal(5, e.Decode(last, choices));
        Assert.All(choices, d => Assert.Equal(5, d));
        var rng = new Rng(11);
        var samples = new List<BigInteger> { last, last - 1, p.ClassSize, p.ClassSize - 1, new BigInteger(long.MaxValue), new BigInteger(long.MaxValue) + 1 };
        for (int k = 0; k < 50; k++) samples.Add(rng.NextBelow(p.PMax));
        foreach (var i in samples)
        {
            int label = e.Decode(i, choices);
            Assert.Equal(i, e.EncodeBig(label, choices));
            Assert.Equal(i / p.ClassSize, new BigInteger(label));
            var x = Models.Generate(g, label, choices);
            Assert.True(g.TryParse(x, out int back, parsed));
            Assert.Equal(label, back);
            Assert.Equal(i, e.EncodeBig(back, parsed));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => e.Decode(p.PMax, choices));
        Assert.Throws<ArgumentOutOfRangeException>(() => e.Decode(BigInteger.MinusOne, choices));
    }

    [Fact]
    public void BigIntegerSplitSamplesDecodesAndParsesBack()
    {
        var p = Big;
        var g = Grammar.Sample(p, 8);
        var split = DataSplit.Sample(g, 300, 100, new SamplingOptions(4, 4));
        Assert.Null(split.Train.Indices);
        Assert.NotNull(split.Train.BigIndices);
        Assert.NotNull(split.Test.BigIndices);
        var all = split.Train.BigIndices!.Concat(split.Test.BigIndices!).ToArray();
        Assert.Equal(400, all.Distinct().Count());
        Assert.All(all, i => Assert.True(i.Sign >= 0 && i < p.PMax));
        // The indices spread over the whole range (not only the low 2^63): about 1 − 2^63/P_max ≈ 100 % lie above.
        Assert.True(all.Count(i => i > long.MaxValue) > 390);
        var e = new Enumeration(p);
        var choices = new int[p.ChoiceCount];
        foreach (var ds in new[] { split.Train, split.Test })
        {
            for (int n = 0; n < ds.Count; n++)
            {
                Assert.True(g.TryParse(ds.Tokens(n), out int label, choices));
                Assert.Equal(ds.Labels[n], label);
                Assert.Equal(ds.BigIndices![n], e.EncodeBig(label, choices));
            }
        }
        // Same seeds, same data.
        var again = DataSplit.Sample(g, 300, 100, new SamplingOptions(4, 4));
        Assert.Equal(split.Train.BigIndices, again.Train.BigIndices);
        Assert.Equal(split.Train.TokenData, again.Train.TokenData);
    }
}
