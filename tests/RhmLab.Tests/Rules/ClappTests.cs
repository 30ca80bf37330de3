using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Rhm;
using RhmLab.Rules;
using RhmLab.Training;

namespace RhmLab.Tests.Rules;

/// <summary>
/// CLAPP's update equals the float64 finite-difference gradient of each layer's own loss, matches the closed-form
/// three-factor rule, and is local: nothing from other layers' losses reaches a layer.
/// </summary>
public class ClappTests
{
    private static readonly RhmParameters Rhm = new(3, 2, 3, 2, 3);
    private const int Anchors = 4;

    private static (Network<double> Net, int[] Tokens, int[] Labels) Setup(bool singleton = false)
    {
        var net = TinyNets.Create(Rhm, new NetworkConfig([5, 4, 3]));
        // Scale weights up so that hinges are active but not saturated for every pair.
        var (tokens, _) = TinyNets.Batch(Rhm, 3 * Anchors, 17);
        var labels = new int[3 * Anchors];
        for (int i = 0; i < labels.Length; i++) labels[i] = i % Rhm.Classes;
        if (singleton) labels[Anchors + 1] = -1;
        return (net, tokens, labels);
    }

    private static (ClappRule<double> Rule, Parameter<double>[] Ps, StepStats Stats) Run(Network<double> net, ClappOptions o, int[] tokens, int[] labels, double[][]? predictors = null, bool e2e = false)
    {
        var rule = new ClappRule<double>("clapp", o, e2e);
        var ps = Trainer<double>.CreateParameters(net);
        rule.Attach(net, ps, new RuleContext(3 * Anchors, 7, null, 11));
        if (predictors != null)
            for (int i = 0; i < predictors.Length; i++) predictors[i].CopyTo(rule.OwnParameters[i].Value, 0);
        var pass = net.CreatePass(3 * Anchors);
        net.Forward(tokens, 3 * Anchors, pass);
        var stats = rule.Step(pass, labels);
        return (rule, ps, stats);
    }

    private static double LayerLoss(StepStats s, int layer, ClappOptions o)
    {
        double l = s.Components[$"layer{layer}.pos"] + s.Components[$"layer{layer}.neg"];
        if (o.MeanCombine) l *= 0.5;
        if (s.Components.TryGetValue($"layer{layer}.wpred_decay", out double d)) l += d;
        if (s.Components.TryGetValue($"layer{layer}.variance", out double v)) l += o.AntiCollapse!.VarianceWeight * v + o.AntiCollapse!.CovarianceWeight * s.Components[$"layer{layer}.covariance"];
        return l;
    }

    public static TheoryData<string> Variants() => new() { "both-symmetric", "both-asymmetric", "either-symmetric", "either-asymmetric", "mean", "per-position", "pooled", "pos-hinge", "pos-wpred-decay", "pos-vicreg", "pos-asym-stopgrad",
        "pos-normalized", "pos-normalized-vicreg", "pos-normalized-asym", "pos-standardized", "pos-standardized-decay", "pos-standardized-vicreg",
        "pos-standardized-asym-stopgrad", "pos-standardized-small-eps", "pos-centered", "pos-centered-decay", "pos-centered-per-position",
        "pos-decay-vicreg" };

    // Stop-gradient variants follow the gradient only for their prediction matrices; their network updates are
    // checked against the symmetric rule below.
    private static bool StopGradient(string variant) => variant.Contains("asym");

