using RhmLab.Data;
using RhmLab.Rhm;

namespace RhmLab.Tests.Data;

/// <summary>The one-hot encoder's fast paths (streaming, staging, threads) against the definition.</summary>
public class OneHotTests
{
    private static float[] Reference(ushort[] tokens, int d, int v, OneHotLayout layout)
    {
        int n = tokens.Length / d;
        var x = new float[tokens.Length * v];
        for (int i = 0; i < n; i++)
            for (int p = 0; p < d; p++)
            {
                int t = tokens[i * d + p];
                x[layout == OneHotLayout.PositionMajor ? (i * d + p) * v + t : (i * v + t) * d + p] = 1f;
            }
        return x;
    }

    private static ushort[] RandomTokens(int count, int v, ulong seed)
    {
        var rng = new Rng(seed);
        var t = new ushort[count];
        for (int i = 0; i < t.Length; i++) t[i] = (ushort)rng.NextInt(v);
        return t;
    }

    [Theory]
    [InlineData(8, 8, 40, OneHotLayout.PositionMajor)]
    [InlineData(8, 8, 40, OneHotLayout.ChannelMajor)]
    [InlineData(9, 3, 7, OneHotLayout.PositionMajor)]
    [InlineData(4, 10, 5, OneHotLayout.ChannelMajor)]
    public void SmallBatchesMatchTheDefinition(int d, int v, int n, OneHotLayout layout)
    {
        var tokens = RandomTokens(n * d, v, 1);
        var x = new float[n * d * v];
        Array.Fill(x, 7f);
        OneHot.Encode(tokens, d, v, x, layout);
        Assert.Equal(Reference(tokens, d, v, layout), x);
    }

    // Large enough for the streaming and staging paths; every offset of the destination within a 32-byte line.
    [Theory]
    [InlineData(8, 8, OneHotLayout.PositionMajor)]
    [InlineData(8, 8, OneHotLayout.ChannelMajor)]
    [InlineData(16, 2, OneHotLayout.PositionMajor)]
    [InlineData(8, 3, OneHotLayout.PositionMajor)]
    [InlineData(4, 7, OneHotLayout.PositionMajor)]
    [InlineData(4, 9, OneHotLayout.PositionMajor)]
    [InlineData(8, 10, OneHotLayout.PositionMajor)]
    [InlineData(4, 32, OneHotLayout.PositionMajor)]
    [InlineData(27, 5, OneHotLayout.ChannelMajor)]
    [InlineData(16, 5, OneHotLayout.ChannelMajor)]
    public void LargeBatchesMatchTheDefinitionAtEveryAlignment(int d, int v, OneHotLayout layout)
    {
        int n = (2 << 20) / (d * v) + 37;
        var tokens = RandomTokens(n * d, v, (ulong)(d * 100 + v));
        var expected = Reference(tokens, d, v, layout);
        var buffer = new float[expected.Length + 8];
        for (int offset = 0; offset < 8; offset++)
        {
            Array.Fill(buffer, 7f);
            OneHot.Encode(tokens, d, v, buffer.AsSpan(offset), layout);
            Assert.True(expected.AsSpan().SequenceEqual(buffer.AsSpan(offset, expected.Length)), $"offset {offset}");
            Assert.True(buffer.AsSpan(0, offset).ToArray().All(f => f == 7f), "wrote before the destination");
            Assert.True(buffer.AsSpan(offset + expected.Length).ToArray().All(f => f == 7f), "wrote past the data");
        }
    }

    [Theory]
    [InlineData(OneHotLayout.PositionMajor)]
    [InlineData(OneHotLayout.ChannelMajor)]
    public void ThreadsDoNotChangeTheResult(OneHotLayout layout)
    {
        var tokens = RandomTokens(70_000 * 8, 8, 3);
        var one = new float[tokens.Length * 8];
        var two = new float[tokens.Length * 8];
        OneHot.Encode(tokens, 8, 8, one, layout, 1);
        OneHot.Encode(tokens, 8, 8, two, layout, 3);
        Assert.Equal(Reference(tokens, 8, 8, layout), one);
        Assert.Equal(one, two);
    }

    [Fact]
    public void TokensOutsideTheVocabularyAreRejected()
    {
        var x = new float[16];
        var e = Assert.Throws<ArgumentException>(() => OneHot.Encode(new ushort[] { 1, 4 }, 2, 4, x));
        Assert.Contains("token 4 at 1", e.Message);
    }
}
