using RhmLab.Data;
using RhmLab.Rhm;

namespace RhmLab.Tests.Data;

/// <summary>The batch decoder against the definition: index ↔ digits (Horner) and generate ∘ parse.</summary>
public class DecodeTests
{
    [Theory]
    [InlineData(8, 8, 8, 2, 3)]
    [InlineData(6, 6, 6, 2, 3)]
    [InlineData(10, 10, 10, 2, 4)]
    [InlineData(3, 3, 3, 2, 5)]      // 31 base-3 digits: chunks of 20 digits below 2^32
    [InlineData(4, 3, 5, 3, 2)]
    [InlineData(2, 16, 16, 2, 3)]    // m = 2^4
    [InlineData(2, 1, 2, 2, 3)]      // m = 1: every digit is 0
    [InlineData(5, 4, 4, 4, 2)]
    public void DecodedDataParseBackToTheirIndex(int nc, int m, int v, int s, int L)
    {
        var p = new RhmParameters(nc, m, v, s, L);
        var g = Grammar.Sample(p, 5);
        var e = new Enumeration(p);
        var rng = new Rng(17);
        long pMax = (long)p.PMax;
        var indices = new long[2000];
        for (int i = 0; i < indices.Length; i++) indices[i] = (long)rng.NextBelow((ulong)pMax);
        indices[0] = 0;
        indices[1] = pMax - 1;
        var data = DataSplit.Decode(g, indices);
        var choices = new int[p.ChoiceCount];
        for (int i = 0; i < indices.Length; i++)
        {
            Assert.True(g.TryParse(data.Tokens(i), out int label, choices), $"index {indices[i]} does not parse");
            Assert.Equal(data.Labels[i], label);
            Assert.Equal(indices[i], e.Encode(label, choices));
            Assert.Equal(label, e.Decode(indices[i], choices));
            Assert.Equal(indices[i], e.Encode(label, choices));
        }
    }

    [Fact]
    public void ThreadsDoNotChangeTheDecodedData()
    {
        var p = new RhmParameters(8, 8, 8, 2, 3);
        var g = Grammar.Sample(p, 2);
        var indices = IndexSampler.Distinct((long)p.PMax, 100_000, new Rng(4));
        var one = DataSplit.Decode(g, indices, 1);
        var three = DataSplit.Decode(g, indices, 3);
        Assert.Equal(one.Labels, three.Labels);
        Assert.Equal(one.TokenData, three.TokenData);
    }

    [Fact]
    public void ClassesBeyondTheSixteenBitTokenRangeDecode()
    {
        // n_c·m = 70 000 <= v^s = 265^2: the root's symbol does not fit a 16-bit token, the leaves do.
        var p = new RhmParameters(70_000, 1, 265, 2, 1);
        var g = Grammar.Sample(p, 3);
        var indices = new long[] { 0, 65_535, 65_536, 69_999 };
        var data = DataSplit.Decode(g, indices);
        var choices = new int[p.ChoiceCount];
        for (int i = 0; i < indices.Length; i++)
        {
            Assert.Equal(g.Production(1, (int)indices[i], 0).ToArray().Select(x => (ushort)x), data.Tokens(i).ToArray());
            Assert.True(g.TryParse(data.Tokens(i), out int label, choices));
            Assert.Equal((int)indices[i], label);
            Assert.Equal(data.Tokens(i).ToArray(), g.Datum(indices[i]));
        }
    }

    [Fact]
    public void IndicesOutsideTheRangeAreRejected()
    {
        var g = Grammar.Sample(new RhmParameters(2, 2, 2, 2, 2), 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.Decode(g, [16]));
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.Decode(g, [-1]));
    }
}
