using CsCheck;
using RhmLab.Rhm;

namespace RhmLab.Tests.Rhm;

/// <summary>Production rules (docs/METHODS.md §1.3) and parsing (§1.6).</summary>
public class GrammarTests
{
    [Fact]
    public void RuleTablesHaveTheRightShapesAndAreUnambiguous()
    {
        Models.Small.Sample(c =>
        {
            var g = c.Grammar();
            var p = c.P;
            int m = p.Synonyms, s = p.TupleSize, v = p.Vocabulary;
            Assert.Equal(c.Version, g.Version);
            for (int l = 1; l <= p.Depth; l++)
            {
                int parents = l == p.Depth ? p.Classes : v;
                Assert.Equal(parents, p.ParentsAtLevel(l));
                Assert.Equal(parents * m * s, g.Productions(l).Length);
                var levelTuples = new HashSet<string>();
                for (int a = 0; a < parents; a++)
                {
                    if (!g.HasRules(l, a))
                    {
                        // Only v1 leaves symbols without rules, never a class, and marks them with rows of -1.
                        Assert.Equal(RuleVersion.V1, c.Version);
                        Assert.True(l < p.Depth, $"class {a} has no rules");
                        for (int j = 0; j < m; j++) Assert.All(g.Production(l, a, j).ToArray(), b => Assert.Equal(-1, b));
                        continue;
                    }
                    var own = new HashSet<string>();
                    for (int j = 0; j < m; j++)
                    {
                        var tuple = g.Production(l, a, j).ToArray();
                        Assert.Equal(s, tuple.Length);
                        Assert.All(tuple, b => Assert.InRange(b, 0, v - 1));
                        string key = string.Join(',', tuple);
                        Assert.True(own.Add(key), $"level {l} symbol {a}: production {j} repeats another production");
                        Assert.True(levelTuples.Add(key), $"level {l}: tuple {key} used by two (parent, choice) pairs");
                        Assert.Equal((a, j), g.Producer(l, tuple));
                    }
                    Assert.Equal(m, own.Count);
                }
                Assert.Equal(parents * m, levelTuples.Count + CountWithoutRules(g, l) * m);
            }
        }, iter: Models.Iter, print: c => c.ToString());
    }

    private static int CountWithoutRules(Grammar g, int level)
    {
        int n = 0;
        for (int a = 0; a < g.Parameters.ParentsAtLevel(level); a++) if (!g.HasRules(level, a)) n++;
        return n;
    }

    [Fact]
    public void V2GivesEverySymbolRulesAtEveryLevel()
    {
        Models.Small.Where(c => c.Version == RuleVersion.V2).Sample(c =>
        {
            var g = c.Grammar();
            for (int l = 1; l <= c.P.Depth; l++)
                for (int a = 0; a < c.P.ParentsAtLevel(l); a++)
                    Assert.True(g.HasRules(l, a), $"v2: symbol {a} has no rules at level {l}");
        }, iter: Models.Iter, print: c => c.ToString());
    }

    [Fact]
    public void V1GivesRulesExactlyToTheSymbolsUsedAbove()
    {
        Models.Small.Where(c => c.Version == RuleVersion.V1).Sample(c =>
        {
            var g = c.Grammar();
            var p = c.P;
            for (int l = p.Depth; l >= 2; l--)
            {
                var used = new HashSet<int>();
                for (int a = 0; a < p.ParentsAtLevel(l); a++)
                    if (g.HasRules(l, a))
                        for (int j = 0; j < p.Synonyms; j++) foreach (int b in g.Production(l, a, j)) used.Add(b);
                for (int b = 0; b < p.Vocabulary; b++)
                    Assert.Equal(used.Contains(b), g.HasRules(l - 1, b));
            }
        }, iter: Models.Iter, print: c => c.ToString());
    }

