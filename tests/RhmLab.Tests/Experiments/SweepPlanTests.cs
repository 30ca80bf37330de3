using System.Text.Json.Nodes;
using RhmLab.Experiments;

namespace RhmLab.Tests.Experiments;

/// <summary>Sweep plans: the grid product, the fixed merge, the nmv pseudo-option, and one-line errors naming the field.</summary>
public class SweepPlanTests
{
    /// <summary>Options of a tiny run (P_max = 81), so every point resolves.</summary>
    internal const string TinyFixed = "\"nmv\": 3, \"L\": 2, \"train\": 30, \"test\": 20, \"width\": 8, \"epochs\": 2, \"blas\": \"managed\"";

    internal static SweepPlan Tiny(string grid, string extraFixed = "") =>
        SweepPlan.Parse($$"""{ "grid": { {{grid}} }, "fixed": { {{TinyFixed}}{{(extraFixed.Length > 0 ? ", " + extraFixed : "")}} } }""");

    [Fact]
    public void GridProductHasEveryCombinationInNestedLoopOrder()
    {
        var plan = SweepPlan.Parse("""
            { "grid": { "rule": ["bp", "dfa"], "seed": [1, 2, 3], "train": [20, 30] },
              "fixed": { "nc": 3, "m": 3, "v": 3, "L": 2, "test": 20 } }
            """);
        Assert.Equal(12, plan.Points.Count);
        Assert.Equal(Enumerable.Range(0, 12), plan.Points.Select(p => p.Index));
        // The first grid key varies slowest, the last fastest.
        Assert.Equal("rule=bp seed=1 train=20", plan.Points[0].Label);
        Assert.Equal("rule=bp seed=1 train=30", plan.Points[1].Label);
        Assert.Equal("rule=bp seed=2 train=20", plan.Points[2].Label);
        Assert.Equal("rule=dfa seed=3 train=30", plan.Points[11].Label);
        var combos = plan.Points.Select(p => (p.Config.Rule, p.Config.Seeds.Seed, p.Config.Data.Train)).ToHashSet();
        Assert.Equal(12, combos.Count);
        Assert.Equal(12, plan.Points.Select(p => p.Hash).Distinct().Count());
    }

    [Fact]
    public void FixedOptionsApplyToEveryPointAndThreadsDefaultToOne()
    {
        var plan = Tiny("\"seed\": [4, 5]", "\"lr\": 0.05, \"rule\": \"dfa\"");
        Assert.All(plan.Points, p =>
        {
            Assert.Equal(3, p.Config.Rhm.Nc);
            Assert.Equal(2, p.Config.Rhm.L);
            Assert.Equal(0.05, p.Config.Training.Lr);
            Assert.Equal("dfa", p.Config.Rule);
            Assert.Equal(1, p.Config.Execution.Threads);
            Assert.Equal(30, p.Run.Train);
        });
        Assert.Equal([4L, 5L], plan.Points.Select(p => p.Config.Seeds.Seed));
        Assert.Equal(2, Tiny("\"seed\": [4]", "\"threads\": 2").Points[0].Config.Execution.Threads);
    }

    [Fact]
    public void NmvSetsNcMAndVTogether()
    {
        var plan = SweepPlan.Parse("""{ "grid": { "nmv": [3, 4] }, "fixed": { "L": 2, "train": 30, "test": 20 } }""");
        Assert.Equal(2, plan.Points.Count);
        Assert.Equal((3, 3, 3), (plan.Points[0].Config.Rhm.Nc, plan.Points[0].Config.Rhm.M, plan.Points[0].Config.Rhm.V));
        Assert.Equal((4, 4, 4), (plan.Points[1].Config.Rhm.Nc, plan.Points[1].Config.Rhm.M, plan.Points[1].Config.Rhm.V));
        Assert.Equal("nmv=4", plan.Points[1].Label);
    }

