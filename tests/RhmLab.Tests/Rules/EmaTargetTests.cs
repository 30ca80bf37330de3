using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Rhm;
using RhmLab.Rules;
using RhmLab.Training;

namespace RhmLab.Tests.Rules;

/// <summary>
/// CLAPP without negatives with a BYOL-style target network (<c>anti-collapse = ema-target</c>): the target follows
/// the online parameters as an exponential moving average, and its rows receive no gradient.
/// </summary>
public class EmaTargetTests
{
    private static readonly RhmParameters Rhm = new(3, 2, 3, 2, 3);
    private const int Rows = 12;

    private static (Network<double> Net, int[] Tokens, int[] Labels) Setup()
    {
        var net = TinyNets.Create(Rhm, new NetworkConfig([5, 4, 3]));
        var (tokens, _) = TinyNets.Batch(Rhm, Rows, 17);
        var labels = new int[Rows];
        for (int i = 0; i < labels.Length; i++) labels[i] = i % Rhm.Classes;
        return (net, tokens, labels);
    }

    private static (ClappRule<double> Rule, Parameter<double>[] Ps) Attached(Network<double> net, ClappOptions o)
    {
        var rule = new ClappRule<double>("clapp-pos", o);
        var ps = Trainer<double>.CreateParameters(net);
        rule.Attach(net, ps, new RuleContext(Rows, 7, null, 11));
        return (rule, ps);
    }

    private static double[][] Step(ClappRule<double> rule, Parameter<double>[] ps, Network<double> net, int[] tokens, int[] labels)
    {
        var pass = net.CreatePass(Rows);
        net.Forward(tokens, Rows, pass);
        rule.Step(pass, labels);
        return [.. ps.Select(p => (double[])p.Grad.Clone()), .. rule.OwnParameters.Select(p => (double[])p.Grad.Clone())];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AtTheFirstStepTheUpdateIsThatOfThePredictorWithStopGradient(bool inBatch)
    {
        // With τ = 0.5 the first average τθ + (1 − τ)θ is θ exactly, so the target's rows are the online rows and
        // the update must equal asym-stopgrad's, whose targets receive no gradient either.
        var (net, tokens, labels) = Setup();
        var ema = new ClappOptions { InBatch = inBatch, AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.EmaTarget | NoNegativesMode.Centered), EmaDecay = 0.5 } };
        var sg = ema with { AntiCollapse = ema.AntiCollapse! with { Mechanism = NoNegativesModes.Name(NoNegativesMode.AsymStopGrad | NoNegativesMode.Centered) } };
        var (r1, p1) = Attached(net, ema);
        var (r2, p2) = Attached(net, sg);
        var g1 = Step(r1, p1, net, tokens, labels);
        var g2 = Step(r2, p2, net, tokens, labels);
        Assert.Equal(g2.Length, g1.Length);
        double norm = 0;
        for (int i = 0; i < g1.Length; i++)
        {
            for (int j = 0; j < g1[i].Length; j++) Assert.Equal(g2[i][j], g1[i][j], 12);
            norm += g1[i].Sum(x => x * x);
        }
        Assert.True(norm > 0, "the step must update something");
    }

    [Fact]
    public void TheTargetFollowsTheOnlineParametersAsAMovingAverage()
    {
        var (net, tokens, labels) = Setup();
        const double tau = 0.75;
        var (rule, ps) = Attached(net, new ClappOptions { AntiCollapse = new() { Mechanism = NoNegativesModes.Name(NoNegativesMode.EmaTarget), EmaDecay = tau } });
        var target = rule.TargetNetwork!;
        Assert.NotSame(net.Weights[0], target.Weights[0]);
        var expected = net.Weights.Select(w => (double[])w.Clone()).ToArray();
        var rng = new Rng(5);
        for (int step = 0; step < 3; step++)
        {
            // An optimiser's update of the online network between steps.
            foreach (var w in net.Weights)
                for (int i = 0; i < w.Length; i++) w[i] += 0.1 * rng.NextGaussian();
            Step(rule, ps, net, tokens, labels);
            for (int k = 0; k < net.Depth; k++)
                for (int i = 0; i < expected[k].Length; i++)
                {
                    expected[k][i] = tau * expected[k][i] + (1 - tau) * net.Weights[k][i];
                    Assert.Equal(expected[k][i], target.Weights[k][i], 12);
                }
        }
        // The target is a different network from the online one by now, and the online rows still get a gradient.
        Assert.True(Math.Abs(target.Weights[0][0] - net.Weights[0][0]) > 1e-6);
    }

    [Fact]
    public void OnlyRunsWithoutNegativesHaveATargetNetwork()
    {
        var (net, _, _) = Setup();
        var (withNegatives, _) = Attached(net, new ClappOptions());
        Assert.Null(withNegatives.TargetNetwork);
    }
}
