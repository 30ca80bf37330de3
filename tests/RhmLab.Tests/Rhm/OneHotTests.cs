using CsCheck;
using RhmLab.Data;
using RhmLab.Rhm;

namespace RhmLab.Tests.Rhm;

/// <summary>One-hot batches (docs/METHODS.md §1.8) in both layouts.</summary>
public class OneHotTests
{
    [Fact]
    public void ExactlyOneOnePerSampleAndPositionAndTheTokensComeBack()
    {
        Gen.Select(Gen.Int[1, 6], Gen.Int[2, 9], Gen.Int[1, 5], Gen.ULong, (d, v, b, seed) => (d, v, b, seed)).Sample((d, v, b, seed) =>
        {
            var rng = new Rng(seed);
            var tokens = new ushort[b * d];
            for (int i = 0; i < tokens.Length; i++) tokens[i] = (ushort)rng.NextInt(v);
            foreach (var layout in new[] { OneHotLayout.PositionMajor, OneHotLayout.ChannelMajor })
            {
                var x = new float[b * d * v + 3];
                Array.Fill(x, 7f);                 // stale values must be cleared
                OneHot.Encode(tokens, d, v, x, layout);
                Assert.Equal(7f, x[^1]);           // nothing written past B·d·v
                for (int n = 0; n < b; n++)
                {
                    for (int pos = 0; pos < d; pos++)
                    {
                        int ones = 0, hot = -1;
                        for (int a = 0; a < v; a++)
                        {
                            int at = layout == OneHotLayout.PositionMajor ? (n * d + pos) * v + a : (n * v + a) * d + pos;
                            float value = x[at];
                            Assert.True(value is 0f or 1f, $"{layout}: entry {value}");
                            if (value == 1f) { ones++; hot = a; }
                        }
                        Assert.Equal(1, ones);
                        Assert.Equal(tokens[n * d + pos], hot);
                    }
                }
            }
        }, iter: Models.Iter);
    }

    [Fact]
    public void EncodeRowsGathersTheRequestedRows()
    {
        var p = new RhmParameters(3, 3, 3, 2, 2);
        var g = Grammar.Sample(p, 1);
        var ds = DataSplit.Sample(g, 20, 0, new SamplingOptions(1, 1)).Train;
        int block = p.InputLength * p.Vocabulary;
        int[] rows = [5, 0, 19, 5];
        foreach (var layout in new[] { OneHotLayout.PositionMajor, OneHotLayout.ChannelMajor })
        {
            var batch = new float[rows.Length * block];
            OneHot.EncodeRows(ds, rows, batch, layout);
            for (int r = 0; r < rows.Length; r++)
            {
                var one = new float[block];
                OneHot.Encode(ds.Tokens(rows[r]), p.InputLength, p.Vocabulary, one, layout);
                Assert.Equal(one, batch.AsSpan(r * block, block).ToArray());
            }
        }
        Assert.Throws<ArgumentException>(() => OneHot.Encode(new ushort[5], 4, 3, new float[60]));
        Assert.Throws<ArgumentException>(() => OneHot.Encode(new ushort[4], 4, 3, new float[11]));
    }
}
