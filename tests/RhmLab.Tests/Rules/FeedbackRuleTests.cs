using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Rhm;
using RhmLab.Rules;

namespace RhmLab.Tests.Rules;

/// <summary>Each feedback rule and masking ablation computes exactly the signal it claims.</summary>
public class FeedbackRuleTests
{
    private static readonly RhmParameters Rhm = new(3, 2, 3, 2, 3);

    private static Network<double> Net(long seed = 3) => TinyNets.Create(Rhm, new NetworkConfig([5, 4, 6], ReadoutScale: ReadoutScale.Standard), seed);

    private static void AssertSame(Parameter<double>[] a, Parameter<double>[] b, double tol = 1e-12)
    {
        for (int i = 0; i < a.Length; i++)
            for (int j = 0; j < a[i].Grad.Length; j++)
                Assert.True(Math.Abs(a[i].Grad[j] - b[i].Grad[j]) <= tol, $"{a[i].Name}[{j}]: {a[i].Grad[j]} vs {b[i].Grad[j]}");
    }

    private static bool Differs(Parameter<double> a, Parameter<double> b) =>
        a.Grad.Zip(b.Grad).Any(t => Math.Abs(t.First - t.Second) > 1e-9);

    [Fact]
    public void FaWithFeedbackEqualToForwardWeightsIsBp()
    {
        var (tokens, labels) = TinyNets.Batch(Rhm, 5);
        var net = Net();
        var bp = TinyNets.Gradients(net, new ChainRule<double>("bp", FeedbackWeights.Forward, UpperMasks.True), tokens, labels);

        var fa = new ChainRule<double>("fa", FeedbackWeights.Random, UpperMasks.True);
        var ps = RhmLab.Training.Trainer<double>.CreateParameters(net);
        fa.Attach(net, ps, new RuleContext(labels.Length, 7));
        // With random feedback the lower layers get another update …
        var pass = net.CreatePass(labels.Length);
        net.Forward(tokens, labels.Length, pass);
        fa.Step(pass, labels);
        Assert.True(Differs(ps[0], bp[0]));
        // … and with B = W, B_out = β it is BP exactly.
        for (int k = 0; k < net.Depth; k++) net.Weights[k].CopyTo(fa.FeedbackKernels[k], 0);
        net.Readout.CopyTo(fa.ReadoutFeedback, 0);
        fa.Step(pass, labels);
        AssertSame(ps, bp);
    }

    [Fact]
    public void FaKeepsReadoutAndTopLayerRelationship()
    {
        // FA's readout gradient is the true one; the top layer's signal goes through B_out.
        var (tokens, labels) = TinyNets.Batch(Rhm, 5);
        var net = Net();
        var bp = TinyNets.Gradients(net, new ChainRule<double>("bp", FeedbackWeights.Forward, UpperMasks.True), tokens, labels);
        var fa = TinyNets.Gradients(net, new ChainRule<double>("fa", FeedbackWeights.Random, UpperMasks.True), tokens, labels);
        Assert.False(Differs(bp[^1], fa[^1]));
        Assert.True(Differs(bp[4], fa[4]));
        var faTrue = TinyNets.Gradients(net, new ChainRule<double>("fa", FeedbackWeights.Random, UpperMasks.True, trueReadoutFeedback: true), tokens, labels);
        Assert.False(Differs(bp[4], faTrue[4]));
        Assert.True(Differs(bp[2], faTrue[2]));
    }

