using RhmLab.Data;
using RhmLab.Evaluation;
using RhmLab.Experiments;
using RhmLab.Numerics;
using RhmLab.Rhm;
using RhmLab.Training;

namespace RhmLab.Tests.Evaluation;

/// <summary>Synonymic sensitivity (docs/METHODS.md §4.5) on representations whose invariances are known.</summary>
public class SensitivityTests
{
    private static readonly RhmParameters Rhm = new(3, 3, 3, 2, 3);

    private static Dataset TestSet(int count = 300) =>
        DataSplit.Sample(Grammar.Sample(Rhm, 2), 10, count, new SamplingOptions(2, 2)).Test;

    /// <summary>Layer 0: the one-hot input. Layer 1: the one-hot of the class, a function of the class only. Layer 2: a constant.</summary>
    private static RepresentationMap ClassMap(Grammar grammar)
    {
        int d = Rhm.InputLength, v = Rhm.Vocabulary, nc = Rhm.Classes;
        float[][] Compute(ReadOnlySpan<ushort> tokens, int count)
        {
            var input = new float[count * d * v];
            OneHot.Encode(tokens[..(count * d)], d, v, input);
            var label = new float[count * nc];
            var constant = new float[count * 2];
            var choices = new int[Rhm.ChoiceCount];
            for (int i = 0; i < count; i++)
            {
                Assert.True(grammar.TryParse(tokens.Slice(i * d, d), out int y, choices));
                label[i * nc + y] = 1;
                constant[i * 2] = 3;
                constant[i * 2 + 1] = -1;
            }
            return [input, label, constant];
        }
        return new RepresentationMap([0, 1, 2], ["input", "class", "constant"], Compute);
    }

