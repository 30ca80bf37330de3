using System.Reflection;
using System.Text.Json.Nodes;
using RhmLab.Experiments;

namespace RhmLab.Tests.Experiments;

/// <summary>Run options are declared once, on <see cref="RunConfig"/>'s properties, and checked by their declarations.</summary>
public class RunOptionDeclarationTests
{
    [Fact]
    public void EveryPublicPropertyOfTheConfigIsADeclaredOptionWithItsOwnKey()
    {
        var declared = typeof(RunConfig).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite).Select(p => p.Name).Order().ToArray();
        Assert.Equal(declared, RunOptions.All.Select(o => o.Property).Order().ToArray());
        Assert.Equal(RunOptions.All.Count, RunOptions.All.Select(o => o.Key).Distinct().Count());
        Assert.Same(RunOptions.Find("L"), RunOptions.Find("depth"));
    }

    [Fact]
    public void TheOrderIsTheOrderOfTheDeclarations()
    {
        // The help and every run record's config list the options in this order.
        var keys = RunOptions.All.Select(o => o.Key).ToArray();
        Assert.Equal(["nc", "m", "v", "s", "L", "rules", "seed"], keys[..7]);
        Assert.True(Array.IndexOf(keys, "lr") < Array.IndexOf(keys, "momentum"));
        Assert.Equal("threads", keys[^1]);
        Assert.Equal(keys, new RunConfig().ToJson().Select(kv => kv.Key).ToArray());
    }

    [Fact]
    public void EveryDefaultPassesItsOwnDeclaration() => RunOptions.Validate(new RunConfig());

    [Theory]
    [InlineData("momentum", "1", "momentum: must be in [0, 1) (got 1)")]
    [InlineData("momentum", "-0.5", "momentum: must be in [0, 1) (got -0.5)")]
    [InlineData("lr", "0", "lr: must be > 0 (got 0)")]
    [InlineData("threads", "257", "threads: must be in 1..256 (got 257)")]
    [InlineData("batch", "0", "batch: must be >= 1 (got 0)")]
    [InlineData("widths", "4,0,4", "widths: must be in 1..65536 (got 0)")]
    [InlineData("sensitivity-reference", "1", "sensitivity-reference: must be >= 2 (got 1)")]
    [InlineData("arch", "rnn", "arch: unknown value 'rnn' (expected cnn, mlp)")]
    [InlineData("rule", "hebb", "rule: unknown value 'hebb'")]
    [InlineData("anti-collapse", "centered+normalized", "anti-collapse: normalized, standardized, centered and running-centered exclude each other")]
    [InlineData("seed", "1.5", "seed: expected an integer")]
    public void ARefusedValueIsRefusedWhenSetWithOneLineNamingTheOption(string key, string text, string message)
    {
        var config = new RunConfig();
        var e = Assert.Throws<ArgumentException>(() => RunOptions.Find(key)!.SetText(config, text));
        Assert.StartsWith(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(RunOptions.Find(key)!.Get(new RunConfig())?.ToJsonString(), RunOptions.Find(key)!.Get(config)?.ToJsonString());
    }

    [Fact]
    public void AConfigBuiltInCodeIsCheckedByTheSameDeclarationsWhenResolved()
    {
        var e = Assert.Throws<ArgumentException>(() => ResolvedRun.Resolve(new RunConfig { Momentum = 1 }));
        Assert.Equal("momentum: must be in [0, 1) (got 1)", e.Message);
        e = Assert.Throws<ArgumentException>(() => ResolvedRun.Resolve(new RunConfig { ClappMode = "sometimes" }));
        Assert.StartsWith("clapp-mode: unknown value 'sometimes'", e.Message);
        e = Assert.Throws<ArgumentException>(() => ResolvedRun.Resolve(new RunConfig { Rules = null! }));
        Assert.Equal("rules: must be given (got null)", e.Message);
    }

    [Fact]
    public void NullIsTheResolvedDefaultOnlyWhereTheDeclarationAllowsIt()
    {
        var config = new RunConfig { Lr = 0.5 };
        RunOptions.Find("lr")!.Set(config, null);
        Assert.Null(config.Lr);
        var e = Assert.Throws<ArgumentException>(() => RunOptions.Find("batch")!.Set(config, null));
        Assert.StartsWith("batch: expected an integer", e.Message);
        Assert.True(RunOptions.Find("optimizer")!.Nullable);
        Assert.False(RunOptions.Find("loss")!.Nullable);
    }

    [Fact]
    public void HelpShowsTheChoicesAndTheRulesThatReadTheOption()
    {
        Assert.Contains("(ce|mse|mse-mean|mse-centered)", RunOptions.Find("loss")!.Help);
        Assert.Contains("read by", RunOptions.Find("clapp-mode")!.Help);
        Assert.Contains("clapp-pos", RunOptions.Find("anti-collapse")!.Help);
        Assert.Contains("bp|", RunOptions.Find("rule")!.Help);
        Assert.Equal(RunOptions.Find("rule")!.Choices, RuleCatalog.Names);
        Assert.Null(RunOptions.Find("anti-collapse")!.Choices);
    }

    [Fact]
    public void ARangeOnANumberIsAlsoSeenInJson()
    {
        var config = new RunConfig();
        var e = Assert.Throws<ArgumentException>(() => RunOptions.Apply(config, new JsonObject { ["probe-stop-every"] = 0 }, "plan"));
        Assert.Equal("probe-stop-every: must be >= 1 (got 0)", e.Message);
    }
}