    [Fact]
    public void InTheMaximalCaseV1AlsoUsesEverySymbolAndEveryTuple()
    {
        Models.Maximal.Sample(c =>
        {
            var g = c.Grammar();
            for (int l = 1; l <= c.P.Depth; l++)
            {
                for (int a = 0; a < c.P.Vocabulary; a++) Assert.True(g.HasRules(l, a));
                // n_c·m = v·m = v^s: every tuple is some production's.
                var v = c.P.Vocabulary;
                for (int t = 0; t < v * v; t++) Assert.NotNull(g.Producer(l, [t / v, t % v]));
            }
        }, iter: 40, print: c => c.ToString());
    }

    [Fact]
    public void SameSeedGivesTheSameRulesAndAnotherSeedOtherRules()
    {
        var p = new RhmParameters(4, 4, 4, 2, 3);
        foreach (var version in new[] { RuleVersion.V2, RuleVersion.V1 })
        {
            var a = Grammar.Sample(p, 42, version);
            var b = Grammar.Sample(p, 42, version);
            var other = Grammar.Sample(p, 43, version);
            bool anyDifferent = false;
            for (int l = 1; l <= p.Depth; l++)
            {
                Assert.Equal(a.Productions(l).ToArray(), b.Productions(l).ToArray());
                anyDifferent |= !a.Productions(l).SequenceEqual(other.Productions(l));
            }
            Assert.True(anyDifferent, $"{version}: seeds 42 and 43 gave identical rules");
        }
        // v1 and v2 consume the stream differently, so the same seed gives different rules.
        Assert.False(Grammar.Sample(p, 42, RuleVersion.V1).Productions(3).SequenceEqual(Grammar.Sample(p, 42, RuleVersion.V2).Productions(3)));
    }

    [Fact]
    public void EveryDatumParsesBackToItsLabelAndChoices()
    {
        Models.Small.Select(Gen.ULong).Sample((c, seed) =>
        {
            var g = c.Grammar();
            var p = c.P;
            var rng = new Rng(seed);
            var parsed = new int[p.ChoiceCount];
            for (int n = 0; n < 20; n++)
            {
                var (label, choices) = Models.RandomDatum(p, rng);
                var x = Models.Generate(g, label, choices);
                Assert.All(x, t => Assert.InRange(t, 0, p.Vocabulary - 1));
                Assert.True(g.TryParse(x, out int back, parsed), $"datum {Models.Key(x)} of class {label} does not parse");
                Assert.Equal(label, back);
                Assert.Equal(choices, parsed);
                // generate ∘ parse is the identity on valid strings.
                Assert.Equal(x, Models.Generate(g, back, parsed));
            }
        }, iter: Models.Iter);
    }

    [Fact]
    public void LatentSymbolsAreTheTreeOfTheDatum()
    {
        Models.Small.Select(Gen.ULong).Sample((c, seed) =>
        {
            var g = c.Grammar();
            var p = c.P;
            var (label, choices) = Models.RandomDatum(p, new Rng(seed));
            var levels = g.LatentSymbols(label, choices);
            Assert.Equal(p.Depth + 1, levels.Length);
            Assert.Equal([label], levels[p.Depth]);
            Assert.Equal(Models.Generate(g, label, choices).Select(t => (int)t).ToArray(), levels[0]);
            for (int l = p.Depth; l >= 1; l--)
            {
                Assert.Equal(p.NodesAtLevel(l - 1), levels[l - 1].Length);
                for (int j = 0; j < levels[l].Length; j++)
                {
                    var prod = g.Production(l, levels[l][j], choices[p.ChoiceOffset(l) + j]).ToArray();
                    Assert.Equal(prod, levels[l - 1].AsSpan(j * p.TupleSize, p.TupleSize).ToArray());
                }
            }
        }, iter: Models.Iter);
    }

