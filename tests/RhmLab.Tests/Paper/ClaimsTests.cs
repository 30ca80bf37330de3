using System.Text.Json.Nodes;
using RhmLab.Analysis;
using RhmLab.Paper;

namespace RhmLab.Tests.Paper;

/// <summary>The verdicts of claims.json, on runs whose outcome is known.</summary>
public class ClaimsTests
{
    private static RunRecord Run(string rule, long p, long seed, double probe, double network = double.NaN, int nmv = 4, int depth = 2,
        IReadOnlyList<SensitivityTable>? sensitivity = null) => new()
    {
        Path = $"/x/{rule}-{nmv}-{p}-{seed}", RunId = $"{rule}-{nmv}-{p}-{seed}", Rule = rule, Nc = nmv, M = nmv, V = nmv, S = 2, L = depth,
        Train = p, Seed = seed, ProbeErrors = [.. Enumerable.Repeat(0.6, depth - 1), probe], InputProbeError = 0.7, NetworkTestError = network,
        ChanceError = 1 - 1.0 / nmv, SampleScale = nmv * Math.Pow(nmv, depth), DStar = nmv * Math.Pow(nmv, depth), Sensitivity = sensitivity ?? [],
    };

    private static ClaimVerdict Check(string figure, IEnumerable<RunRecord> runs) => Claims.Check(Reproduction.Preset(figure, "quick"), runs.ToList());

    [Theory]
    [InlineData(0.01, 0.70, "holds")]
    [InlineData(0.01, 0.05, "fails")]
    [InlineData(0.30, 0.70, "fails")]
    [InlineData(0.01, 0.30, "inconclusive")]
    public void AFeedbackFigureHoldsWhenBpLearnsAndTheOthersStayFarAbove(double bp, double dfa, string verdict)
    {
        var runs = new[] { 1, 2 }.SelectMany(s => new[] { Run("bp", 256, s, 0.1, bp), Run("dfa", 256, s, 0.5, dfa), Run("fa", 256, s, 0.5, 0.72) });
        var v = Check("fig3", runs);
        Assert.Equal(verdict, v.Verdict);
        Assert.Equal(bp, (double)v.Numbers["network_test_error"]!["bp"]!, 9);
    }

    /// <summary>Errors that fall through the threshold 0.075 (n_c = 4) at about <paramref name="crossing"/> · n_c·m^L.</summary>
    private static IEnumerable<RunRecord> Curve(string rule, double crossing, int nmv = 4, double[]? grid = null)
    {
        double scale = nmv * Math.Pow(nmv, 2);
        foreach (double x in grid ?? [0.25, 0.5, 1, 2, 4, 8, 16])
            foreach (int seed in new[] { 1, 2, 3 })
                yield return Run(rule, (long)Math.Round(x * scale), seed, Math.Clamp(0.075 * Math.Pow(crossing / x, 1.5), 0, 0.7), nmv: nmv);
    }

