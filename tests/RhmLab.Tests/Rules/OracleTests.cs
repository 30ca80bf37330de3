using RhmLab.Data;
using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Rhm;
using RhmLab.Rules;
using RhmLab.Training;

namespace RhmLab.Tests.Rules;

/// <summary>The linear-gradient-approximation oracle fits the best linear feedback to exact BP gradients.</summary>
public class OracleTests
{
    private static (Network<double> Net, Dataset Train, LinearGradientApproximation<double> Rule, Parameter<double>[] Ps) Setup(LossKind loss)
    {
        var rhm = new RhmParameters(3, 2, 3, 2, 3);
        var grammar = Grammar.Sample(rhm, 4);
        var data = DataSplit.Sample(grammar, 40, 0, new SamplingOptions(4, 4));
        var net = TinyNets.Create(rhm, new NetworkConfig([5, 4, 6], ReadoutScale: ReadoutScale.Standard));
        var rule = new LinearGradientApproximation<double>(loss);
        var ps = Trainer<double>.CreateParameters(net);
        rule.Attach(net, ps, new RuleContext(16, 7, data.Train));
        rule.BeginEpoch(0);
        return (net, data.Train, rule, ps);
    }

    [Theory]
    [InlineData(LossKind.CrossEntropy)]
    [InlineData(LossKind.Mse)]
    public void TopLayerFeedbackIsExactlyTheReadout(LossKind loss)
    {
        // g^K = σ_out β e is linear in e, so the fitted G^K reproduces it and the fit residual is zero.
        var (net, _, rule, _) = Setup(loss);
        Assert.True(rule.FitResidual[^1] < 1e-10, $"top residual {rule.FitResidual[^1]}");
        Assert.True(rule.FitResidual[0] > 1e-3, "a linear feedback cannot explain the masked lower-layer gradients");
        var g = rule.Matrices[^1];
        int c = net.Classes, top = net.Layers[^1].Width;
        // Under CE only the component orthogonal to the all-ones vector is identified (Σ_c e_c = 0); compare G·e on
        // a zero-sum e.
        var e = new double[c];
        for (int i = 0; i < c; i++) e[i] = i - (c - 1) / 2.0;
        for (int h = 0; h < top; h++)
        {
            double fitted = 0, exact = 0;
            for (int k = 0; k < c; k++)
            {
                fitted += g[k * top + h] * e[k];
                exact += net.ReadoutMultiplier * net.Readout[h * c + k] * e[k];
            }
            Assert.Equal(exact, fitted, 10);
        }
    }

    [Fact]
    public void FitIsLeastSquaresOptimal()
    {
        // Perturbing the fitted matrix in any direction cannot lower Σ‖G e − g‖² over the training set.
        var (net, train, rule, _) = Setup(LossKind.Mse);
        double Residual(double[] gk, int k)
        {
            var pass = net.CreatePass(train.Count);
            var tokens = train.TokenData.Select(t => (int)t).ToArray();
            net.Forward(tokens, train.Count, pass);
            var bp = new ChainRule<double>("bp", FeedbackWeights.Forward, UpperMasks.True, LossKind.Mse);
            var ps = Trainer<double>.CreateParameters(net);
            bp.Attach(net, ps, new RuleContext(train.Count, 1));
            // Recompute e and g^k (post-activation gradients) by hand through the public pieces.
            int b = train.Count, c = net.Classes;
            var e = new double[b * c];
            Loss.Evaluate<double>(LossKind.Mse, pass.Logits.AsSpan(0, b * c), train.Labels, c, e, out _);
            var top = new double[b * net.Layers[^1].Units];
            net.ReadoutBackward(pass, e, default, top);
            var signal = top;
            for (int j = net.Depth - 1; j > k; j--)
            {
                var delta = new double[signal.Length];
                RhmLab.Numerics.Kernels.MaskByActive<double>(signal, pass.Pre[j].AsSpan(0, signal.Length), delta);
                var below = new double[b * net.Layers[j - 1].Units];
                net.SignalDown(pass, j, delta, below);
                signal = below;
            }
            int units = net.Layers[k].Units;
            double r = 0;
            for (int mu = 0; mu < b; mu++)
                for (int u = 0; u < units; u++)
                {
                    double ge = 0;
                    for (int cc = 0; cc < c; cc++) ge += gk[cc * units + u] * e[mu * c + cc];
                    double diff = ge - signal[mu * units + u];
                    r += diff * diff;
                }
            return r;
        }
        int layer = 0;
        var fitted = rule.Matrices[layer].ToArray();
        double best = Residual(fitted, layer);
        var rng = new Rng(11);
        for (int trial = 0; trial < 5; trial++)
        {
            var perturbed = fitted.Select(x => x + 1e-3 * rng.NextGaussian()).ToArray();
            Assert.True(Residual(perturbed, layer) > best);
        }
    }
}
