using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Rhm;
using RhmLab.Rules;
using RhmLab.Training;

namespace RhmLab.Tests.Rules;

/// <summary>VICReg and LPL terms against hand-computed values, and their rules against finite differences.</summary>
public class NonContrastiveTests
{
    private static readonly double[] Z = [1.0, 2.0, 0.5, -1.0, 0.0, 0.3];       // 3 rows × 2
    private static readonly double[] ZPrime = [0.8, 2.1, 0.4, -0.7, 0.1, 0.0];

    [Fact]
    public void VicregTermsMatchHandComputedValues()
    {
        // Column 0: 1, 0.5, 0 → mean 0.5, unbiased var 0.25; column 1: 2, −1, 0.3 → mean 0.4333…, var 2.3233….
        var terms = new VicregTerms<double>(new ReferenceMatMul(), 2, 3);
        var grad = new double[6];
        var (v, c) = terms.VarianceCovariance(Z, 3, grad, 1, 1);
        double var0 = 0.25, var1 = (Math.Pow(2 - 1.3 / 3, 2) + Math.Pow(-1 - 1.3 / 3, 2) + Math.Pow(0.3 - 1.3 / 3, 2)) / 2;
        double expectedV = 0.5 * (Math.Max(0, 1 - Math.Sqrt(var0 + 1e-4)) + Math.Max(0, 1 - Math.Sqrt(var1 + 1e-4)));
        Assert.Equal(expectedV, v, 12);
        double c01 = ((1 - 0.5) * (2 - 1.3 / 3) + (0.5 - 0.5) * (-1 - 1.3 / 3) + (0 - 0.5) * (0.3 - 1.3 / 3)) / 2;
        Assert.Equal(2 * c01 * c01 / 2, c, 12);
        double inv = VicregTerms<double>.Invariance(Z, ZPrime, 3, 2, new double[6], new double[6], 1);
        Assert.Equal((0.04 + 0.01 + 0.01 + 0.09 + 0.01 + 0.09) / 6, inv, 12);
        double push = terms.LogVariance(Z, 3, new double[6], 1);
        Assert.Equal(-0.5 * (Math.Log(var0 + 1e-4) + Math.Log(var1 + 1e-4)), push, 12);
        double dec = terms.Decorrelation(Z, 3, new double[6], 1);
        Assert.Equal(2 * c01 * c01 / 2, dec, 12);
    }

    [Fact]
    public void TermGradientsMatchFiniteDifferences()
    {
        var terms = new VicregTerms<double>(new ReferenceMatMul(), 2, 3);
        Func<double[], double[], double>[] fs =
        [
            (z, g) => { var (v, c) = terms.VarianceCovariance(z, 3, g, 3, 2); return 3 * v + 2 * c; },
            (z, g) => terms.LogVariance(z, 3, g, 1.5) * 1.5,
            (z, g) => terms.Decorrelation(z, 3, g, 4) * 4,
            (z, g) => VicregTerms<double>.Invariance(z, ZPrime, 3, 2, g, new double[6], 2) * 2,
        ];
        foreach (var f in fs)
        {
            var g = new double[6];
            f(Z.ToArray(), g);
            for (int i = 0; i < 6; i++)
            {
                var up = Z.ToArray(); up[i] += 1e-6;
                var down = Z.ToArray(); down[i] -= 1e-6;
                double fd = (f(up, new double[6]) - f(down, new double[6])) / 2e-6;
                Assert.Equal(fd, g[i], 6);
            }
        }
    }

    public static TheoryData<string, string, bool> Rules() => new()
    {
        { "vicreg", "flatten", false }, { "vicreg", "per-position", false }, { "vicreg", "pooled", false },
        { "lpl", "flatten", false }, { "lpl", "pooled", false }, { "vicreg", "flatten", true }, { "lpl", "flatten", true },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void UpdatesAreGradientsOfTheLayerLosses(string loss, string rep, bool endToEnd)
    {
        var rhm = new RhmParameters(3, 2, 3, 2, 3);
        var net = TinyNets.Create(rhm, new NetworkConfig([4, 3, 3]));
        const int b = 5;
        var (tokens, _) = TinyNets.Batch(rhm, 3 * b, 21);
        var labels = Enumerable.Range(0, 3 * b).Select(i => i % 3).ToArray();
        var kind = loss == "vicreg" ? NonContrastiveLoss.Vicreg : NonContrastiveLoss.Lpl;
        var mode = RepresentationModes.Parse(rep);
        (Parameter<double>[] Ps, StepStats Stats) Run()
        {
            var rule = new NonContrastiveRule<double>(loss, kind, mode, endToEnd);
            var ps = Trainer<double>.CreateParameters(net);
            rule.Attach(net, ps, new RuleContext(3 * b, 1));
            var pass = net.CreatePass(3 * b);
            net.Forward(tokens, 3 * b, pass);
            return (ps, rule.Step(pass, labels));
        }
        double LayerLoss(StepStats s, int layer) => kind == NonContrastiveLoss.Vicreg
            ? 25 * s.Components[$"layer{layer}.invariance"] + 25 * s.Components[$"layer{layer}.variance"] + s.Components[$"layer{layer}.covariance"]
            : s.Components[$"layer{layer}.pull"] + s.Components[$"layer{layer}.push"] + 10 * s.Components[$"layer{layer}.decorrelation"];
        var (grads, _) = Run();
        int nonZero = 0;
        for (int pi = 0; pi < grads.Length - 1; pi++)
        {
            var p = grads[pi];
            int layer = endToEnd ? net.Depth : p.Layer + 1;
            for (int i = 0; i < p.Value.Length; i += 3)
            {
                double old = p.Value[i];
                p.Value[i] = old + 1e-6;
                double up = LayerLoss(Run().Stats, layer);
                p.Value[i] = old - 1e-6;
                double down = LayerLoss(Run().Stats, layer);
                p.Value[i] = old;
                double fd = (up - down) / 2e-6;
                Assert.True(Math.Abs(fd - p.Grad[i]) <= 1e-6 + 1e-5 * Math.Abs(fd), $"{loss} {rep} {p.Name}[{i}]: {p.Grad[i]} vs {fd}");
                if (Math.Abs(fd) > 1e-8) nonZero++;
            }
        }
        Assert.True(nonZero > 5);
    }
}
