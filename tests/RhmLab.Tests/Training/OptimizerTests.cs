using RhmLab.Numerics;
using RhmLab.Rules;
using RhmLab.Training;

namespace RhmLab.Tests.Training;

/// <summary>
/// The vectorised optimiser passes against the textbook formulas written out in float64, on lengths that leave a
/// scalar tail after the vector loop, over several steps (so momentum and Adam's moments and bias corrections count).
/// </summary>
public class OptimizerTests
{
    private static (Parameter<float> P, double[] X, double[][] Grads) Setup(int length, int steps, int seed)
    {
        var rng = new Random(seed);
        var x = new double[length];
        for (int i = 0; i < length; i++) x[i] = rng.NextDouble() * 2 - 1;
        var grads = Enumerable.Range(0, steps).Select(_ => Enumerable.Range(0, length).Select(_ => rng.NextDouble() - 0.5).ToArray()).ToArray();
        var p = new Parameter<float>("w", x.Select(v => (float)v).ToArray(), ParameterKind.Weight, 0);
        return (p, x, grads);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(13)]
    [InlineData(67)]
    public void SgdWithMomentumFollowsTheFormula(int length)
    {
        const double lr = 0.05, mu = 0.9;
        var (p, x, grads) = Setup(length, 4, length);
        var opt = new Sgd<float>([p], mu, new WeightDecay());
        var v = new double[length];
        foreach (var g in grads)
        {
            for (int i = 0; i < length; i++) p.Grad[i] = (float)g[i];
            opt.Step(lr);
            for (int i = 0; i < length; i++) { v[i] = mu * v[i] + g[i]; x[i] -= lr * v[i]; }
        }
        for (int i = 0; i < length; i++) Assert.Equal(x[i], p.Value[i], 1e-5);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(13)]
    [InlineData(67)]
    public void AdamFollowsTheFormula(int length)
    {
        const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        var (p, x, grads) = Setup(length, 5, 100 + length);
        var opt = new Adam<float>([p], new WeightDecay());
        var m = new double[length];
        var s = new double[length];
        int t = 0;
        foreach (var g in grads)
        {
            for (int i = 0; i < length; i++) p.Grad[i] = (float)g[i];
            opt.Step(lr);
            t++;
            for (int i = 0; i < length; i++)
            {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                s[i] = b2 * s[i] + (1 - b2) * g[i] * g[i];
                x[i] -= lr * (m[i] / (1 - Math.Pow(b1, t))) / (Math.Sqrt(s[i] / (1 - Math.Pow(b2, t))) + eps);
            }
        }
        for (int i = 0; i < length; i++) Assert.Equal(x[i], p.Value[i], 1e-5);
        // Five steps of Adam move each weight by about lr per step whatever the gradient's size.
        Assert.Contains(Enumerable.Range(0, length), i => Math.Abs(p.Value[i] - (float)Setup(length, 5, 100 + length).X[i]) > 0.02);
    }
}