    [Fact]
    public void AFunctionOfTheClassIsInvariantAndTheInputIsNot()
    {
        var test = TestSet();
        var r = Sensitivity.Compute(ClassMap(test.Grammar), test, new SensitivityOptions { Seed = 5 });
        Assert.Equal([1, 2, 3], r.Levels);
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(0, r.Distance[1][c]);
            Assert.True(r.Distance[0][c] > 0.05, $"input, level {c + 1}: S = {r.Distance[0][c]}");
            // Synonyms keep the class, so the standardised class code correlates perfectly with itself.
            Assert.Equal(1, r.CorrelationSynonym[1][c], 12);
            Assert.True(r.CorrelationSynonym[0][c] < 1);
        }
        // Noise exists below the top level only; at l = L the ratio is undefined.
        Assert.True(double.IsNaN(r.Correlation[0][2]));
        Assert.True(double.IsNaN(r.CorrelationNoise[1][2]));
        Assert.False(double.IsNaN(r.Correlation[0][0]));
        // Exchanges at higher levels change more of the input.
        Assert.True(r.Distance[0][0] < r.Distance[0][2]);
    }

    /// <summary>
    /// Layer k = 0..L: the one-hot code of the level-k symbols of the datum (level 0: the input tokens; level L: the
    /// class), each at its own position, read from the grammar's parse: a representation that knows level k exactly.
    /// </summary>
    private static RepresentationMap LevelMap(Grammar grammar)
    {
        int depth = Rhm.Depth, v = Rhm.Vocabulary, nc = Rhm.Classes;
        float[][] Compute(ReadOnlySpan<ushort> tokens, int count)
        {
            int d = Rhm.InputLength;
            var layers = Enumerable.Range(0, depth + 1)
                .Select(k => new float[count * (k == depth ? nc : (d >> k) * v)]).ToArray();
            var choices = new int[Rhm.ChoiceCount];
            for (int i = 0; i < count; i++)
            {
                Assert.True(grammar.TryParse(tokens.Slice(i * d, d), out int y, choices));
                var symbols = grammar.LatentSymbols(y, choices);
                for (int k = 0; k <= depth; k++)
                {
                    int width = k == depth ? nc : v, positions = symbols[k].Length;
                    for (int j = 0; j < positions; j++) layers[k][(i * positions + j) * width + symbols[k][j]] = 1;
                }
            }
            return layers;
        }
        return new RepresentationMap([.. Enumerable.Range(0, depth + 1)], [.. Enumerable.Range(0, depth + 1).Select(k => $"level{k}")], Compute);
    }

    [Fact]
    public void ARepresentationOfTheLevelKSymbolsIsInvariantToExchangesAtLevelsUpToKAndOnlyThere()
    {
        // The test that fails on a wrong level index: a level-l exchange keeps every symbol at levels >= l and
        // changes some below, so the code of level k is unmoved exactly when k >= l.
        var test = TestSet();
        var r = Sensitivity.Compute(LevelMap(test.Grammar), test, new SensitivityOptions { Seed = 3 });
        Assert.Equal([1, 2, 3], r.Levels);
        for (int k = 0; k <= Rhm.Depth; k++)
            for (int l = 1; l <= Rhm.Depth; l++)
            {
                double s = r.Distance[k][l - 1];
                if (k >= l) Assert.True(s == 0, $"layer {k}, level {l}: S = {s}, expected 0");
                else Assert.True(s > 0.05, $"layer {k}, level {l}: S = {s}, expected > 0");
            }
    }

    [Fact]
    public void AConstantRepresentationIsReportedCollapsed()
    {
        var test = TestSet(50);
        var r = Sensitivity.Compute(ClassMap(test.Grammar), test, new SensitivityOptions());
        Assert.Equal([false, false, true], r.Collapsed);
        Assert.All(r.Distance[2], s => Assert.True(double.IsNaN(s)));
        Assert.Equal(0, r.IncludedUnits[2]);
        Assert.All(r.CorrelationSynonym[2], s => Assert.True(double.IsNaN(s)));
        var json = r.ToJson();
        Assert.Null(json["distance"]![2]![0]);
        Assert.True((bool)json["collapsed"]![2]!);
    }

    [Fact]
    public void TheDiagonalOptionScalesTheDenominatorByNMinusOneOverN()
    {
        var test = TestSet(40);
        var off = Sensitivity.Compute(ClassMap(test.Grammar), test, new SensitivityOptions { Reference = 30 });
        var with = Sensitivity.Compute(ClassMap(test.Grammar), test, new SensitivityOptions { Reference = 30, IncludeDiagonal = true });
        Assert.Equal(30, off.Reference);
        Assert.Equal(off.Denominator[0] * 29 / 30, with.Denominator[0], 10);
        Assert.Equal(off.Distance[0][1] * 30 / 29, with.Distance[0][1], 10);
    }

    [Fact]
    public void TheDenominatorIsTheMeanDistanceOverOrderedPairs()
    {
        var test = TestSet(12);
        var r = Sensitivity.Compute(ClassMap(test.Grammar), test, new SensitivityOptions());
        var reps = ClassMap(test.Grammar).Compute(test.TokenData, 12);
        int w = reps[0].Length / 12;
        double sum = 0;
        for (int i = 0; i < 12; i++)
            for (int j = 0; j < 12; j++)
            {
                if (i == j) continue;
                for (int u = 0; u < w; u++) { double x = reps[0][i * w + u] - reps[0][j * w + u]; sum += x * x; }
            }
        Assert.Equal(sum / (12 * 11), r.Denominator[0], 10);
    }

    [Fact]
    public void TheSameSeedGivesTheSameResult()
    {
        var test = TestSet(60);
        var a = Sensitivity.Compute(ClassMap(test.Grammar), test, new SensitivityOptions { Seed = 3 }).ToJson().ToJsonString();
        var b = Sensitivity.Compute(ClassMap(test.Grammar), test, new SensitivityOptions { Seed = 3 }).ToJson().ToJsonString();
        var c = Sensitivity.Compute(ClassMap(test.Grammar), test, new SensitivityOptions { Seed = 4 }).ToJson().ToJsonString();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void ATrainedNetworkIsLessSensitiveAtTheTopThanAtTheInput()
    {
        var run = ResolvedRun.Resolve(new RunConfig { Rhm = { Nc = 3, M = 3, V = 3, L = 3 }, Data = { Train = 1000, Test = 400 }, Network = { Width = 24 }, Training = { Epochs = 40, Batch = 32 }, Execution = { Blas = MatMulChoice.Managed }, Seeds = { Seed = 2 } });
        var trainer = RunExecutor.CreateTrainer(run, new ManagedMatMul(1));
        trainer.Train();
        Assert.True(trainer.ErrorRate(trainer.Data.Test) < 0.3, "the network did not learn enough for this check");
        var r = Sensitivity.Compute(trainer.Network, trainer.Data.Test, new SensitivityOptions { Reference = 400, Seed = 1 });
        Assert.Equal(5, r.Layers.Length); // input, three hidden layers, logits
        Assert.Equal([0, 1, 2, 3, 4], r.Layers);
        for (int c = 0; c < 3; c++)
            Assert.True(r.Distance[3][c] < r.Distance[0][c], $"level {c + 1}: top {r.Distance[3][c]} vs input {r.Distance[0][c]}");
        Assert.True(r.Distance[4][2] < 0.8 * r.Distance[0][2], $"logits {r.Distance[4][2]} vs input {r.Distance[0][2]} at l = L");
    }

    [Fact]
    public void BadOptionsAreRejected()
    {
        var test = TestSet(20);
        Assert.Throws<ArgumentException>(() => Sensitivity.Compute(ClassMap(test.Grammar), test, new SensitivityOptions { Reference = 1 }));
        Assert.Throws<ArgumentException>(() => Sensitivity.Compute(ClassMap(test.Grammar), test,
            new SensitivityOptions { CorrelationPerturbation = PerturbationOptions.Stability }));
    }
}
