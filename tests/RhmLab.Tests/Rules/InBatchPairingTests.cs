using RhmLab.Networks;
using RhmLab.Rhm;
using RhmLab.Rules;
using RhmLab.Training;

namespace RhmLab.Tests.Rules;

/// <summary>
/// In-batch CLAPP: the pairing gives each row its partner as positive and a row of another class as negative, and
/// the step on 2n rows equals the triplet step on the 3·2n rows it stands for (so every check of the triplet rule,
/// the finite differences included, carries over).
/// </summary>
public class InBatchPairingTests
{
    private static readonly RhmParameters Rhm = new(3, 2, 3, 2, 3);

    [Fact]
    public void PartnersArePositivesAndNegativesAreTheNextRowOfAnotherClass()
    {
        int[] labels = [0, 1, 1, 2, /* partners */ 0, 1, 1, 2];
        int rows = labels.Length;
        var (partner, negative, hasPos, hasNeg) = (new int[rows], new int[rows], new bool[rows], new bool[rows]);
        InBatchPairing.Pair(labels, negatives: true, shift: false, partner, negative, hasPos, hasNeg);
        Assert.Equal([4, 5, 6, 7, 0, 1, 2, 3], partner);
        Assert.All(hasPos, Assert.True);
        Assert.All(hasNeg, Assert.True);
        // Row 1 (class 1) skips row 2 (class 1) and takes row 3; row 7 wraps round to row 0.
        Assert.Equal([1, 3, 3, 4, 5, 7, 7, 0], negative);
        for (int r = 0; r < rows; r++)
        {
            Assert.Equal(labels[r], labels[partner[r]]);
            Assert.NotEqual(labels[r], labels[negative[r]]);
        }
    }

    [Fact]
    public void MissingPartnersAreNeitherAnchorsNorNegatives()
    {
        int[] labels = [0, 1, 2, /* partners */ 0, -1, 2];
        var (partner, negative, hasPos, hasNeg) = (new int[6], new int[6], new bool[6], new bool[6]);
        InBatchPairing.Pair(labels, true, false, partner, negative, hasPos, hasNeg);
        Assert.Equal([true, false, true, true, false, true], hasPos);
        Assert.False(hasNeg[4]);
        Assert.DoesNotContain(4, negative.Where((_, r) => r != 4));
        Assert.Equal(3, negative[2]); // row 3 (class 0) after row 2 (class 2)
        Assert.Equal(5, negative[3]); // row 4 is skipped
    }

    [Fact]
    public void ShiftTakesTheNextRowAndOneClassGivesNoNegatives()
    {
        int[] same = [1, 1, 1, 1];
        var (partner, negative, hasPos, hasNeg) = (new int[4], new int[4], new bool[4], new bool[4]);
        InBatchPairing.Pair(same, true, false, partner, negative, hasPos, hasNeg);
        Assert.All(hasNeg, Assert.False);
        InBatchPairing.Pair(same, true, true, partner, negative, hasPos, hasNeg);
        Assert.All(hasNeg, Assert.True);
        Assert.Equal([1, 2, 3, 0], negative);
        InBatchPairing.Pair(same, false, true, partner, negative, hasPos, hasNeg);
        Assert.All(hasNeg, Assert.False);
        Assert.Throws<ArgumentException>(() => InBatchPairing.Pair([0, 1, 2], true, false, new int[3], new int[3], new bool[3], new bool[3]));
    }

    public static TheoryData<string> Variants() => new() { "both", "asymmetric", "either", "mean", "pooled", "centered", "shift", "e2e" };

    [Theory]
    [MemberData(nameof(Variants))]
    public void StepEqualsTheTripletStepOnTheRowsItStandsFor(string variant)
    {
        var o = variant switch
        {
            "asymmetric" => new ClappOptions { Asymmetric = true },
            "either" => new ClappOptions { Mode = ClappMode.Either },
            "mean" => new ClappOptions { MeanCombine = true },
            "pooled" => new ClappOptions { Representation = new() { Mode = RepresentationMode.Pooled } },
            "centered" => new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.Centered) } },
            "shift" => new ClappOptions { NegativePartners = NegativeMode.Shift },
            _ => new ClappOptions(),
        };
        bool e2e = variant == "e2e";
        const int n = 5, rows = 2 * n;
        var net = TinyNets.Create(Rhm, new NetworkConfig([5, 4, 3]));
        var (tokens, _) = TinyNets.Batch(Rhm, rows, 23);
        int[] labels = [0, 1, 2, 2, 0, 0, 1, 2, -1, 0];
        int d = Rhm.InputLength;

        var inBatch = new ClappRule<double>("clapp", o with { InBatch = true }, e2e);
        var ps1 = Trainer<double>.CreateParameters(net);
        inBatch.Attach(net, ps1, new RuleContext(rows, 7, null, 11));
        var pass1 = net.CreatePass(rows);
        net.Forward(tokens, rows, pass1);
        var s1 = inBatch.Step(pass1, labels);

        var (partner, negative, hasPos, hasNeg) = (new int[rows], new int[rows], new bool[rows], new bool[rows]);
        InBatchPairing.Pair(labels, o.Negatives, o.ShiftNegatives, partner, negative, hasPos, hasNeg);
        var tTokens = new int[3 * rows * d];
        var tLabels = new int[3 * rows];
        for (int r = 0; r < rows; r++)
        {
            int[] src = [r, partner[r], negative[r]];
            for (int blk = 0; blk < 3; blk++)
                Array.Copy(tokens, src[blk] * d, tTokens, (blk * rows + r) * d, d);
            tLabels[r] = labels[r] >= 0 ? labels[r] : 0;
            tLabels[rows + r] = hasPos[r] ? labels[partner[r]] : -1;
            tLabels[2 * rows + r] = hasNeg[r] ? labels[negative[r]] : -1;
        }
        var triplets = new ClappRule<double>("clapp", o, e2e);
        var ps3 = Trainer<double>.CreateParameters(net);
        triplets.Attach(net, ps3, new RuleContext(3 * rows, 7, null, 11));
        var pass3 = net.CreatePass(3 * rows);
        net.Forward(tTokens, 3 * rows, pass3);
        var s3 = triplets.Step(pass3, tLabels);

        Assert.Equal(RuleInput.InBatchPairs, inBatch.Input);
        Assert.Equal(s3.Loss, s1.Loss, 12);
        Assert.True(s1.Loss > 0);
        double largest = 0;
        foreach (var (a, b) in ps1.Zip(ps3).Select(t => (t.First, t.Second)).Concat(inBatch.OwnParameters.Zip(triplets.OwnParameters)))
            for (int i = 0; i < a.Grad.Length; i++)
            {
                Assert.True(Math.Abs(a.Grad[i] - b.Grad[i]) <= 1e-12, $"{variant} {a.Name}[{i}]: in-batch {a.Grad[i]}, triplets {b.Grad[i]}");
                largest = Math.Max(largest, Math.Abs(a.Grad[i]));
            }
        Assert.True(largest > 1e-6, "the comparison must see non-trivial updates");
    }
}