    [Theory]
    [InlineData(2.0, "holds")]
    [InlineData(8.0, "fails")]
    public void APStarFigureComparesTheRulesPStarWithBps(double clappCrossing, string verdict)
    {
        var runs = Curve("bp", 1).Concat(Curve("clapp", clappCrossing)).Concat(Curve("bp", 1, 6)).Concat(Curve("clapp", clappCrossing, 6));
        var v = Check("fig4", runs);
        Assert.Equal(verdict, v.Verdict);
        var rows = v.Numbers["configurations"]!.AsArray();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.InRange((double)r!["ratio"]!, clappCrossing / 1.3, clappCrossing * 1.3));
        Assert.NotNull(v.Numbers["slope"]);
    }

    [Fact]
    public void ARuleThatNeverReachesTheThresholdFarBeyondBpsPStarFails()
    {
        var runs = Curve("bp", 0.5).Concat(Curve("clapp", 100));
        var v = Check("fig4", runs);
        Assert.Equal("fails", v.Verdict);
        Assert.Contains("stays above the threshold", v.Reason);
    }

    [Fact]
    public void WithoutBpThePStarClaimIsInconclusive() => Assert.Equal("inconclusive", Check("fig4", Curve("clapp", 1)).Verdict);

    private static SensitivityTable Table(double[,] byLayerAndLevel)
    {
        int layers = byLayerAndLevel.GetLength(0), levels = byLayerAndLevel.GetLength(1);
        return new SensitivityTable
        {
            Definition = "sens-distance", Layers = [.. Enumerable.Range(0, layers + 1)], Levels = [.. Enumerable.Range(1, levels)],
            // Row 0 is the input: sensitive to every level.
            Values = [[.. Enumerable.Repeat(1.0, levels)], .. Enumerable.Range(0, layers).Select(k => Enumerable.Range(0, levels).Select(l => byLayerAndLevel[k, l]).ToArray())],
        };
    }

    /// <summary>S[k][l]: rows are layers 1..3, columns levels 1..3; invariant (0.05) where k >= l, sensitive above.</summary>
    private static readonly double[,] Learnt = { { 0.05, 0.9, 0.9 }, { 0.05, 0.05, 0.9 }, { 0.05, 0.05, 0.05 } };

    [Fact]
    public void Fig11HoldsWhenEveryLayerIsInvariantToTheLevelsAtAndBelowIt()
    {
        var runs = new[] { 1, 2, 3 }.Select(s => Run("clapp", 300, s, 0.01, depth: 3, sensitivity: [Table(Learnt)]));
        var v = Check("fig11", runs);
        Assert.Equal("holds", v.Verdict);
        Assert.Equal(0.9, (double)v.Numbers["distance_sensitivity_layer_by_level"]![0]![1]!, 9);
    }

    [Fact]
    public void Fig11ReadsLayersAsRowsAndLevelsAsColumns()
    {
        // The same matrix transposed (a wrong level index) puts the sensitive values where k >= l: the claim fails.
        var transposed = new[,] { { 0.05, 0.05, 0.05 }, { 0.9, 0.05, 0.05 }, { 0.9, 0.9, 0.05 } };
        var runs = new[] { 1, 2, 3 }.Select(s => Run("clapp", 300, s, 0.01, depth: 3, sensitivity: [Table(transposed)]));
        var v = Check("fig11", runs);
        Assert.Equal("fails", v.Verdict);
        Assert.Contains("layer 2 to level 1", v.Reason);
    }

    [Fact]
    public void Fig11UsesOnlyTheLargestP()
    {
        var early = new[,] { { 0.7, 0.9, 0.9 }, { 0.7, 0.7, 0.9 }, { 0.7, 0.7, 0.7 } };
        var runs = new[] { Run("clapp", 30, 1, 0.5, depth: 3, sensitivity: [Table(early)]), Run("clapp", 300, 1, 0.01, depth: 3, sensitivity: [Table(Learnt)]) };
        Assert.Equal("holds", Check("fig11", runs).Verdict);
        Assert.Equal("fails", Check("fig11", runs.Take(1)).Verdict);
    }

    [Fact]
    public void MergeKeepsOtherFiguresReplacesTheCheckedOnesAndFollowsThePapersOrder()
    {
        var existing = new JsonArray(
            new JsonObject { ["figure"] = "fig11", ["verdict"] = "fails" },
            new JsonObject { ["figure"] = "fig3", ["verdict"] = "fails" });
        var fresh = new ClaimVerdict("fig3", "claim", "holds", "criterion", "reason", new JsonObject());
        var merged = Claims.Merge(existing, [fresh]);
        Assert.Equal(["fig3", "fig11"], merged.Select(o => (string)o!["figure"]!));
        Assert.Equal("holds", (string)merged[0]!["verdict"]!);
        Assert.Equal("fails", (string)merged[1]!["verdict"]!);
    }

    [Fact]
    public void AFigureSharingAFolderCountsAsReproducedOnlyWithRunsOfEachOfItsRules()
    {
        // Figs. 4, 9 and 10 share the P* folder and BP's runs: after `reproduce fig10` it holds BP and clapp-pos only.
        var folder = new[] { Run("bp", 100, 1, 0.5), Run("clapp-pos", 100, 1, 0.4) };
        Assert.True(Reproduction.HasEveryRule(Reproduction.Preset("fig10", "quick"), folder));
        Assert.False(Reproduction.HasEveryRule(Reproduction.Preset("fig4", "quick"), folder));
        Assert.False(Reproduction.HasEveryRule(Reproduction.Preset("fig10", "quick"), []));
        // A figure that draws every rule of its folder (no rule list) needs only some runs.
        Assert.True(Reproduction.HasEveryRule(Reproduction.Preset("fig6", "quick"), [Run("ica", 100, 1, 0.7)]));
    }
}
