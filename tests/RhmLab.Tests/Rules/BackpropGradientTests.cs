using RhmLab.Networks;
using RhmLab.Options;
using RhmLab.Rhm;
using RhmLab.Rules;

namespace RhmLab.Tests.Rules;

/// <summary>BP's gradients equal float64 central finite differences of the batch-mean loss.</summary>
public class BackpropGradientTests
{
    public static TheoryData<string, string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var arch in new[] { "cnn", "mlp" })
            foreach (var bias in new[] { "per-channel", "none", "per-position" })
                foreach (var loss in new[] { "ce", "mse", "mse-mean", "mse-centered" })
                    data.Add(arch, bias, loss, arch == "cnn" ? "fan-in" : "channels");
        data.Add("cnn", "per-channel", "ce", "plain");
        data.Add("cnn", "per-channel", "ce", "channels");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesFiniteDifferences(string arch, string bias, string loss, string convScale)
    {
        var rhm = new RhmParameters(3, 2, 3, 2, 3);
        var widths = arch == "cnn" ? new[] { 5, 4, 6 } : new[] { 7, 5 };
        var config = new NetworkConfig(widths, Choices.Parse<RhmLab.Networks.Architecture>(arch, "arch"), Choices.Parse<ConvScale>(convScale, "conv-scale"),
            ReadoutScale.Standard, Choices.Parse<BiasMode>(bias, "bias"));
        var net = TinyNets.Create(rhm, config);
        var (tokens, labels) = TinyNets.Batch(rhm, 4);
        var lossKind = Loss.Parse(loss);
        var grads = TinyNets.Gradients(net, new ChainRule<double>("bp", FeedbackWeights.Forward, UpperMasks.True, lossKind), tokens, labels);

        const double eps = 1e-6;
        int checkedEntries = 0;
        foreach (var p in grads)
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                double old = p.Value[i];
                p.Value[i] = old + eps;
                double up = TinyNets.LossOf(net, lossKind, tokens, labels);
                p.Value[i] = old - eps;
                double down = TinyNets.LossOf(net, lossKind, tokens, labels);
                p.Value[i] = old;
                double fd = (up - down) / (2 * eps);
                double g = p.Grad[i];
                Assert.True(Math.Abs(fd - g) <= 1e-6 + 1e-5 * Math.Abs(fd), $"{p.Name}[{i}]: analytic {g}, finite difference {fd}");
                checkedEntries++;
            }
        }
        Assert.True(checkedEntries > 50);
    }

    [Fact]
    public void ShallowNetworkAveragesTopPositions()
    {
        // Two layers on an L = 3 RHM: the top layer keeps two positions and the readout averages them.
        var rhm = new RhmParameters(3, 2, 3, 2, 3);
        var config = new NetworkConfig([4, 5], ReadoutScale: ReadoutScale.MeanField);
        var net = TinyNets.Create(rhm, config);
        Assert.Equal(2, net.TopPositions);
        var (tokens, labels) = TinyNets.Batch(rhm, 3);
        var grads = TinyNets.Gradients(net, new ChainRule<double>("bp", FeedbackWeights.Forward, UpperMasks.True), tokens, labels);
        foreach (var p in grads)
            for (int i = 0; i < p.Value.Length; i += 3)
            {
                double old = p.Value[i];
                p.Value[i] = old + 1e-6;
                double up = TinyNets.LossOf(net, LossKind.CrossEntropy, tokens, labels);
                p.Value[i] = old - 1e-6;
                double down = TinyNets.LossOf(net, LossKind.CrossEntropy, tokens, labels);
                p.Value[i] = old;
                double fd = (up - down) / 2e-6;
                Assert.True(Math.Abs(fd - p.Grad[i]) <= 1e-7 + 1e-5 * Math.Abs(fd), $"{p.Name}[{i}]");
            }
    }

    [Fact]
    public void GatherFirstLayerEqualsDenseOneHotProduct()
    {
        var rhm = new RhmParameters(3, 2, 3, 2, 3);
        var net = TinyNets.Create(rhm, new NetworkConfig([5, 4, 3]));
        var (tokens, labels) = TinyNets.Batch(rhm, 6);
        var pass = net.CreatePass(labels.Length);
        net.Forward(tokens, labels.Length, pass);
        var l = net.Layers[0];
        for (int b = 0; b < labels.Length; b++)
            for (int p = 0; p < l.Positions; p++)
                for (int h = 0; h < l.Width; h++)
                {
                    // Dense: the one-hot patch (s·v entries) times the weight column.
                    double a = net.Biases[0][h];
                    for (int q = 0; q < l.Kernel; q++)
                        for (int c = 0; c < rhm.Vocabulary; c++)
                        {
                            double x = tokens[b * rhm.InputLength + p * l.Kernel + q] == c ? 1 : 0;
                            a += l.Scale * x * net.Weights[0][(q * rhm.Vocabulary + c) * l.Width + h];
                        }
                    Assert.Equal(a, pass.Pre[0][(b * l.Positions + p) * l.Width + h], 12);
                }
    }
}
