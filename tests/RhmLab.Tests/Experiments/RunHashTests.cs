using System.Text.Json.Nodes;
using RhmLab.Experiments;

namespace RhmLab.Tests.Experiments;

/// <summary>Run hashes: stable for equal configs, different for any changed option, blind to key order.</summary>
public class RunHashTests
{
    [Fact]
    public void SameConfigSameHash()
    {
        var a = new RunConfig { Rule = "dfa", Seeds = { Seed = 3 }, Training = { Lr = 0.05 } };
        var b = new RunConfig { Rule = "dfa", Training = { Lr = 0.05 }, Seeds = { Seed = 3 } };
        Assert.Equal(RunHash.Of(a), RunHash.Of(b));
        Assert.Equal(RunHash.Of(a), RunHash.Of(a.Clone()));
        Assert.True(RunHash.IsValid(RunHash.Of(a)));
        Assert.Equal(RunHash.Length, RunHash.Of(a).Length);
    }

    [Fact]
    public void EveryOptionChangesTheHash()
    {
        var seen = new HashSet<string>();
        foreach (var rule in RuleCatalog.Names) Assert.True(seen.Add(RunHash.Of(new RunConfig { Rule = rule })));
        // An option with a single value (ica-nonlin: only relu is implemented) has no other value to try. A rule's
        // option is changed in a config of a rule that reads it.
        foreach (var opt in RunOptions.All.Where(o => o.Choices is not [_] && o.Key != "rule"))
        {
            var baseline = new RunConfig { Rule = opt.IsCore ? "bp" : RuleCatalog.ReadersOf(opt.Key)[0] };
            var c = baseline.Clone();
            opt.Set(c, Other(opt, opt.Get(baseline)));
            Assert.True(seen.Add(RunHash.Of(c)), $"changing {opt.Key} did not give a new hash");
        }
    }

    [Fact]
    public void AnOptionAtItsDefaultLeavesTheHashAsBeforeTheOptionExisted()
    {
        // A record written before an option existed lacks its key; the same run must keep its hash once the option
        // is added with a default that keeps the old behaviour, else a sweep would re-run every finished run.
        var config = new RunConfig { Rule = "clapp", Seeds = { Seed = 4 }, Training = { Lr = 0.003 } };
        var json = config.ToJson();
        var older = (JsonObject)json.DeepClone();
        Assert.True(older.Remove("clapp-pairing"));
        Assert.True(older.Remove("negatives"));
        Assert.Equal(RunHash.Of(config), RunHash.OfConfigJson(older));
        Assert.Equal(RunHash.Of(config), RunHash.OfConfigJson(JsonNode.Parse(json.ToJsonString())!.AsObject()));
        // A key no option knows any more still tells runs apart.
        older["retired-option"] = 3;
        Assert.NotEqual(RunHash.Of(config), RunHash.OfConfigJson(older));
        // Setting an option to its default explicitly is the same run.
        Assert.Equal(RunHash.Of(config), RunHash.Of(new RunConfig { Rule = "clapp", Seeds = { Seed = 4 }, Training = { Lr = 0.003 } }.Set("clapp-pairing", "triplets")));
    }

    [Fact]
    public void RecordsHashedOverTheFullConfigStillReadAsConsistent()
    {
        var config = new RunConfig { Rule = "bp", Seeds = { Seed = 2 } };
        var record = new JsonObject
        {
            ["format"] = "rhmlab-run", ["config"] = config.ToJson(), ["diverged"] = false, ["epochs_run"] = 3,
            ["train_loss"] = 0.1, ["test_error"] = 0.2, ["probe_errors"] = new JsonArray(0.3),
        };
        string legacy = RunHash.OfFullConfigJson(config.ToJson());
        Assert.NotEqual(legacy, RunHash.Of(config));
        foreach (string hash in new[] { legacy, RunHash.Of(config) })
        {
            record["run_hash"] = hash;
            Assert.Null(SweepStore.RecordProblem(record, hash));
        }
        record["run_hash"] = "0123456789abcdef";
        Assert.NotNull(SweepStore.RecordProblem(record, "0123456789abcdef"));
    }

    /// <summary>A valid value of the option that differs from <paramref name="current"/>.</summary>
    private static JsonNode? Other(RunOption opt, JsonNode? current) => opt.Type switch
    {
        "string" when opt.Choices != null => JsonValue.Create(opt.Choices.First(x => x != (string?)current)),
        "string" when opt.Key == "anti-collapse" => JsonValue.Create((string?)current == "hinge-only" ? "centered" : "hinge-only"),
        "string" => JsonValue.Create("other"),
        "int" => JsonValue.Create(current is null ? 7 : (int)current + 1),
        "long" => JsonValue.Create(current is null ? 7L : (long)current + 1),
        // Halving stays inside every declared range that holds the default (momentum's [0, 1) included).
        "double" => JsonValue.Create(current is null ? 0.375 : (double)current is var d && d > 0 ? d / 2 : d + 0.5),
        "int-list" => new JsonArray(5, 6),
        "bool" => JsonValue.Create(!(current is JsonValue b && b.GetValue<bool>())),
        _ => throw new InvalidOperationException(opt.Type),
    };

    [Fact]
    public void KeyOrderIsIrrelevant()
    {
        var config = new RunConfig { Rule = "fa", Network = { Width = 16, Widths = [4, 5, 6] }, Data = { TrainMultiple = 0.5 } };
        var json = config.ToJson();
        var reversed = new JsonObject(json.Reverse().Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone())));
        Assert.NotEqual(json.ToJsonString(), reversed.ToJsonString());
        Assert.Equal(RunHash.Canonical(json), RunHash.Canonical(reversed));

        var rebuilt = new RunConfig();
        RunOptions.Apply(rebuilt, reversed);
        Assert.Equal(RunHash.Of(config), RunHash.Of(rebuilt));
        // And through text, as a config.json read back from disk.
        var fromText = new RunConfig();
        RunOptions.Apply(fromText, (JsonObject)JsonNode.Parse(reversed.ToJsonString())!);
        Assert.Equal(RunHash.Of(config), RunHash.Of(fromText));
    }

    [Fact]
    public void CanonicalJsonSortsKeysAtEveryDepth()
    {
        var o = JsonNode.Parse("""{ "b": 1, "a": { "y": [3, {"d": 1, "c": 2}], "x": null }, "A": "s" }""");
        Assert.Equal("""{"A":"s","a":{"x":null,"y":[3,{"c":2,"d":1}]},"b":1}""", RunHash.Canonical(o));
        // The hash of a fixed text never changes, whatever the build.
        Assert.Equal("44136fa355b3678a", RunHash.OfCanonical("{}"));
    }

    [Fact]
    public void PlanPointsHashLikeTheirConfig()
    {
        var plan = SweepPlanTests.Tiny("\"seed\": [1, 2]");
        Assert.All(plan.Points, p => Assert.Equal(RunHash.Of(p.Config), p.Hash));
        // The same run written another way (nc/m/v instead of nmv, depth instead of L) has the same hash.
        var again = SweepPlan.Parse("""
            { "grid": { "seed": [2] }, "fixed": { "blas": "managed", "epochs": 2, "width": 8, "test": 20, "train": 30, "depth": 2, "v": 3, "m": 3, "nc": 3 } }
            """);
        Assert.Equal(plan.Points[1].Hash, again.Points[0].Hash);
    }
}