    [Fact]
    public void TryParseRejectsInvalidStrings()
    {
        // Non-maximal: with n_c·m < v^s at the top some tuples belong to no class production.
        var p = new RhmParameters(2, 1, 3, 2, 1);
        var g = Grammar.Sample(p, 5);
        var choices = new int[p.ChoiceCount];
        int valid = 0;
        for (int t = 0; t < 9; t++)
        {
            bool ok = g.TryParse([(ushort)(t / 3), (ushort)(t % 3)], out int label, choices);
            if (ok)
            {
                valid++;
                Assert.Equal((label, choices[0]), g.Producer(1, [t / 3, t % 3]));
            }
            else Assert.Equal(-1, label);
        }
        Assert.Equal(2, valid);
        // Out-of-vocabulary tokens and wrong lengths are not data.
        Assert.False(g.TryParse([3, 0], out _, choices));
        Assert.False(g.TryParse([0, 0, 0], out _, choices));
    }

    /// <summary>The worked example of §1.6: n_c = m = v = 2, s = 2, L = 2; index 13 is class 1 with choices (1, 0, 1).</summary>
    [Fact]
    public void WorkedExampleOfTheEnumeration()
    {
        var p = new RhmParameters(2, 2, 2, 2, 2);
        int[] level1 = [0, 0, 1, 1, /* symbol 1 */ 0, 1, 1, 0];
        int[] level2 = [0, 0, 0, 1, /* class 1 */ 1, 0, 1, 1];
        var g = Grammar.FromTables(p, [level1, level2]);
        Assert.Equal(3, p.ChoiceCount);
        Assert.Equal(16, (int)p.PMax);
        var e = new Enumeration(p);
        var choices = new int[3];
        Assert.Equal(1, e.Decode(13, choices));
        Assert.Equal([1, 0, 1], choices);
        // Root choice 1 of class 1 is (1, 1); node 0 (symbol 1) choice 0 is (0, 1); node 1 (symbol 1) choice 1 is (1, 0).
        ushort[] expected = [0, 1, 1, 0];
        Assert.Equal(expected, g.Datum(13));
        Assert.Equal(expected, Models.Generate(g, 1, choices));
        Assert.True(g.TryParse(expected, out int label, choices));
        Assert.Equal(1, label);
        Assert.Equal([1, 0, 1], choices);
        Assert.Equal(13, e.Encode(label, choices));
        Assert.Equal(new System.Numerics.BigInteger(13), e.EncodeBig(label, choices));
    }

    [Fact]
    public void FromTablesRejectsBadTables()
    {
        var p = new RhmParameters(2, 2, 2, 2, 2);
        int[] level1 = [0, 0, 1, 1, 0, 1, 1, 0];
        int[] level2 = [0, 0, 0, 1, 1, 0, 1, 1];
        var dup = (int[])level2.Clone();
        dup[6] = 0; dup[7] = 0; // class 1 choice 1 = (0, 0), already class 0 choice 0
        Assert.Contains("rules_2", Assert.Throws<ArgumentException>(() => Grammar.FromTables(p, [level1, dup])).Message);
        var range = (int[])level1.Clone();
        range[3] = 2;
        Assert.Contains("rules_1", Assert.Throws<ArgumentException>(() => Grammar.FromTables(p, [range, level2])).Message);
        Assert.Contains("shape", Assert.Throws<ArgumentException>(() => Grammar.FromTables(p, [level1, level2[..6]])).Message);
        Assert.Throws<ArgumentException>(() => Grammar.FromTables(p, [level1]));
        var none = (int[])level1.Clone();
        Array.Fill(none, -1, 4, 4);
        Assert.Throws<ArgumentException>(() => Grammar.FromTables(p, [none, level2]));            // v2: no symbol without rules
    }