    [Fact]
    public void DfaDeltasEqualClosedForm()
    {
        var (tokens, labels) = TinyNets.Batch(Rhm, 4);
        var net = Net();
        var rule = new DirectFeedbackRule<double>(scale: DfaScale.Unit);
        var ps = TinyNets.Gradients(net, rule, tokens, labels);
        var pass = net.CreatePass(labels.Length);
        net.Forward(tokens, labels.Length, pass);
        var e = new double[labels.Length * net.Classes];
        Loss.Evaluate<double>(LossKind.CrossEntropy, pass.Logits.AsSpan(0, e.Length), labels, net.Classes, e, out _);
        var d = typeof(DirectFeedbackRule<double>).GetProperty("Matrices", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(rule) as double[][];
        for (int k = 0; k < net.Depth; k++)
        {
            var l = net.Layers[k];
            // δ^k_μ = M^k_μ ⊙ (D^k e_μ); the bias gradient is Σ_μ,p δ.
            var expected = new double[l.Width];
            for (int b = 0; b < labels.Length; b++)
                for (int u = 0; u < l.Units; u++)
                {
                    double g = 0;
                    for (int c = 0; c < net.Classes; c++) g += d![k][c * l.Units + u] * e[b * net.Classes + c];
                    double delta = pass.Pre[k][b * l.Units + u] > 0 ? g : 0;
                    expected[u % l.Width] += delta;
                }
            for (int h = 0; h < l.Width; h++) Assert.Equal(expected[h], ps.Bias(k).Grad[h], 12);
        }
    }

    [Fact]
    public void DfaMatchBpRescalesToTheBpSignalNorm()
    {
        var (tokens, labels) = TinyNets.Batch(Rhm, 6);
        var net = Net();
        var rule = new DirectFeedbackRule<double>(scale: DfaScale.MatchBp);
        TinyNets.Gradients(net, rule, tokens, labels);
        Assert.All(rule.ScaleFactors, f => Assert.True(f > 0 && f != 1));
    }

    [Fact]
    public void NoMaskAblationDropsOnlyTheUpperMasks()
    {
        var (tokens, labels) = TinyNets.Batch(Rhm, 5);
        var net = Net();
        var bp = TinyNets.Gradients(net, new ChainRule<double>("bp", FeedbackWeights.Forward, UpperMasks.True), tokens, labels);
        var nomask = TinyNets.Gradients(net, new ChainRule<double>("bp-nomask", FeedbackWeights.Forward, UpperMasks.Removed), tokens, labels);
        // The top layer has no upper masks: identical to BP. Lower layers differ.
        Assert.False(Differs(bp[4], nomask[4]));
        Assert.False(Differs(bp[5], nomask[5]));
        Assert.True(Differs(bp[2], nomask[2]));
        Assert.True(Differs(bp[0], nomask[0]));

        // With every unit active (large positive biases, small weights) the masks are all ones and the ablation equals BP.
        foreach (var b in net.Biases) Array.Fill(b, 50.0);
        foreach (var w in net.Weights) for (int i = 0; i < w.Length; i++) w[i] *= 1e-3;
        bp = TinyNets.Gradients(net, new ChainRule<double>("bp", FeedbackWeights.Forward, UpperMasks.True), tokens, labels);
        nomask = TinyNets.Gradients(net, new ChainRule<double>("bp-nomask", FeedbackWeights.Forward, UpperMasks.Removed), tokens, labels);
        AssertSame(bp, nomask, 1e-10);
    }

    [Fact]
    public void AverageMaskAblationUsesTheBatchMeanMask()
    {
        // Two layers: δ^1 = M^1 ⊙ T_2ᵀ(M̄^2 ⊙ g^2), with M̄^2 the batch mean of layer 2's mask.
        var rhm = new RhmParameters(3, 2, 3, 2, 2);
        var net = TinyNets.Create(rhm, new NetworkConfig([4, 5], ReadoutScale: ReadoutScale.Standard));
        var (tokens, labels) = TinyNets.Batch(rhm, 6);
        var ps = TinyNets.Gradients(net, new ChainRule<double>("bp-avgmask", FeedbackWeights.Forward, UpperMasks.Mean), tokens, labels);
        var pass = net.CreatePass(labels.Length);
        net.Forward(tokens, labels.Length, pass);
        int B = labels.Length;
        var e = new double[B * net.Classes];
        Loss.Evaluate<double>(LossKind.CrossEntropy, pass.Logits.AsSpan(0, e.Length), labels, net.Classes, e, out _);
        var l1 = net.Layers[0];
        var l2 = net.Layers[1];
        var meanMask = new double[l2.Units];
        for (int b = 0; b < B; b++) for (int u = 0; u < l2.Units; u++) if (pass.Pre[1][b * l2.Units + u] > 0) meanMask[u] += 1.0 / B;
        var expectedBias1 = new double[l1.Width];
        for (int b = 0; b < B; b++)
        {
            // g^2 = σ_out β e (one position at the top).
            var g2 = new double[l2.Width];
            for (int h = 0; h < l2.Width; h++)
                for (int c = 0; c < net.Classes; c++) g2[h] += net.ReadoutMultiplier * net.Readout[h * net.Classes + c] * e[b * net.Classes + c];
            for (int p = 0; p < l1.Positions; p++)
                for (int c1 = 0; c1 < l1.Width; c1++)
                {
                    // Patch feature q·C1 + c1 of layer 2 at position 0 is channel c1 of layer-1 position q.
                    double g1 = 0;
                    for (int h = 0; h < l2.Width; h++) g1 += l2.Scale * net.Weights[1][(p * l1.Width + c1) * l2.Width + h] * meanMask[h] * g2[h];
                    if (pass.Pre[0][(b * l1.Positions + p) * l1.Width + c1] > 0) expectedBias1[c1] += g1;
                }
        }
        for (int c = 0; c < l1.Width; c++) Assert.Equal(expectedBias1[c], ps[1].Grad[c], 12);
        var bp = TinyNets.Gradients(net, new ChainRule<double>("bp", FeedbackWeights.Forward, UpperMasks.True), tokens, labels);
        Assert.True(Differs(bp[1], ps[1]));
        Assert.False(Differs(bp[3], ps[3]));
    }

    [Fact]
    public void SignSymmetryUsesTheSignOfTheCurrentWeights()
    {
        var (tokens, labels) = TinyNets.Batch(Rhm, 5);
        var net = Net();
        var sign = new ChainRule<double>("sign", FeedbackWeights.Sign, UpperMasks.True);
        TinyNets.Gradients(net, sign, tokens, labels);
        for (int k = 1; k < net.Depth; k++)
            for (int i = 0; i < net.Weights[k].Length; i++)
                Assert.Equal(Math.Sign(net.Weights[k][i]), sign.FeedbackKernels[k][i]);
        Assert.True(sign.Diagnostics()["layer2.alignment_deg"] < 60);
    }
}
