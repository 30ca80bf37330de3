using RhmLab.Options;

namespace RhmLab.Rules;

/// <summary>
/// Anti-collapse components of CLAPP without negatives (§3.8, <c>nc</c>). They combine: a run names one or more,
/// joined by <c>+</c> (e.g. <c>standardized+wpred-decay</c>); none at all is the literal ablation.
/// </summary>
[Flags]
public enum NoNegativesMode
{
    /// <summary>The literal ablation: the positive hinge alone.</summary>
    HingeOnly = 0,
    /// <summary>Adds (λ/2)‖W_pred‖², so inflating W_pred alone cannot satisfy the hinge.</summary>
    WpredDecay = 1,
    /// <summary>Adds VICReg's variance and covariance terms (§3.9) on the anchors' and positives' raw rows.</summary>
    VicregReg = 2,
    /// <summary>Predictor plus stop-gradient: only u = sg(z)ᵀ W_pred c, so the target side receives no gradient.</summary>
    AsymStopGrad = 4,
    /// <summary>
    /// The score sees each row divided by its norm, u = ẑᵀ W_eff ĉ, with W_eff = r·sqrt(n)·W_pred/‖W_pred‖ (so
    /// u ≤ r·sqrt(n) and W_pred ∝ I gives r times the cosine): scaling the activity or W_pred cannot raise u.
    /// </summary>
    Normalized = 8,
    /// <summary>
    /// The score sees every unit standardised over the batch, (z_j − mean_j)/sqrt(var_j + ε), separately for the
    /// anchors and the positives, with ε = <see cref="AntiCollapseOptions.StandardizeEpsilon"/>. A constant representation
    /// scores zero, so raising every pair's u needs representations that covary across pairs; the gradient through
    /// the batch mean pushes the mean representation away from the predictions, an implicit contrast.
    /// </summary>
    Standardized = 16,
    /// <summary>
    /// The measured default. As <see cref="Standardized"/> without the division: the score sees z_j − mean_j, so the
    /// mean activity that ReLU units share (which lets hinge-only score every pair ≥ 1) carries no credit, and the
    /// pull towards W_pred(c − mean) is a pull away from the average prediction, the covariance form of a Hebbian
    /// rule. The gradient must pass through the mean: treating it as a constant collapsed the top layers.
    /// </summary>
    Centered = 32,
    /// <summary>
    /// BYOL-style target network (Grill et al. 2020): the positives' rows come from a copy of the network whose
    /// parameters follow the online ones as an exponential moving average, θ' ← τθ' + (1 − τ)θ before every step
    /// (τ = <see cref="AntiCollapseOptions.EmaDecay"/>), and the score u = sg(z')ᵀ W_pred c trains only the context side and
    /// the predictor, as <see cref="AsymStopGrad"/> does. Layer-local: layer k's target is the target network's layer k.
    /// </summary>
    EmaTarget = 64,
    /// <summary>
    /// As <see cref="Centered"/>, but the mean subtracted is a running mean of earlier batches held as a constant (as
    /// DINO centres its teacher, Caron et al. 2021): m ← τ_c·m + (1 − τ_c)·batch mean after every step
    /// (τ_c = <see cref="AntiCollapseOptions.CenterDecay"/>), separately for contexts and targets, and the first batch starts
    /// m at its own mean. The gradient of one datum's loss then depends on no other datum of its batch: the strictly
    /// negative-free variant of centring.
    /// </summary>
    RunningCentered = 128,
}

/// <summary>Parsing and naming of <see cref="NoNegativesMode"/> combinations.</summary>
public static class NoNegativesModes
{
    private static readonly (string Name, NoNegativesMode Mode)[] Names =
    [
        ("wpred-decay", NoNegativesMode.WpredDecay), ("vicreg-reg", NoNegativesMode.VicregReg),
        ("asym-stopgrad", NoNegativesMode.AsymStopGrad), ("normalized", NoNegativesMode.Normalized),
        ("standardized", NoNegativesMode.Standardized), ("centered", NoNegativesMode.Centered),
        ("ema-target", NoNegativesMode.EmaTarget), ("running-centered", NoNegativesMode.RunningCentered),
    ];

