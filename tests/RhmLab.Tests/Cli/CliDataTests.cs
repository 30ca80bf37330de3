using System.Text.Json.Nodes;
using RhmLab.Data;
using RhmLab.Rhm;

namespace RhmLab.Tests.Cli;

/// <summary><c>rhmlab data</c>: reproducible files, separate seed streams, rules files.</summary>
public sealed class CliDataTests : IDisposable
{
    private readonly TempFolder _tmp = new("rhmlab-cli-");
    private string _dir => _tmp.Path;

    public void Dispose() => _tmp.Dispose();

    private string Data(string name, params string[] extra)
    {
        string path = Path.Combine(_dir, name);
        var r = Cli.Run(["data", .. Cli.Small, "--train", "60", "--test", "40", .. extra, "--out", path]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("", r.Stderr);
        Assert.True(File.Exists(path));
        return path;
    }

    private static Dictionary<string, NpyArray> Arrays(string path) => Npy.ReadNpz(path);

    private static bool Same(NpyArray a, NpyArray b) => a.Dtype == b.Dtype && a.Shape.SequenceEqual(b.Shape) && a.Data.AsSpan().SequenceEqual(b.Data);

    [Fact]
    public void SameSeedsGiveByteIdenticalFiles()
    {
        string a = Data("a.npz", "--seed", "5");
        // Zip entries carry a modification time with 2-second resolution: make sure the second run is in another window.
        Thread.Sleep(2100);
        string b = Data("b.npz", "--seed", "5");
        Assert.True(File.ReadAllBytes(a).AsSpan().SequenceEqual(File.ReadAllBytes(b)), "two runs with the same seed wrote different bytes");
        string c = Data("c.npz", "--seed", "6");
        Assert.False(File.ReadAllBytes(a).AsSpan().SequenceEqual(File.ReadAllBytes(c)));
        var aa = Arrays(a);
        var cc = Arrays(c);
        Assert.False(Same(aa["rules_2"], cc["rules_2"]) && Same(aa["rules_1"], cc["rules_1"]));
        Assert.False(Same(aa["index_train"], cc["index_train"]));
    }

    [Fact]
    public void SeedStreamsAreSeparate()
    {
        var baseline = Arrays(Data("base.npz", "--seed", "1"));
        // Another sample seed: the same rules, other data.
        var sample = Arrays(Data("sample.npz", "--seed", "1", "--sample-seed", "2"));
        Assert.True(Same(baseline["rules_1"], sample["rules_1"]) && Same(baseline["rules_2"], sample["rules_2"]));
        Assert.False(Same(baseline["index_train"], sample["index_train"]));
        Assert.False(Same(baseline["x_train"], sample["x_train"]));
        // Another rules seed: other rules, the same indices (the sample stream is untouched).
        var rules = Arrays(Data("rules.npz", "--seed", "1", "--rules-seed", "9"));
        Assert.False(Same(baseline["rules_1"], rules["rules_1"]) && Same(baseline["rules_2"], rules["rules_2"]));
        Assert.True(Same(baseline["index_train"], rules["index_train"]));
        Assert.True(Same(baseline["index_test"], rules["index_test"]));
        // The split seed does nothing under test-first-nested...
        var split = Arrays(Data("split.npz", "--seed", "1", "--split-seed", "4"));
        foreach (var k in new[] { "x_train", "y_train", "x_test", "y_test", "index_train", "index_test", "rules_1", "rules_2", "rules_3" })
            Assert.True(Same(baseline[k], split[k]), k);
        // ...and reshuffles the split under joint, without changing the rules.
        var j1 = Arrays(Data("j1.npz", "--seed", "1", "--split", "joint"));
        var j2 = Arrays(Data("j2.npz", "--seed", "1", "--split", "joint", "--split-seed", "4"));
        Assert.True(Same(j1["rules_1"], j2["rules_1"]));
        Assert.False(Same(j1["index_test"], j2["index_test"]));
        // The meta array records every seed.
        var meta = JsonNode.Parse(rules["meta"].AsString())!;
        Assert.Equal(1L, (long)meta["seed"]!);
        Assert.Equal(9L, (long)meta["rules_seed"]!);
        Assert.Equal(1L, (long)meta["sample_seed"]!);
        Assert.Equal(1L, (long)meta["split_seed"]!);
    }

    [Fact]
    public void SavedRulesReloadAndReproduceTheData()
    {
        string rules = Path.Combine(_dir, "rules.json");
        var first = Arrays(Data("first.npz", "--seed", "3", "--rules", "v1", "--save-rules", rules));
        var g = RulesFile.Load(rules);
        Assert.Equal(RuleVersion.V1, g.Version);
        Assert.Equal(new RhmParameters(3, 3, 3, 2, 3), g.Parameters);
        Assert.Equal(g.Productions(1).ToArray(), first["rules_1"].ToInt32());
        string path = Path.Combine(_dir, "second.npz");
        var r = Cli.Run("data", "--rules-file", rules, "--seed", "3", "--train", "60", "--test", "40", "--out", path);
        Assert.True(r.ExitCode == 0, r.ToString());
        var second = Arrays(path);
        foreach (var k in new[] { "x_train", "y_train", "x_test", "index_test", "rules_1", "rules_2" })
            Assert.True(Same(first[k], second[k]), k);
    }

    [Fact]
    public void JsonSummary()
    {
        var r = Cli.Run(["data", .. Cli.Small, "--train", "10", "--test", "5", "--json"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var o = JsonNode.Parse(r.Stdout)!;
        Assert.Equal(10, (int)o["train"]!);
        Assert.Equal(5, (int)o["test"]!);
        Assert.Equal("6561", (string)o["p_max"]!);
        Assert.Equal(10, o["train_class_counts"]!.AsArray().Sum(x => (int)x!));
        Assert.NotNull(o["warning"]);
    }

    [Fact]
    public void TextSummaryAndIidDuplicates()
    {
        var r = Cli.Run("data", "--nc", "2", "--m", "2", "--v", "2", "--s", "2", "--L", "2", "--train", "30", "--test", "10", "--sampling", "iid");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("P_max = 16", r.Stdout);
        Assert.Contains("iid", r.Stdout);
        Assert.DoesNotContain("duplicates 0", r.Stdout);
    }
}