    [Fact]
    public void FromTablesAcceptsV1SymbolsWithoutRulesOnlyWhenNothingAboveUsesThem()
    {
        var p = new RhmParameters(2, 1, 3, 2, 2);
        int[] level2 = [0, 1, 1, 0];                 // classes use symbols 0 and 1
        int[] level1 = [0, 0, 2, 2, -1, -1];         // symbol 2 has no rules and is never used above
        var g = Grammar.FromTables(p, [level1, level2], RuleVersion.V1);
        Assert.False(g.HasRules(1, 2));
        Assert.Equal([0, 0, 2, 2], g.Datum(0));
        Assert.Throws<ArgumentException>(() => Grammar.FromTables(p, [level1, level2]));         // not under v2
        // Symbol 1 is produced by the classes but has no rules of its own: generation would emit garbage.
        int[] broken = [0, 0, -1, -1, 2, 2];
        var e = Assert.Throws<ArgumentException>(() => Grammar.FromTables(p, [broken, level2], RuleVersion.V1));
        Assert.Contains("rules_1", e.Message);
    }

    [Fact]
    public void ValidateNamesTheViolatedConstraint()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RhmParameters(1, 2, 2, 2, 2).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RhmParameters(2, 0, 2, 2, 2).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RhmParameters(2, 2, 1, 2, 2).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RhmParameters(2, 2, 2, 1, 2).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RhmParameters(2, 2, 2, 2, 0).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RhmParameters(2, 2, 5000, 2, 2).Validate()); // v^s > 2^24
        Assert.Throws<ArgumentOutOfRangeException>(() => new RhmParameters(2, 2, 2, 2, 21).Validate()); // s^L > 2^20
        var top = Assert.Throws<ArgumentException>(() => new RhmParameters(3, 3, 2, 2, 1).Validate());
        Assert.Contains("top level", top.Message);
        Assert.Contains("3*3 = 9", top.Message);
        var lower = Assert.Throws<ArgumentException>(() => new RhmParameters(2, 5, 4, 2, 2).Validate());
        Assert.Contains("lower level", lower.Message);
        // L = 1 has no lower level: m·v > v^s is allowed there.
        new RhmParameters(2, 5, 4, 2, 1).Validate();
    }

    /// <summary>The "largest m allowed" in a constraint message must really be allowed, and one more must not be.</summary>
    [Fact]
    public void LargestMAllowedInTheMessageIsCorrect()
    {
        Gen.Select(Gen.Int[2, 12], Gen.Int[1, 40], Gen.Int[2, 6], Gen.Int[2, 3], Gen.Int[1, 3],
                (nc, m, v, s, l) => new RhmParameters(nc, m, v, s, l))
            .Where(p => !Models.IsValid(p) && p.Classes <= p.TupleCount)
            .Sample(p =>
            {
                var e = Assert.Throws<ArgumentException>(() => p.Validate());
                var match = System.Text.RegularExpressions.Regex.Match(e.Message, @"largest m allowed: (\d+)");
                Assert.True(match.Success, e.Message);
                int best = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(Models.IsValid(p with { Synonyms = best }), $"{p}: message says m = {best} is allowed, but it is not: {e.Message}");
                Assert.False(Models.IsValid(p with { Synonyms = best + 1 }), $"{p}: m = {best + 1} is also allowed: {e.Message}");
            }, iter: 300, print: p => p.ToString());
    }

    [Fact]
    public void V1DynamicConstraintEitherBuildsValidRulesOrSaysWhichLevelRanOut()
    {
        // Static check fails (v·m = 20 > 16), the dynamic one decides level by level.
        var p = new RhmParameters(2, 5, 4, 2, 2);
        Assert.Throws<ArgumentException>(() => Grammar.Sample(p, 1, RuleVersion.V1));
        int built = 0, ranOut = 0;
        for (long seed = 0; seed < 20; seed++)
        {
            try
            {
                var g = Grammar.Sample(p, seed, RuleVersion.V1, dynamicV1Constraint: true);
                built++;
                int withRules = Enumerable.Range(0, 4).Count(a => g.HasRules(1, a));
                Assert.True(withRules * 5 <= 16);
            }
            catch (InvalidOperationException e)
            {
                ranOut++;
                Assert.Contains("level 1", e.Message);
            }
        }
        Assert.Equal(20, built + ranOut);
        Assert.True(ranOut > 0);
    }
}