    /// <summary>The component names, <c>hinge-only</c> first.</summary>
    public static IReadOnlyList<string> Components { get; } = ["hinge-only", .. Names.Select(n => n.Name)];

    /// <summary>The name of a combination, as <see cref="Parse"/> reads it: <c>hinge-only</c>, or its components joined by <c>+</c>.</summary>
    public static string Name(NoNegativesMode mode) =>
        mode == NoNegativesMode.HingeOnly ? "hinge-only" : string.Join('+', Names.Where(n => (mode & n.Mode) != 0).Select(n => n.Name));

    /// <summary>Parses <c>hinge-only</c> or components joined by <c>+</c>; rejects unknown, repeated or exclusive ones.</summary>
    public static NoNegativesMode Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text == "hinge-only") return NoNegativesMode.HingeOnly;
        var mode = NoNegativesMode.HingeOnly;
        foreach (var part in text.Split('+'))
        {
            int i = Array.FindIndex(Names, n => n.Name == part);
            if (i < 0) throw new ArgumentException($"anti-collapse: unknown component '{part}' in '{text}' (expected hinge-only or {string.Join(", ", Names.Select(n => n.Name))}, joined by +)");
            if ((mode & Names[i].Mode) != 0) throw new ArgumentException($"anti-collapse: '{part}' appears twice in '{text}'");
            mode |= Names[i].Mode;
        }
        const NoNegativesMode transforms = NoNegativesMode.Normalized | NoNegativesMode.Standardized | NoNegativesMode.Centered | NoNegativesMode.RunningCentered;
        if (System.Numerics.BitOperations.PopCount((uint)(mode & transforms)) > 1)
            throw new ArgumentException($"anti-collapse: normalized, standardized, centered and running-centered exclude each other ('{text}')");
        return mode;
    }

    /// <summary>
    /// Whether the gradient of one datum's loss depends on the other data of its batch under these components: the
    /// batch statistics of <c>standardized</c>, <c>centered</c> and <c>vicreg-reg</c> pass gradient between data (an
    /// implicit contrast); the others act on one datum, on parameters or on constants. Fig. 10's claim, "without
    /// negatives", holds in the strict sense only for a variant where this is false
    /// (<c>AntiCollapseTests</c> checks this table against the gradients themselves).
    /// </summary>
    public static bool CouplesBatch(NoNegativesMode mode) =>
        (mode & (NoNegativesMode.Standardized | NoNegativesMode.Centered | NoNegativesMode.VicregReg)) != 0;
}

/// <summary>
/// The run options of CLAPP without negatives (§3.8, the <c>nc</c> convention): the anti-collapse mechanism and the
/// constants of its components. A component's constant may differ from its default only where the component is on.
/// </summary>
public sealed record AntiCollapseOptions : ICheckedOptions
{
    /// <summary>
    /// The mechanism used when none is given: the only one measured to learn at both L = 2 and L = 3
    /// (docs/CLAPP-NO-NEGATIVES.md); <c>hinge-only</c> stays the literal ablation. Null in the option means this
    /// default, so that runs which relied on it keep their hashes if it ever changes.
    /// </summary>
    public const string DefaultMechanism = "centered";

