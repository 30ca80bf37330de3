using CsCheck;
using RhmLab.Rhm;

namespace RhmLab.Tests.Rhm;

/// <summary>Synonym exchanges and noise (docs/METHODS.md §1.9).</summary>
public class PerturbationTests
{
    private static readonly Gen<(ModelCase Case, int Level, ulong Seed)> SynonymCases =
        Models.WithSynonyms.SelectMany(c => Gen.Select(Gen.Int[1, c.P.Depth], Gen.ULong, (l, seed) => (c, l, seed)));

    private static readonly PerturbationOptions[] SynonymOptions =
    [
        new(),
        new(NodeSelection.OneNodePenultimate),
        new(NodeSelection.AllNodes),
        new(NodeSelection.OneNode, ReplacementDraw.ForceChange, Descendants.Redraw),
    ];

    [Fact]
    public void SynonymExchangeKeepsTheClassAndEverythingFromItsLevelUp()
    {
        SynonymCases.Sample((c, level, seed) =>
        {
            var g = c.Grammar();
            var p = c.P;
            var pert = new Perturbation(g);
            var rng = new Rng(seed);
            var parsed = new int[p.ChoiceCount];
            foreach (var options in SynonymOptions)
            {
                var (label, choices) = Models.RandomDatum(p, rng);
                var before = g.LatentSymbols(label, choices);
                var newChoices = (int[])choices.Clone();
                var tokens = new ushort[p.InputLength];
                pert.SynonymExchange(label, newChoices, level, options, rng, tokens);
                var after = g.LatentSymbols(label, newChoices);
                for (int l = level; l <= p.Depth; l++)
                    Assert.True(before[l].SequenceEqual(after[l]), $"{options}: symbols at level {l} changed by an exchange at level {level}");
                // Force-change: every selected node gets another production, hence another tuple below it.
                Assert.False(before[level - 1].SequenceEqual(after[level - 1]), $"{options}: level {level - 1} did not change");
                int offset = p.ChoiceOffset(level);
                int changedNodes = Enumerable.Range(0, p.NodesAtLevel(level)).Count(j => newChoices[offset + j] != choices[offset + j]);
                int expectedNodes = options.Nodes == NodeSelection.AllNodes ? p.NodesAtLevel(level) : 1;
                Assert.Equal(expectedNodes, changedNodes);
                for (int j = 0; j < p.NodesAtLevel(level); j++)
                {
                    bool changed = newChoices[offset + j] != choices[offset + j];
                    var below = before[level - 1].AsSpan(j * p.TupleSize, p.TupleSize);
                    var belowAfter = after[level - 1].AsSpan(j * p.TupleSize, p.TupleSize);
                    Assert.Equal(changed, !below.SequenceEqual(belowAfter));
                }
                if (options.Nodes == NodeSelection.OneNodePenultimate)
                    Assert.NotEqual(choices[offset + Math.Max(0, p.NodesAtLevel(level) - 2)], newChoices[offset + Math.Max(0, p.NodesAtLevel(level) - 2)]);
                // Choices above the level are untouched; with keep, so are those below.
                for (int t = 0; t < offset; t++) Assert.Equal(choices[t], newChoices[t]);
                if (options.Descendants == Descendants.Keep)
                    for (int t = offset + p.NodesAtLevel(level); t < p.ChoiceCount; t++) Assert.Equal(choices[t], newChoices[t]);
                // The result is the datum of the new choices, a valid datum of the same class.
                Assert.Equal(after[0], tokens.Select(x => (int)x).ToArray());
                Assert.True(g.TryParse(tokens, out int back, parsed));
                Assert.Equal(label, back);
                Assert.Equal(newChoices, parsed);
            }
        }, iter: Models.Iter, print: t => $"{t.Item1} level={t.Item2} seed={t.Item3}");
    }

    [Fact]
    public void UniformSynonymDrawSometimesKeepsTheChoice()
    {
        var p = new RhmParameters(3, 3, 3, 2, 2);
        var g = Grammar.Sample(p, 1);
        var pert = new Perturbation(g);
        var rng = new Rng(2);
        int same = 0;
        const int reps = 3000;
        for (int r = 0; r < reps; r++)
        {
            var choices = new int[p.ChoiceCount];
            pert.SynonymExchange(0, choices, 2, new PerturbationOptions(NodeSelection.OneNode, ReplacementDraw.Uniform), rng, new ushort[4]);
            if (choices[0] == 0) same++;
        }
        Assert.InRange(same / (double)reps, 1 / 3.0 - 0.05, 1 / 3.0 + 0.05);
    }