    [Fact]
    public void TrainXScalesWithTheModelAndDepthIsAnAliasOfL()
    {
        var plan = SweepPlan.Parse("""{ "grid": { "nmv": [3, 4], "train-x": [0.5, 1] }, "fixed": { "depth": 2, "test": 20 } }""");
        Assert.Equal([14L, 27L, 32L, 64L], plan.Points.Select(p => p.Run.Train));   // round(x * n_c m^L)
        Assert.All(plan.Points, p => Assert.Equal(2, p.Config.Rhm.L));
    }

    [Fact]
    public void WidthsAreGridValuesAsLists()
    {
        var plan = Tiny("\"widths\": [[8, 8], [4, 6]]");
        Assert.Equal([4, 6], plan.Points[1].Run.Network.Widths);
    }

    [Fact]
    public void CommentsAndADescriptionAreAllowed()
    {
        var plan = SweepPlan.Parse("""
            // seeds for the BP baseline
            { "description": "baseline", "grid": { "seed": [1, 2] /* two seeds */ }, "fixed": { "nmv": 3, "L": 2, "train": 30, "test": 20 } }
            """);
        Assert.Equal(2, plan.Points.Count);
        Assert.Equal("baseline", (string)plan.ToJson()["description"]!);
    }

    [Fact]
    public void NoGridIsOnePoint() =>
        Assert.Single(SweepPlan.Parse("""{ "fixed": { "nmv": 3, "L": 2, "train": 30, "test": 20 } }""").Points);