    /// <summary>The mechanism: <c>hinge-only</c>, or components joined by <c>+</c> (null: <see cref="DefaultMechanism"/>).</summary>
    [RunOption("anti-collapse", "Anti-collapse of CLAPP without negatives, the `nc` convention of docs/METHODS.md §3.8", Values = typeof(AntiCollapseValues))]
    public string? Mechanism { get; set; }
    /// <summary>λ of <see cref="NoNegativesMode.WpredDecay"/>.</summary>
    [RunOption("wpred-decay", "Lambda of the wpred-decay anti-collapse component", Min = 0)]
    public double WpredDecay { get; set; } = 1e-2;
    /// <summary>r of <see cref="NoNegativesMode.Normalized"/>: W_pred ∝ I scores r·cos(z, c).</summary>
    [RunOption("wpred-radius", "r of the normalized anti-collapse component: W_pred is rescaled to Frobenius norm r*sqrt(n)", Min = 0, MinExclusive = true)]
    public double WpredRadius { get; set; } = 1;
    /// <summary>τ of <see cref="NoNegativesMode.EmaTarget"/>: the target network keeps this fraction of itself at every step.</summary>
    [RunOption("ema-tau", "Decay of the ema-target anti-collapse component: the target network keeps this fraction of itself at every step (BYOL's tau)", Min = 0, Max = 1, MaxExclusive = true)]
    public double EmaDecay { get; set; } = 0.99;
    /// <summary>Decay τ_c of the running mean of <see cref="NoNegativesMode.RunningCentered"/>.</summary>
    [RunOption("center-tau", "Decay of the running mean of the running-centered anti-collapse component: the mean keeps this fraction of itself after every step (DINO's centre momentum)", Min = 0, Max = 1, MaxExclusive = true)]
    public double CenterDecay { get; set; } = 0.9;
    /// <summary>
    /// ε of <see cref="NoNegativesMode.Standardized"/>. The default 1 exceeds the variance of most ReLU units, so
    /// low-variance units are only centred (not amplified, which lets them die) and high-variance ones are scaled down.
    /// </summary>
    [RunOption("nc-std-eps", "Epsilon of the standardized anti-collapse component: (z - mean)/sqrt(var + eps)", Min = 0, MinExclusive = true)]
    public double StandardizeEpsilon { get; set; } = 1;
    /// <summary>Weight of the variance term under <see cref="NoNegativesMode.VicregReg"/>.</summary>
    [RunOption("nc-variance", "Weight of the variance term of the vicreg-reg anti-collapse component", Min = 0)]
    public double VarianceWeight { get; set; } = 25;
    /// <summary>Weight of the covariance term under <see cref="NoNegativesMode.VicregReg"/>.</summary>
    [RunOption("nc-covariance", "Weight of the covariance term of the vicreg-reg anti-collapse component", Min = 0)]
    public double CovarianceWeight { get; set; } = 1;

    /// <summary>The mechanism as named, its default filled in.</summary>
    public string Name => Mechanism ?? DefaultMechanism;

    /// <summary>The components of the mechanism.</summary>
    public NoNegativesMode Components => NoNegativesModes.Parse(Name);

    /// <inheritdoc/>
    public void Check()
    {
        var defaults = new AntiCollapseOptions();
        var components = Components;
        if (EmaDecay != defaults.EmaDecay && (components & NoNegativesMode.EmaTarget) == 0)
            throw new ArgumentException($"ema-tau: applies only with an anti-collapse that includes ema-target (anti-collapse = {Name})");
        if (CenterDecay != defaults.CenterDecay && (components & NoNegativesMode.RunningCentered) == 0)
            throw new ArgumentException($"center-tau: applies only with an anti-collapse that includes running-centered (anti-collapse = {Name})");
    }
}

/// <summary>The values of <c>anti-collapse</c>: <c>hinge-only</c>, or components joined by <c>+</c> (<see cref="NoNegativesModes"/>).</summary>
public sealed class AntiCollapseValues : IRunOptionValues
{
    /// <inheritdoc/>
    public IReadOnlyList<string>? Choices => null;
    /// <inheritdoc/>
    public string Describe() => $"hinge-only, or components joined by +: {string.Join('|', NoNegativesModes.Components.Skip(1))}; default {AntiCollapseOptions.DefaultMechanism}";
    /// <inheritdoc/>
    public void Check(string key, string value) => NoNegativesModes.Parse(value);
}
