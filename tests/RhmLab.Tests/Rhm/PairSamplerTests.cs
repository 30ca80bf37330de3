using CsCheck;
using RhmLab.Rhm;

namespace RhmLab.Tests.Rhm;

/// <summary>Same-object pair sampling (docs/METHODS.md §1.10).</summary>
public class PairSamplerTests
{
    private static readonly Gen<(int Classes, int[] Labels, ulong Seed)> LabelSets =
        Gen.Int[2, 6].SelectMany(nc => Gen.Select(Gen.Int[0, nc - 1].Array[1, 40], Gen.ULong, (labels, seed) => (nc, labels, seed)));

    [Fact]
    public void PartnersRespectClassesAndNeverReturnTheAnchor()
    {
        LabelSets.Sample((nc, labels, seed) =>
        {
            int n = labels.Length;
            var counts = new int[nc];
            foreach (int y in labels) counts[y]++;
            var other = new PairSampler(labels, nc, new Rng(seed));
            var random = new PairSampler(labels, nc, new Rng(seed + 1), NegativeMode.Random);
            var shift = new PairSampler(labels, nc, new Rng(seed + 2), NegativeMode.Shift);
            Assert.Equal(NegativeMode.OtherClass, other.Negatives);
            Assert.Equal(counts.Count(k => k == 1), other.Singletons);
            for (int rep = 0; rep < 3; rep++)
            {
                for (int a = 0; a < n; a++)
                {
                    int pos = other.Positive(a);
                    if (counts[labels[a]] == 1) Assert.Equal(-1, pos);
                    else
                    {
                        Assert.InRange(pos, 0, n - 1);
                        Assert.NotEqual(a, pos);
                        Assert.Equal(labels[a], labels[pos]);
                    }
                    int neg = other.Negative(a);
                    if (counts[labels[a]] == n) Assert.Equal(-1, neg);
                    else
                    {
                        Assert.InRange(neg, 0, n - 1);
                        Assert.NotEqual(labels[a], labels[neg]);
                    }
                    int r = random.Negative(a);
                    if (n == 1) Assert.Equal(-1, r);
                    else
                    {
                        Assert.InRange(r, 0, n - 1);
                        Assert.NotEqual(a, r);
                    }
                    Assert.Equal(-1, shift.Negative(a));
                }
            }
            var order = new int[n];
            other.ShuffleAnchors(order);
            Assert.Equal(Enumerable.Range(0, n), order.Order());
        }, iter: 200);
    }

    [Fact]
    public void PartnersAreUniform()
    {
        //               0  1  2  3  4  5  6  7  8  9
        int[] labels = [0, 1, 0, 2, 0, 1, 0, 2, 0, 1];   // class 0: {0,2,4,6,8}, class 1: {1,5,9}, class 2: {3,7}
        var other = new PairSampler(labels, 3, new Rng(5));
        var random = new PairSampler(labels, 3, new Rng(6), NegativeMode.Random);
        const int reps = 8000;
        foreach (int anchor in new[] { 0, 4, 8, 5, 3 })
        {
            var pos = new int[labels.Length];
            var neg = new int[labels.Length];
            var any = new int[labels.Length];
            for (int r = 0; r < reps; r++)
            {
                pos[other.Positive(anchor)]++;
                neg[other.Negative(anchor)]++;
                any[random.Negative(anchor)]++;
            }
            AssertUniformOver(pos, Enumerable.Range(0, labels.Length).Where(i => i != anchor && labels[i] == labels[anchor]), $"positive of {anchor}");
            AssertUniformOver(neg, Enumerable.Range(0, labels.Length).Where(i => labels[i] != labels[anchor]), $"other-class negative of {anchor}");
            AssertUniformOver(any, Enumerable.Range(0, labels.Length).Where(i => i != anchor), $"random negative of {anchor}");
        }
    }

    private static void AssertUniformOver(int[] counts, IEnumerable<int> support, string what)
    {
        var set = support.ToHashSet();
        for (int i = 0; i < counts.Length; i++)
            if (!set.Contains(i)) Assert.True(counts[i] == 0, $"{what}: drew {i}, outside the allowed set");
        var inSet = set.Order().Select(i => counts[i]).ToArray();
        if (inSet.Length < 2) return;
        double chi = Models.ChiSquareUniform(inSet);
        Assert.True(chi < Models.ChiSquareBound(inSet.Length - 1), $"{what}: counts {string.Join(' ', inSet)}, chi-square {chi:F1}");
    }

    [Fact]
    public void LabelsOutsideTheClassesAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PairSampler([0, 3], 3, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PairSampler([-1], 3, new Rng(1)));
    }
}
