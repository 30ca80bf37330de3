using RhmLab.Experiments;
using RhmLab.Rules;

namespace RhmLab.Tests.Rules;

/// <summary>
/// The anti-collapse option of CLAPP without negatives: component names combine with +, bad combinations are refused
/// with the option's name, and the resolved run hands the components and their constants to the objective.
/// </summary>
public class NoNegativesModeTests
{
    [Theory]
    [InlineData("hinge-only", NoNegativesMode.HingeOnly)]
    [InlineData("wpred-decay", NoNegativesMode.WpredDecay)]
    [InlineData("standardized+wpred-decay", NoNegativesMode.Standardized | NoNegativesMode.WpredDecay)]
    [InlineData("centered+vicreg-reg+asym-stopgrad", NoNegativesMode.Centered | NoNegativesMode.VicregReg | NoNegativesMode.AsymStopGrad)]
    [InlineData("normalized", NoNegativesMode.Normalized)]
    [InlineData("centered+ema-target", NoNegativesMode.Centered | NoNegativesMode.EmaTarget)]
    public void ParsesComponents(string text, NoNegativesMode expected) => Assert.Equal(expected, NoNegativesModes.Parse(text));

    [Theory]
    [InlineData("hinge-only+wpred-decay", "hinge-only")]
    [InlineData("wpred-decay+wpred-decay", "twice")]
    [InlineData("normalized+standardized", "exclude")]
    [InlineData("centered+standardized", "exclude")]
    [InlineData("whitened", "whitened")]
    [InlineData("", "unknown")]
    public void RefusesBadCombinations(string text, string mention)
    {
        var e = Assert.Throws<ArgumentException>(() => RunOptions.Find("anti-collapse")!.SetText(new RunConfig(), text));
        Assert.Contains("anti-collapse", e.Message, StringComparison.Ordinal);
        Assert.Contains(mention, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheResolvedRunPassesComponentsAndConstants()
    {
        var config = new RunConfig { Rule = "clapp-pos", Rhm = { Nc = 4, M = 4, V = 4, L = 2 } };
        foreach (var (key, value) in new[] { ("anti-collapse", "standardized+wpred-decay"), ("wpred-decay", "1"), ("nc-std-eps", "0.5"), ("nc-covariance", "2") })
            RunOptions.Find(key)!.SetText(config, value);
        var o = ResolvedRun.Resolve(config).Config.Get<ClappOptions>();
        Assert.Equal(NoNegativesMode.Standardized | NoNegativesMode.WpredDecay, o.AntiCollapse!.Components);
        Assert.Equal(1.0, o.AntiCollapse.WpredDecay);
        Assert.Equal(0.5, o.AntiCollapse.StandardizeEpsilon);
        Assert.Equal(2.0, o.AntiCollapse.CovarianceWeight);
        Assert.True(o.Has(NoNegativesMode.Standardized));
        // CLAPP with negatives has no anti-collapse: its options hold none, and a config of it refuses one.
        Assert.False(new ClappOptions().Has(NoNegativesMode.Standardized));
        var clapp = new RunConfig { Rule = "clapp" };
        Assert.Null(clapp.Get<ClappOptions>().AntiCollapse);
        Assert.Equal("anti-collapse: not an option of rule clapp (read by clapp-pos, e2e-clapp-nc)",
            Assert.Throws<ArgumentException>(() => clapp.Set("anti-collapse", "standardized")).Message);
    }

    [Theory]
    [InlineData("centered", "0.9", "ema-tau")]
    [InlineData("centered+ema-target", "1", "ema-tau")]
    [InlineData("centered+ema-target", "-0.1", "ema-tau")]
    public void EmaTauIsCheckedAndNeedsTheTargetNetwork(string antiCollapse, string tau, string field)
    {
        var config = new RunConfig { Rule = "clapp-pos", Rhm = { Nc = 4, M = 4, V = 4, L = 2 } };
        var e = Assert.Throws<ArgumentException>(() =>
        {
            RunOptions.Find("anti-collapse")!.SetText(config, antiCollapse);
            RunOptions.Find("ema-tau")!.SetText(config, tau);
            ResolvedRun.Resolve(config);
        });
        Assert.StartsWith(field, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheTargetNetworksDecayReachesTheObjective()
    {
        var config = new RunConfig { Rule = "clapp-pos", Rhm = { Nc = 4, M = 4, V = 4, L = 2 } };
        RunOptions.Find("anti-collapse")!.SetText(config, "centered+ema-target");
        RunOptions.Find("ema-tau")!.SetText(config, "0.9");
        var o = ResolvedRun.Resolve(config).Config.Get<ClappOptions>();
        Assert.Equal(0.9, o.AntiCollapse!.EmaDecay);
        Assert.True(o.Has(NoNegativesMode.EmaTarget));
    }

    [Fact]
    public void TheDefaultIsAValidCombination()
    {
        var run = ResolvedRun.Resolve(new RunConfig { Rule = "clapp-pos", Rhm = { Nc = 4, M = 4, V = 4, L = 2 } });
        Assert.Equal(AntiCollapseOptions.DefaultMechanism, run.Config.Get<ClappOptions>().AntiCollapse!.Name);
        Assert.Equal(NoNegativesModes.Parse(AntiCollapseOptions.DefaultMechanism), run.Config.Get<ClappOptions>().AntiCollapse!.Components);
    }
}

/// <summary>
/// Which anti-collapse variants are negative-free in the strict sense: the gradient of one datum's loss must not
/// depend on the other data of its batch. Measured on the objective itself (change another datum, watch this one's
/// gradient) and compared with the table <see cref="NoNegativesModes.CouplesBatch"/> that Fig. 10's verdicts quote.
/// </summary>
public class BatchCouplingTests
{
    private const int Width = 6, Anchors = 5;

    [Theory]
    [InlineData("hinge-only")]
    [InlineData("wpred-decay")]
    [InlineData("vicreg-reg")]
    [InlineData("asym-stopgrad")]
    [InlineData("normalized")]
    [InlineData("standardized")]
    [InlineData("centered")]
    [InlineData("running-centered")]
    [InlineData("running-centered+asym-stopgrad")]
    [InlineData("ema-target")]
    public void TheTableSaysWhetherADatumsGradientReadsItsBatch(string text)
    {
        var mode = NoNegativesModes.Parse(text);
        var rng = new RhmLab.Rhm.Rng(7);
        var warm = Batch(rng);
        var batch = Batch(rng);
        var changed = (float[])batch.Clone();
        // Datum 3 (its anchor and its positive row) changes; datum 0's gradient is watched.
        for (int j = 0; j < Width; j++) { changed[3 * Width + j] += 0.7f; changed[(Anchors + 3) * Width + j] -= 0.4f; }
        var a = Gradient(mode, warm, batch);
        var b = Gradient(mode, warm, changed);
        bool differs = false;
        foreach (int row in new[] { 0, Anchors })
            for (int j = 0; j < Width; j++) differs |= Math.Abs(a[row * Width + j] - b[row * Width + j]) > 1e-6;
        Assert.Equal(NoNegativesModes.CouplesBatch(mode), differs);
    }

    private static float[] Batch(RhmLab.Rhm.Rng rng)
    {
        var h = new float[3 * Anchors * Width];
        for (int i = 0; i < 2 * Anchors * Width; i++) h[i] = (float)Math.Max(0, rng.NextGaussian() + 0.3);
        return h;
    }

    // A fresh objective (same initial W_pred) that first sees the warm-up batch, then the batch: the gradient of the rows.
    private static float[] Gradient(NoNegativesMode mode, float[] warm, float[] batch)
    {
        var options = new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(mode), WpredDecay = 0.1 } };
        var o = new ClappObjective<float>(new RhmLab.Numerics.ReferenceMatMul(), options, Width, 1, Anchors, new RhmLab.Rhm.Rng(1), new RhmLab.Rhm.Rng(2), "W");
        var pos = Enumerable.Repeat(true, Anchors).ToArray();
        var neg = new bool[Anchors];
        var grad = new float[batch.Length];
        o.Evaluate(warm, Anchors, pos, neg, grad, new StepStats(), "");
        o.Evaluate(batch, Anchors, pos, neg, grad, new StepStats(), "");
        return grad;
    }
}