    private static ClappOptions Options(string variant) => variant switch
    {
        "both-asymmetric" => new ClappOptions { Asymmetric = true },
        "either-symmetric" => new ClappOptions { Mode = ClappMode.Either },
        "either-asymmetric" => new ClappOptions { Mode = ClappMode.Either, Asymmetric = true },
        "mean" => new ClappOptions { MeanCombine = true },
        "per-position" => new ClappOptions { Representation = new() { Mode = RepresentationMode.PerPositionMean } },
        "pooled" => new ClappOptions { Representation = new() { Mode = RepresentationMode.Pooled } },
        "pos-hinge" => new ClappOptions { AntiCollapse = new() { Mechanism = "hinge-only" } },
        "pos-wpred-decay" => new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.WpredDecay), WpredDecay = 0.3 } },
        "pos-vicreg" => new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.VicregReg) } },
        "pos-asym-stopgrad" => new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.AsymStopGrad) } },
        "pos-normalized" => new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.Normalized), WpredRadius = 0.7 } },
        "pos-normalized-vicreg" => new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.Normalized | NoNegativesMode.VicregReg) } },
        "pos-normalized-asym" => new ClappOptions { Asymmetric = true, AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.Normalized) } },
        "pos-standardized" => new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.Standardized) } },
        "pos-standardized-decay" => new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.Standardized | NoNegativesMode.WpredDecay), WpredDecay = 0.3 } },
        "pos-standardized-vicreg" => new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.Standardized | NoNegativesMode.VicregReg) } },
        "pos-standardized-asym-stopgrad" => new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.Standardized | NoNegativesMode.AsymStopGrad) } },
        "pos-standardized-small-eps" => new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.Standardized), StandardizeEpsilon = 1e-3 } },
        "pos-centered" => new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.Centered) } },
        "pos-centered-decay" => new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.Centered | NoNegativesMode.WpredDecay), WpredDecay = 0.3 } },
        "pos-centered-per-position" => new ClappOptions { Representation = new() { Mode = RepresentationMode.PerPositionMean }, AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.Centered) } },
        "pos-decay-vicreg" => new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.WpredDecay | NoNegativesMode.VicregReg), WpredDecay = 0.3 } },
        _ => new ClappOptions(),
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void UpdateIsTheGradientOfEachLayersOwnLoss(string variant)
    {
        var o = Options(variant);
        var (net, tokens, labels) = Setup(singleton: true);
        var (rule, ps, stats) = Run(net, o, tokens, labels);
        Assert.True(ps[^1].Frozen, "the readout is not trained by a self-supervised rule");
        Assert.All(ps.Readout().Grad, g => Assert.Equal(0.0, g));
        var predictors = rule.OwnParameters.Select(p => p.Value.ToArray()).ToArray();
        var targets = new List<(Parameter<double> P, int Layer, bool Own)>();
        for (int k = 0; k < net.Depth; k++) { targets.Add((ps[2 * k], k + 1, false)); targets.Add((ps[2 * k + 1], k + 1, false)); }
        var perLayer = rule.OwnParameters.Count / net.Depth;
        for (int i = 0; i < rule.OwnParameters.Count; i++) targets.Add((rule.OwnParameters[i], i / perLayer + 1, true));
        const double eps = 1e-6;
        int compared = 0, nonZero = 0;
        foreach (var (p, layer, own) in targets)
        {
            if (!own && StopGradient(variant)) continue;
            int stride = Math.Max(1, p.Value.Length / 12);
            for (int i = 0; i < p.Value.Length; i += stride)
            {
                double Loss(double delta)
                {
                    var preds = predictors.Select(a => a.ToArray()).ToArray();
                    if (own) preds[rule.OwnParameters.ToList().IndexOf(p)][i] += delta;
                    else p.Value[i] += delta;
                    var (_, _, s) = Run(net, o, tokens, labels, preds);
                    if (!own) p.Value[i] -= delta;
                    return LayerLoss(s, layer, o);
                }
                double fd = (Loss(eps) - Loss(-eps)) / (2 * eps);
                double g = p.Grad[i];
                Assert.True(Math.Abs(fd - g) <= 1e-6 + 1e-5 * Math.Abs(fd), $"{variant} {p.Name}[{i}] (layer {layer}): update {g}, finite difference {fd}");
                compared++;
                if (Math.Abs(g) > 1e-9) nonZero++;
            }
        }
        Assert.True(compared > (StopGradient(variant) ? 20 : 60));
        Assert.True(nonZero > 10, "the check must see non-trivial updates");
        Assert.True(stats.Components["layer1.active"] > 0);
    }

    [Theory]
    [InlineData(ClappMode.Both)]
    [InlineData(ClappMode.Either)]
    public void AsymmetricWithEqualMatricesSplitsTheSymmetricUpdate(ClappMode mode)
    {
        // With W₁ = W₂ = W, ℓ(u₁) + ℓ(u₂) = 2ℓ(u): the target side learns through W₁ c, the context side through
        // W₂ᵀ z, and together they give exactly the symmetric rule's update (and each matrix its gradient).
        var (net, tokens, labels) = Setup();
        var (sym, psSym, _) = Run(net, new ClappOptions { Mode = mode }, tokens, labels);
        var w = sym.OwnParameters.Select(p => p.Value.ToArray()).ToArray();
        var doubled = w.SelectMany(x => new[] { x, x }).ToArray();
        var (asym, psAsym, _) = Run(net, new ClappOptions { Mode = mode, Asymmetric = true }, tokens, labels, doubled);
        for (int i = 0; i < psSym.Length; i++)
            for (int j = 0; j < psSym[i].Grad.Length; j++) Assert.Equal(psSym[i].Grad[j], psAsym[i].Grad[j], 10);
        for (int k = 0; k < net.Depth; k++)
        {
            Assert.Equal(sym.OwnParameters[k].Grad, asym.OwnParameters[2 * k].Grad);
            Assert.Equal(sym.OwnParameters[k].Grad, asym.OwnParameters[2 * k + 1].Grad);
        }
    }

    [Fact]
    public void StopGradientTrainsOnlyTheContextSide()
    {
        var (net, tokens, labels) = Setup();
        var (hinge, _, _) = Run(net, new ClappOptions { AntiCollapse = new() { Mechanism = "hinge-only" } }, tokens, labels);
        var (stop, _, _) = Run(net, new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.AsymStopGrad) } }, tokens, labels);
        for (int k = 0; k < net.Depth; k++)
        {
            int n = net.Layers[k].Units;
            var context = stop.HiddenGrads[k].AsSpan(0, Anchors * n).ToArray();
            var targets = stop.HiddenGrads[k].AsSpan(Anchors * n, 2 * Anchors * n).ToArray();
            Assert.All(targets, g => Assert.Equal(0.0, g));
            Assert.Contains(context, g => g != 0);
            Assert.Equal(hinge.HiddenGrads[k].AsSpan(0, Anchors * n).ToArray(), context);
            Assert.Contains(hinge.HiddenGrads[k].AsSpan(Anchors * n, Anchors * n).ToArray(), g => g != 0);
        }
    }

    [Theory]
    [InlineData(NoNegativesMode.Centered)]
    [InlineData(NoNegativesMode.Standardized)]
    public void BatchCentringGivesTheCommonModeNoCredit(NoNegativesMode mode)
    {
        // The score depends only on deviations from each view's batch mean, so moving every anchor (or every
        // positive) by the same vector changes nothing: the gradient of each view sums to zero over its rows.
        var o = new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(mode) } };
        var (net, tokens, labels) = Setup();
        var (rule, _, stats) = Run(net, o, tokens, labels);
        Assert.True(stats.Components["layer1.active"] > 0);
        for (int k = 0; k < net.Depth; k++)
        {
            int n = net.Layers[k].Units;
            var g = rule.HiddenGrads[k];
            for (int view = 0; view < 2; view++)
                for (int unit = 0; unit < n; unit++)
                {
                    double sum = 0;
                    for (int i = 0; i < Anchors; i++) sum += g[(view * Anchors + i) * n + unit];
                    Assert.True(Math.Abs(sum) < 1e-12, $"layer {k + 1} view {view} unit {unit}: {sum}");
                }
            Assert.Contains(g.AsSpan(0, 2 * Anchors * n).ToArray(), x => Math.Abs(x) > 1e-9);
        }
    }

    [Fact]
    public void UpdateMatchesTheClosedFormThreeFactorRule()
    {
        // Δb^k = γ Σ_p [(W_pred c)_p ⊙ ρ′(a_p(x′)) + (W_predᵀ z)_p ⊙ ρ′(a_p(x))] with γ = +1 / −1 for active
        // positive / negative hinges; the gradient is −Δb/B summed over anchors and both partners.
        var o = new ClappOptions();
        var (net, tokens, labels) = Setup();
        var (rule, ps, _) = Run(net, o, tokens, labels);
        var pass = net.CreatePass(3 * Anchors);
        net.Forward(tokens, 3 * Anchors, pass);
        for (int k = 0; k < net.Depth; k++)
        {
            var l = net.Layers[k];
            int n = l.Units;
            var w = rule.OwnParameters[k].Value;
            var h = pass.Post[k];
            var a = pass.Pre[k];
            var expected = new double[l.Width];
            for (int i = 0; i < Anchors; i++)
            {
                foreach (var (row, sign) in new[] { (Anchors + i, 1.0), (2 * Anchors + i, -1.0) })
                {
                    var c = h.AsSpan(i * n, n);
                    var z = h.AsSpan(row * n, n);
                    double u = 0;
                    var wc = new double[n];
                    var wtz = new double[n];
                    for (int r = 0; r < n; r++)
                        for (int s = 0; s < n; s++) { wc[r] += w[r * n + s] * c[s]; wtz[s] += w[r * n + s] * z[r]; }
                    for (int r = 0; r < n; r++) u += z[r] * wc[r];
                    bool active = sign > 0 ? u < 1 : u > -1;
                    if (!active) continue;
                    for (int unit = 0; unit < n; unit++)
                    {
                        double prediction = a[row * n + unit] > 0 ? wc[unit] : 0;   // target side, t + Δt
                        double retrodiction = a[i * n + unit] > 0 ? wtz[unit] : 0;  // context side, t
                        expected[unit % l.Width] -= sign * (prediction + retrodiction) / Anchors;
                    }
                }
            }
            for (int c = 0; c < l.Width; c++) Assert.Equal(expected[c], ps.Bias(k).Grad[c], 10);
        }
    }

    [Fact]
    public void NoGradientCrossesLayers()
    {
        var o = new ClappOptions();
        var (net, tokens, labels) = Setup();
        var (rule, ps, _) = Run(net, o, tokens, labels);
        var baseline = ps.Select(p => p.Grad.ToArray()).ToArray();
        // Changing the prediction matrices of layers 2 and 3 leaves layer 1's update unchanged …
        var preds = rule.OwnParameters.Select(p => p.Value.ToArray()).ToArray();
        var rng = new Rng(5);
        for (int j = 1; j < preds.Length; j++) for (int i = 0; i < preds[j].Length; i++) preds[j][i] += rng.NextGaussian();
        var (_, ps2, _) = Run(net, o, tokens, labels, preds);
        Assert.Equal(baseline[0], ps2[0].Grad);
        Assert.Equal(baseline[1], ps2[1].Grad);
        Assert.NotEqual(baseline[2], ps2[2].Grad);
        // … and so does changing the weights of the layers above it.
        for (int i = 0; i < net.Weights[2].Length; i++) net.Weights[2][i] *= -2;
        var (_, ps3, _) = Run(net, o, tokens, labels);
        Assert.Equal(baseline[0], ps3[0].Grad);
        Assert.Equal(baseline[2], ps3[2].Grad);
        Assert.NotEqual(baseline[4], ps3[4].Grad);
    }

    [Fact]
    public void EndToEndBackpropagatesTheTopLossThroughEveryLayer()
    {
        var o = new ClappOptions();
        var (net, tokens, labels) = Setup();
        var (rule, ps, _) = Run(net, o, tokens, labels, e2e: true);
        Assert.Single(rule.OwnParameters);
        var pred = rule.OwnParameters[0].Value.ToArray();
        // Finite differences of the top loss with respect to the first layer's weights.
        const double eps = 1e-6;
        for (int i = 0; i < net.Weights[0].Length; i += 5)
        {
            net.Weights[0][i] += eps;
            double up = LayerLoss(Run(net, o, tokens, labels, [pred], e2e: true).Stats, 3, o);
            net.Weights[0][i] -= 2 * eps;
            double down = LayerLoss(Run(net, o, tokens, labels, [pred], e2e: true).Stats, 3, o);
            net.Weights[0][i] += eps;
            double fd = (up - down) / (2 * eps);
            Assert.True(Math.Abs(fd - ps[0].Grad[i]) <= 1e-6 + 1e-5 * Math.Abs(fd), $"W1[{i}]: {ps[0].Grad[i]} vs {fd}");
        }
    }
}
