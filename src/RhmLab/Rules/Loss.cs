using System.Numerics;
using RhmLab.Options;

namespace RhmLab.Rules;

/// <summary>Supervised losses on the logits (docs/METHODS.md §3.1).</summary>
public enum LossKind
{
    /// <summary>Default: cross-entropy, e = softmax(f) − onehot(y).</summary>
    [Choice("ce")] CrossEntropy,
    /// <summary>ℓ = ½‖f − onehot(y)‖², e = f − onehot(y).</summary>
    [Choice("mse")] Mse,
    /// <summary><c>mse-factor = mean</c>: ℓ = (1/n_c)‖f − y‖², e = (2/n_c)(f − y).</summary>
    [Choice("mse-mean")] MseMean,
    /// <summary><c>mse-target = centered</c>: targets onehot(y) − 1/n_c, ½ factor.</summary>
    [Choice("mse-centered")] MseCentered,
}

/// <summary>
/// The run option of every supervised rule: the loss of the network's output. Rules with options of their own
/// (FA, DFA, the oracle) extend it, so <c>loss</c> is one option whichever supervised rule reads it.
/// </summary>
public record LossOptions
{
    /// <summary>The supervised loss.</summary>
    [RunOption("loss", "Supervised loss")]
    public LossKind Loss { get; set; } = LossKind.CrossEntropy;
}

/// <summary>Loss values and output errors. The batch loss is the mean over the batch, so e carries a factor 1/B.</summary>
public static class Loss
{
    /// <summary>Parses <c>ce</c>, <c>mse</c>, <c>mse-mean</c> or <c>mse-centered</c>.</summary>
    public static LossKind Parse(string text) => Choices.Parse<LossKind>(text, "loss");

    /// <summary>The printed name.</summary>
    public static string Name(LossKind kind) => Choices.Name(kind);

    /// <summary>
    /// Writes e = ∂(batch-mean loss)/∂f into <paramref name="error"/> ([B, n_c]) and returns the batch-mean loss;
    /// <paramref name="correct"/> counts argmax hits.
    /// </summary>
    public static double Evaluate<T>(LossKind kind, ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, int classes, Span<T> error, out int correct)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int b = labels.Length;
        double total = 0;
        correct = 0;
        double invB = 1.0 / b;
        for (int i = 0; i < b; i++)
        {
            var f = logits.Slice(i * classes, classes);
            var e = error.IsEmpty ? default : error.Slice(i * classes, classes);
            int y = labels[i];
            int arg = 0;
            double max = double.NegativeInfinity;
            for (int c = 0; c < classes; c++)
            {
                double x = double.CreateTruncating(f[c]);
                if (x > max) { max = x; arg = c; }
            }
            if (arg == y) correct++;
            if (kind == LossKind.CrossEntropy)
            {
                double z = 0;
                for (int c = 0; c < classes; c++) z += Math.Exp(double.CreateTruncating(f[c]) - max);
                total += Math.Log(z) + max - double.CreateTruncating(f[y]);
                if (!e.IsEmpty)
                    for (int c = 0; c < classes; c++)
                        e[c] = T.CreateTruncating((Math.Exp(double.CreateTruncating(f[c]) - max) / z - (c == y ? 1 : 0)) * invB);
            }
            else
            {
                double offset = kind == LossKind.MseCentered ? 1.0 / classes : 0;
                double factor = kind == LossKind.MseMean ? 1.0 / classes : 0.5;
                double grad = kind == LossKind.MseMean ? 2.0 / classes : 1.0;
                double sq = 0;
                for (int c = 0; c < classes; c++)
                {
                    double r = double.CreateTruncating(f[c]) - ((c == y ? 1 : 0) - offset);
                    sq += r * r;
                    if (!e.IsEmpty) e[c] = T.CreateTruncating(grad * r * invB);
                }
                total += factor * sq;
            }
        }
        return total * invB;
    }
}