    [Theory]
    [InlineData("{ \"grid\": ", "not valid JSON")]
    [InlineData("[1, 2]", "must be a JSON object")]
    [InlineData("{ \"grid\": {}, \"fixd\": {} }", "unknown top-level key 'fixd'")]
    [InlineData("{ \"grid\": { \"seed\": [1] }, \"fixed\": { \"lrr\": 0.1 } }", "fixed.lrr: unknown option 'lrr'")]
    [InlineData("{ \"grid\": { \"sed\": [1] } }", "grid.sed: unknown option 'sed'")]
    [InlineData("{ \"grid\": { \"seed\": [1, \"two\"] } }", "grid.seed[1]:", "expected an integer")]
    [InlineData("{ \"grid\": { \"rule\": [\"bp\", \"nope\"] } }", "grid.rule[1]:", "unknown value 'nope'")]
    [InlineData("{ \"fixed\": { \"lr\": \"fast\" } }", "fixed.lr:", "expected a number")]
    [InlineData("{ \"fixed\": { \"nmv\": 2.5 } }", "fixed.nmv:", "expected an integer")]
    [InlineData("{ \"grid\": { \"seed\": [] } }", "grid.seed: the list is empty")]
    [InlineData("{ \"grid\": { \"seed\": 3 } }", "grid.seed: expected a list of values")]
    [InlineData("{ \"grid\": { \"seed\": [1, 1] } }", "grid.seed[1]: value 1 appears twice")]
    [InlineData("{ \"grid\": [1] }", "grid: expected an object")]
    [InlineData("{ \"fixed\": [1] }", "fixed: expected an object")]
    [InlineData("{ \"grid\": { \"seed\": [1, 2] }, \"fixed\": { \"seed\": 3 } }", "grid.seed: conflicts with fixed.seed")]
    [InlineData("{ \"grid\": { \"nmv\": [3] }, \"fixed\": { \"m\": 3 } }", "grid.nmv: conflicts with fixed.m")]
    [InlineData("{ \"fixed\": { \"L\": 2, \"depth\": 3 } }", "fixed.depth: conflicts with fixed.L")]
    [InlineData("{ \"grid\": { \"seed\": [1], \"seed\": [2] } }", "grid.seed: duplicate key")]
    [InlineData("{ \"fixed\": { \"nc\": 3 }, \"fixed\": { \"nc\": 4 } }", "fixed: duplicate key")]
    [InlineData("{ \"grid\": { \"widths\": [[8, 8], [8, 8, 8, 8, 8, 8, 8, 8, 8, 8]], \"seed\": [1, 2] }, \"fixed\": { \"nmv\": 3, \"L\": 2, \"train\": 30, \"test\": 20 } }", "point 2 (widths=[8,8,8,8,8,8,8,8,8,8] seed=1)", "layers")]
    [InlineData("{ \"grid\": { \"train\": [30, 70] }, \"fixed\": { \"nmv\": 3, \"L\": 2, \"test\": 20 } }", "point 1 (train=70)", "exceeds P_max")]
    [InlineData("{ \"description\": 5 }", "description: expected a string")]
    public void MalformedPlansGiveOneLineErrorsNamingTheField(string json, params string[] mentions)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => SweepPlan.Parse(json, "p.json"));
        Assert.StartsWith("p.json: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        foreach (var m in mentions) Assert.True(e.Message.Contains(m, StringComparison.Ordinal), $"'{m}' not in: {e.Message}");
    }

    [Fact]
    public void DuplicateKeysAreFoundAtAnyDepth()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => SweepPlan.Parse("""{ "grid": { "seed": [1, 2] }, "fixed": { "nc": 3, "lr": 0.1, "nc": 4 } }"""));
        Assert.Contains("fixed.nc: duplicate key", e.Message);
    }

    [Fact]
    public void TwoPointsWithTheSameConfigAreRejected()
    {
        // 0.1 and 0.10 are different texts, so the duplicate-value check lets them through, but they are one number.
        var e = Assert.ThrowsAny<ArgumentException>(() => SweepPlan.Parse("""{ "grid": { "lr": [0.1, 0.10] }, "fixed": { "nmv": 3, "L": 2, "train": 30, "test": 20 } }"""));
        Assert.Contains("same config as point 0", e.Message);
    }

    [Fact]
    public void LoadNamesTheFileInErrors()
    {
        using var tmp = new TempFolder("rhmlab-plan-");
        string path = tmp.File("plan.json");
        File.WriteAllText(path, "{ \"grid\": { \"seed\": [] } }");
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => SweepPlan.Load(path));
            Assert.StartsWith(path + ": grid.seed", e.Message);
            var missing = Assert.ThrowsAny<ArgumentException>(() => SweepPlan.Load(path + ".missing"));
            Assert.Contains("cannot read", missing.Message);
        }
    }

    [Fact]
    public void ShardsPartitionThePlan()
    {
        var plan = Tiny("\"seed\": [1, 2, 3, 4, 5, 6, 7]");
        foreach (int n in new[] { 1, 2, 3, 7, 9 })
        {
            var shards = Enumerable.Range(1, n).Select(i => plan.PointsOf(new SweepShard(i, n)).Select(p => p.Index).ToList()).ToList();
            Assert.Equal(plan.Points.Count, shards.Sum(s => s.Count));                       // disjoint ...
            Assert.Equal(Enumerable.Range(0, plan.Points.Count), shards.SelectMany(s => s).Order());   // ... and covering
            Assert.All(shards, s => Assert.True(s.Count <= (plan.Points.Count + n - 1) / n));
        }
        Assert.Equal([0, 3, 6], plan.PointsOf(SweepShard.Parse("1/3")).Select(p => p.Index));
    }

    [Theory]
    [InlineData("0/3")]
    [InlineData("4/3")]
    [InlineData("1/0")]
    [InlineData("1-3")]
    [InlineData("a/b")]
    [InlineData("-1/3")]
    public void BadShardsAreRejected(string text)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => SweepShard.Parse(text));
        Assert.StartsWith("--shard: ", e.Message);
    }

    [Fact]
    public void PointValuesKeepTheGridKeys()
    {
        var p = Tiny("\"rule\": [\"dfa\"], \"lr\": [0.5]").Points[0];
        Assert.Equal("""{"rule":"dfa","lr":0.5}""", p.Values.ToJsonString());
        Assert.IsType<JsonObject>(p.Config.ToJson());
    }
}
