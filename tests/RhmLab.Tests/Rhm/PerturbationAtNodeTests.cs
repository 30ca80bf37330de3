using RhmLab.Rhm;

namespace RhmLab.Tests.Rhm;

/// <summary>The explicit-node perturbations that let the correlation sensitivity pair a synonym exchange with noise at the same node.</summary>
public class PerturbationAtNodeTests
{
    private static readonly RhmParameters P = new(3, 3, 3, 2, 3);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void AGivenNodeMatchesTheSameNodeSelectedByTheOptions(int level)
    {
        var g = Grammar.Sample(P, 6);
        var pert = new Perturbation(g);
        int node = Math.Max(0, P.NodesAtLevel(level) - 2);
        var options = new PerturbationOptions(NodeSelection.OneNodePenultimate);
        var rng = new Rng(9);
        for (int trial = 0; trial < 20; trial++)
        {
            var choices = Enumerable.Range(0, P.ChoiceCount).Select(_ => rng.NextInt(P.Synonyms)).ToArray();
            int label = rng.NextInt(P.Classes);
            var a = (int[])choices.Clone();
            var b = (int[])choices.Clone();
            var ta = new ushort[P.InputLength];
            var tb = new ushort[P.InputLength];
            pert.SynonymExchange(label, a, level, options, new Rng(5), ta);
            pert.SynonymExchangeAt(label, b, level, node, options, new Rng(5), tb);
            Assert.Equal(ta, tb);
            Assert.Equal(a, b);
            if (level < P.Depth)
            {
                pert.Noise(label, choices, level, options, new Rng(7), ta);
                pert.NoiseAt(label, choices, level, node, options, new Rng(7), tb);
                Assert.Equal(ta, tb);
            }
        }
    }

    [Fact]
    public void NodesOutsideTheLevelAreRejected()
    {
        var pert = new Perturbation(Grammar.Sample(P, 6));
        var choices = new int[P.ChoiceCount];
        var tokens = new ushort[P.InputLength];
        Assert.Throws<ArgumentOutOfRangeException>(() => pert.SynonymExchangeAt(0, choices, 2, 2, new PerturbationOptions(), new Rng(1), tokens));
        Assert.Throws<ArgumentOutOfRangeException>(() => pert.NoiseAt(0, choices, 3, 0, new PerturbationOptions(), new Rng(1), tokens));
        Assert.Throws<ArgumentException>(() => pert.SelectNode(1, NodeSelection.AllNodes, new Rng(1)));
        Assert.InRange(pert.SelectNode(1, NodeSelection.OneNode, new Rng(1)), 0, P.NodesAtLevel(1) - 1);
    }
}