    [Fact]
    public void ForceChangeNeedsTwoSynonyms()
    {
        var p = new RhmParameters(2, 1, 2, 2, 2);
        var pert = new Perturbation(Grammar.Sample(p, 1));
        Assert.Throws<ArgumentException>(() => pert.SynonymExchange(0, new int[3], 1, new PerturbationOptions(), new Rng(1), new ushort[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => pert.SynonymExchange(0, new int[3], 0, new PerturbationOptions(NodeSelection.OneNode, ReplacementDraw.Uniform), new Rng(1), new ushort[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => pert.Noise(0, new int[3], 2, new PerturbationOptions(), new Rng(1), new ushort[4]));
    }

    [Fact]
    public void NoiseAtLevelZeroChangesExactlyOneToken()
    {
        Models.Small.Select(Gen.ULong).Sample((c, seed) =>
        {
            var g = c.Grammar();
            var p = c.P;
            var pert = new Perturbation(g);
            var rng = new Rng(seed);
            for (int rep = 0; rep < 5; rep++)
            {
                var (label, choices) = Models.RandomDatum(p, rng);
                var x = Models.Generate(g, label, choices);
                var y = new ushort[p.InputLength];
                pert.Noise(label, choices, 0, new PerturbationOptions(), rng, y);
                Assert.Equal(1, Enumerable.Range(0, x.Length).Count(i => x[i] != y[i]));
                Assert.All(y, t => Assert.InRange(t, 0, p.Vocabulary - 1));
            }
        }, iter: Models.Iter);
    }

    [Fact]
    public void NoiseAtAHigherLevelChangesOneSymbolThereAndNothingAbove()
    {
        Models.Small.Where(c => c.P.Depth >= 2).SelectMany(c => Gen.Select(Gen.Int[1, c.P.Depth - 1], Gen.ULong, (l, s) => (c, l, s)))
            .Sample((c, level, seed) =>
            {
                var g = c.Grammar();
                var p = c.P;
                var pert = new Perturbation(g);
                var rng = new Rng(seed);
                var (label, choices) = Models.RandomDatum(p, rng);
                var before = g.LatentSymbols(label, choices);
                var y = new ushort[p.InputLength];
                pert.Noise(label, choices, level, new PerturbationOptions(), rng, y);
                var parsedChoices = new int[p.ChoiceCount];
                // Parse the output level by level up to `level` through the inverse tables.
                var sym = y.Select(t => (int)t).ToArray();
                for (int l = 1; l <= level; l++)
                {
                    var up = new int[sym.Length / p.TupleSize];
                    for (int j = 0; j < up.Length; j++)
                    {
                        var prod = g.Producer(l, sym.AsSpan(j * p.TupleSize, p.TupleSize));
                        Assert.True(prod.HasValue, $"noise at level {level}: level-{l - 1} tuple {j} has no producer");
                        up[j] = prod!.Value.Parent;
                    }
                    sym = up;
                }
                int diff = Enumerable.Range(0, sym.Length).Count(j => sym[j] != before[level][j]);
                if (c.Version == RuleVersion.V2 || Enumerable.Range(0, p.Vocabulary).Count(a => g.HasRules(level, a)) > 1)
                    Assert.Equal(1, diff);
                else Assert.Equal(0, diff);   // v1 with a single symbol that has rules: nothing to change to
                if (c.P.Classes == c.P.Vocabulary && c.P.Synonyms == c.P.TupleCount / c.P.Vocabulary)
                    Assert.True(g.TryParse(y, out _, parsedChoices), "maximal case: every string is a datum");
            }, iter: Models.Iter, print: t => $"{t.Item1} level={t.Item2} seed={t.Item3}");
    }

    [Fact]
    public void PerturbationsAreReproducibleFromThePerturbSeed()
    {
        var p = new RhmParameters(4, 4, 4, 2, 3);
        var g = Grammar.Sample(p, 1);
        var pert = new Perturbation(g);
        var choices = new int[p.ChoiceCount];
        var a = new ushort[p.InputLength];
        var b = new ushort[p.InputLength];
        var ca = (int[])choices.Clone();
        var cb = (int[])choices.Clone();
        pert.SynonymExchange(2, ca, 2, new PerturbationOptions(), Rng.ForStream(9, "perturb"), a);
        pert.SynonymExchange(2, cb, 2, new PerturbationOptions(), Rng.ForStream(9, "perturb"), b);
        Assert.Equal(a, b);
        Assert.Equal(ca, cb);
    }
}
