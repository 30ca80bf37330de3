using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Rhm;
using RhmLab.Rules;
using RhmLab.Training;

namespace RhmLab.Tests.Rules;

/// <summary>Tiny float64 networks and batches for checking derivatives against finite differences.</summary>
internal static class TinyNets
{
    public static readonly IMatMul Oracle = new ReferenceMatMul();

    public static Network<double> Create(RhmParameters rhm, NetworkConfig config, long seed = 3)
    {
        var net = new Network<double>(rhm, config, seed, Oracle);
        // Random non-zero biases so that masks are non-trivial and bias gradients are exercised.
        var rng = new Rng((ulong)seed + 99);
        foreach (var b in net.Biases)
            for (int i = 0; i < b.Length; i++) b[i] = 0.3 * rng.NextGaussian();
        return net;
    }

    public static (int[] Tokens, int[] Labels) Batch(RhmParameters rhm, int batch, long seed = 5)
    {
        var rng = new Rng((ulong)seed);
        var tokens = new int[batch * rhm.InputLength];
        var labels = new int[batch];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.NextInt(rhm.Vocabulary);
        for (int i = 0; i < batch; i++) labels[i] = rng.NextInt(rhm.Classes);
        return (tokens, labels);
    }

    public static double LossOf(Network<double> net, LossKind loss, int[] tokens, int[] labels)
    {
        var pass = net.CreatePass(labels.Length);
        net.Forward(tokens, labels.Length, pass);
        return Loss.Evaluate<double>(loss, pass.Logits.AsSpan(0, labels.Length * net.Classes), labels, net.Classes, default, out _);
    }

    /// <summary>Runs a rule's step and returns the parameters holding its gradients.</summary>
    public static Parameter<double>[] Gradients(Network<double> net, ILearningRule<double> rule, int[] tokens, int[] labels, long feedbackSeed = 7)
    {
        var ps = Trainer<double>.CreateParameters(net);
        rule.Attach(net, ps, new RuleContext(labels.Length, feedbackSeed));
        var pass = net.CreatePass(labels.Length);
        net.Forward(tokens, labels.Length, pass);
        rule.Step(pass, labels);
        return ps;
    }
}
