using RhmLab.Networks;
using RhmLab.Rhm;
using RhmLab.Rules;

namespace RhmLab.Tests.Rules;

/// <summary>
/// The layer-local supervised control against finite differences: layer k's update is the exact gradient of its own
/// local loss ℓ_k = loss(h^k·B_k, y) with respect to W^k and b^k, and nothing else (no error from above reaches it).
/// </summary>
public class LocalSupervisedRuleTests
{
    [Fact]
    public void EachLayersUpdateIsTheGradientOfItsOwnLocalLossAlone()
    {
        var rhm = new RhmParameters(3, 2, 3, 2, 3);
        var net = TinyNets.Create(rhm, new NetworkConfig([5, 4, 6]));
        var (tokens, labels) = TinyNets.Batch(rhm, 7);
        var rule = new LocalSupervisedRule<double>(LossKind.CrossEntropy);
        var ps = TinyNets.Gradients(net, rule, tokens, labels);
        for (int k = 0; k < net.Depth; k++)
        {
            int layer = k;
            double LocalLoss()
            {
                var pass = net.CreatePass(labels.Length);
                net.Forward(tokens, labels.Length, pass);
                int n = net.Layers[layer].Units, c = net.Classes, b = labels.Length;
                var logits = new double[b * c];
                TinyNets.Oracle.Gemm(false, false, b, c, n, 1.0, pass.Post[layer].AsSpan(0, b * n), n, rule.Readouts[layer], c, 0.0, logits, c);
                return Loss.Evaluate<double>(LossKind.CrossEntropy, logits, labels, c, default, out _);
            }
            foreach (var (values, grad) in new[] { (net.Weights[k], ps.Weight(k).Grad), (net.Biases[k], ps.Bias(k).Grad) })
                for (int i = 0; i < values.Length; i += Math.Max(1, values.Length / 7))
                {
                    double keep = values[i], h = 1e-6;
                    values[i] = keep + h; double up = LocalLoss();
                    values[i] = keep - h; double down = LocalLoss();
                    values[i] = keep;
                    Assert.Equal((up - down) / (2 * h), grad[i], 6);
                }
        }
        // The readout is trained as in BP: its gradient is that of the network's own loss.
        var bp = TinyNets.Gradients(net, new ChainRule<double>("bp", FeedbackWeights.Forward, UpperMasks.True, LossKind.CrossEntropy), tokens, labels);
        Assert.Equal(bp.Readout().Grad, ps.Readout().Grad);
    }

    [Fact]
    public void ItsReadoutsComeFromTheFeedbackStreamAndDifferFromDfasMatrices()
    {
        var rhm = new RhmParameters(3, 2, 3, 2, 2);
        var net = TinyNets.Create(rhm, new NetworkConfig([4, 4]));
        var (tokens, labels) = TinyNets.Batch(rhm, 4);
        var a = new LocalSupervisedRule<double>(LossKind.CrossEntropy);
        var b = new LocalSupervisedRule<double>(LossKind.CrossEntropy);
        TinyNets.Gradients(net, a, tokens, labels, feedbackSeed: 7);
        TinyNets.Gradients(net, b, tokens, labels, feedbackSeed: 8);
        Assert.Equal(a.Readouts[0].Length, net.Layers[0].Units * net.Classes);
        Assert.NotEqual(a.Readouts[0], b.Readouts[0]);
        var dfa = new DirectFeedbackRule<double>(LossKind.CrossEntropy, false, false, DfaScale.Unit);
        TinyNets.Gradients(net, dfa, tokens, labels, feedbackSeed: 7);
        Assert.NotEqual(dfa.Matrices[0][0], a.Readouts[0][0]);
    }
}
