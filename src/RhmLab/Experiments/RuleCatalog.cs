using RhmLab.Rules;

namespace RhmLab.Experiments;

/// <summary>What a rule learns from, which decides its defaults and how it is measured.</summary>
public enum RuleKind
{
    /// <summary>Labels through the network's readout; measured by its own output; SGD, stops on its train loss.</summary>
    Supervised,
    /// <summary>Pairs of encodings of one object; measured by probes; Adam, readout frozen.</summary>
    SelfSupervised,
    /// <summary>Inputs alone (layer-wise ICA); measured by probes.</summary>
    Unsupervised,
}

/// <summary>
/// One row of the rule catalogue: a learning rule's name, kind, algorithm, the run options it reads, a one-line
/// description and its factory. Everything that knows about rules (the <c>rule</c> option's choices and help, the
/// run's defaults and checks, the trainer, the cost model) reads the row, so a new rule is its own file plus one row,
/// and a rule from outside the library is one <see cref="RuleCatalog.Register"/> call (docs/EXTENDING.md).
/// </summary>
/// <param name="Name">The name used on the command line, in configs and in records (lower case, digits and '-').</param>
/// <param name="Kind">What it learns from.</param>
/// <param name="Algorithm">
/// <c>chain</c> (error carried down layer by layer: BP, FA, sign, the masking ablations), <c>dfa</c>, <c>lga</c>,
/// <c>clapp</c> (the CLAPP objective; these take <c>clapp-pairing</c>), <c>non-contrastive</c> (VICReg, LPL),
/// <c>ica</c>, or any other word for a rule from outside (the cost model prices an unknown algorithm like a BP step).
/// </param>
/// <param name="Description">One line for <c>--help</c> and docs.</param>
/// <param name="Options">The run options the factory reads beyond those every run has.</param>
/// <param name="Create">Builds the rule (float32, as training runs) for a resolved run.</param>
/// <param name="EndToEnd">Whether its gradient crosses layers (end-to-end self-supervised rules).</param>
public sealed record RuleDefinition(string Name, RuleKind Kind, string Algorithm, string Description, IReadOnlyList<string> Options,
    Func<ResolvedRun, ILearningRule<float>> Create, bool EndToEnd = false)
{
    /// <summary>The exact gradient: the reference other supervised rules are compared with (update cosines).</summary>
    public bool IsBackprop => Name == "bp";

    /// <summary>Whether the rule is built on the CLAPP objective and takes <c>clapp-pairing</c>.</summary>
    public bool IsClapp => Algorithm == "clapp";
}

/// <summary>
/// The rule catalogue: the built-in rules of the paper, and any registered from outside through
/// <see cref="Register"/>. Looking a rule up is thread-safe; a name is registered once.
/// </summary>
public static class RuleCatalog
{
    private static readonly string[] LossOptions = ["loss"];
    private static readonly string[] ChainOptions = ["loss", "fa-readout-feedback"];
    private static readonly string[] ClappOptions = ["clapp-mode", "clapp-pairing", "clapp-combine", "wpred", "wpred-init", "rep", "negatives"];
    private static readonly string[] ClappNoNegativesOptions =
        [.. ClappOptions, "anti-collapse", "wpred-decay", "wpred-radius", "nc-std-eps", "ema-tau", "center-tau", "nc-variance", "nc-covariance"];

    private static readonly Lock Gate = new();
    private static readonly List<RuleDefinition> Rows =
    [
        new("bp", RuleKind.Supervised, "chain", "backpropagation", LossOptions,
            r => new ChainRule<float>("bp", FeedbackWeights.Forward, UpperMasks.True, r.Loss)),
        new("fa", RuleKind.Supervised, "chain", "feedback alignment: fixed random feedback kernels, true masks", ChainOptions,
            r => new ChainRule<float>("fa", FeedbackWeights.Random, UpperMasks.True, r.Loss, r.Config.FaReadoutFeedback == "true")),
        new("dfa", RuleKind.Supervised, "dfa", "direct feedback alignment: the output error sent to every layer by fixed random matrices",
            ["loss", "dfa-top", "dfa-layout", "dfa-scale"],
            r => new DirectFeedbackRule<float>(r.Loss, r.Config.DfaTop == "true", r.Config.DfaLayout == "shared", r.Config.DfaScale == "unit" ? DfaScale.Unit : DfaScale.MatchBp)),
        new("sign", RuleKind.Supervised, "chain", "sign symmetry: feedback kernels sign(W)", LossOptions,
            r => new ChainRule<float>("sign", FeedbackWeights.Sign, UpperMasks.True, r.Loss)),
        new("lga", RuleKind.Supervised, "lga", "the linear gradient approximation: the best input-independent linear map of the output error (oracle)", ["loss", "lga-refit"],
            r => new LinearGradientApproximation<float>(r.Loss, r.Config.LgaRefit == "step")),
        new("bp-nomask", RuleKind.Supervised, "chain", "BP with the masks of the layers above removed", LossOptions,
            r => new ChainRule<float>("bp-nomask", FeedbackWeights.Forward, UpperMasks.Removed, r.Loss)),
        new("bp-avgmask", RuleKind.Supervised, "chain", "BP with the upper masks replaced by their batch average", LossOptions,
            r => new ChainRule<float>("bp-avgmask", FeedbackWeights.Forward, UpperMasks.Mean, r.Loss)),
        new("bp-shufmask", RuleKind.Supervised, "chain", "BP with the upper masks of another datum of the batch", LossOptions,
            r => new ChainRule<float>("bp-shufmask", FeedbackWeights.Forward, UpperMasks.Shuffled, r.Loss)),
        new("fa-nomask", RuleKind.Supervised, "chain", "FA with the upper masks removed", ChainOptions,
            r => new ChainRule<float>("fa-nomask", FeedbackWeights.Random, UpperMasks.Removed, r.Loss, r.Config.FaReadoutFeedback == "true")),
        new("fa-avgmask", RuleKind.Supervised, "chain", "FA with the upper masks replaced by their batch average", ChainOptions,
            r => new ChainRule<float>("fa-avgmask", FeedbackWeights.Random, UpperMasks.Mean, r.Loss, r.Config.FaReadoutFeedback == "true")),
        new("fa-shufmask", RuleKind.Supervised, "chain", "FA with the upper masks of another datum of the batch", ChainOptions,
            r => new ChainRule<float>("fa-shufmask", FeedbackWeights.Random, UpperMasks.Shuffled, r.Loss, r.Config.FaReadoutFeedback == "true")),
        new("local-supervised", RuleKind.Supervised, "local", "layer-local supervised control: every layer trained through its own fixed random readout of the label, no error crosses a layer", LossOptions,
            r => new LocalSupervisedRule<float>(r.Loss)),
        new("clapp", RuleKind.SelfSupervised, "clapp", "CLAPP: layer-local contrastive predictive loss with negatives", ClappOptions,
            r => new ClappRule<float>("clapp", r.ClappOptions(negatives: true))),
        new("clapp-pos", RuleKind.SelfSupervised, "clapp", "CLAPP without negatives (positives only, with an anti-collapse mechanism)", ClappNoNegativesOptions,
            r => new ClappRule<float>("clapp-pos", r.ClappOptions(negatives: false))),
        new("e2e-clapp", RuleKind.SelfSupervised, "clapp", "the CLAPP loss at the top layer, backpropagated (end-to-end SSL)", ClappOptions,
            r => new ClappRule<float>("e2e-clapp", r.ClappOptions(negatives: true), endToEnd: true), EndToEnd: true),
        new("e2e-clapp-nc", RuleKind.SelfSupervised, "clapp", "end-to-end CLAPP without negatives", ClappNoNegativesOptions,
            r => new ClappRule<float>("e2e-clapp-nc", r.ClappOptions(negatives: false), endToEnd: true), EndToEnd: true),
        new("vicreg", RuleKind.SelfSupervised, "non-contrastive", "layer-local VICReg", ["rep", "vicreg-factors"],
            r => new NonContrastiveRule<float>("vicreg", NonContrastiveLoss.Vicreg, r.Representation, false, r.VicregFactors)),
        new("e2e-vicreg", RuleKind.SelfSupervised, "non-contrastive", "end-to-end VICReg", ["rep", "vicreg-factors"],
            r => new NonContrastiveRule<float>("e2e-vicreg", NonContrastiveLoss.Vicreg, r.Representation, true, r.VicregFactors), EndToEnd: true),
        new("lpl", RuleKind.SelfSupervised, "non-contrastive", "layer-local LPL (predictive and Hebbian terms)", ["rep", "lpl-pull"],
            r => new NonContrastiveRule<float>("lpl", NonContrastiveLoss.Lpl, r.Representation, false, sgPast: r.Config.LplPull == "sg-past")),
        new("e2e-lpl", RuleKind.SelfSupervised, "non-contrastive", "end-to-end LPL", ["rep", "lpl-pull"],
            r => new NonContrastiveRule<float>("e2e-lpl", NonContrastiveLoss.Lpl, r.Representation, true, sgPast: r.Config.LplPull == "sg-past"), EndToEnd: true),
        new("ica", RuleKind.Unsupervised, "ica", "layer-wise ICA: each layer's weights from FastICA (or reconstruction ICA) on its input patches", ["ica-max-patches", "ica-overcomplete", "ica-rica-lambda", "ica-nonlin"],
            r => new LayerwiseIcaRule<float>(r.IcaOptions)),
    ];

    /// <summary>Every rule, built-in first, in registration order.</summary>
    public static IReadOnlyList<RuleDefinition> All
    {
        get { lock (Gate) return Rows.ToArray(); }
    }

    /// <summary>The names of every rule.</summary>
    public static IReadOnlyList<string> Names => All.Select(r => r.Name).ToArray();

    /// <summary>The rule of a name, or null.</summary>
    public static RuleDefinition? Find(string? name)
    {
        lock (Gate) return Rows.FirstOrDefault(r => r.Name == name);
    }

    /// <summary>The rule of a name; an unknown name is a one-line error naming the option.</summary>
    public static RuleDefinition Get(string name) =>
        Find(name) ?? throw new ArgumentException($"rule: unknown rule '{name}' (expected {string.Join(", ", Names)})");

    /// <summary>
    /// Adds a rule from outside the library. From then on it is a rule like the built-in ones in this process: the
    /// <c>rule</c> option accepts it, <see cref="ResolvedRun"/> resolves it with its kind's defaults, the trainer,
    /// sweeps and analyses run and read it. Its options must be run options; a name already taken is refused.
    /// </summary>
    public static void Register(RuleDefinition rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(rule.Create);
        if (string.IsNullOrEmpty(rule.Name) || !rule.Name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-'))
            throw new ArgumentException($"rule: '{rule.Name}' is not a rule name (lower-case letters, digits and '-')");
        foreach (string option in rule.Options ?? [])
            if (RunOptions.Find(option) is null) throw new ArgumentException($"rule {rule.Name}: '{option}' is not a run option");
        if (rule.Algorithm == "clapp") throw new ArgumentException($"rule {rule.Name}: the clapp algorithm's pairing is wired into the trainer for its built-in rules only; choose another algorithm");
        lock (Gate)
        {
            if (Rows.Any(r => r.Name == rule.Name)) throw new ArgumentException($"rule: '{rule.Name}' is already registered");
            Rows.Add(rule);
        }
    }

    /// <summary>The rules that read a run option (for its help).</summary>
    public static IReadOnlyList<string> ReadersOf(string option) => All.Where(r => r.Options.Contains(option)).Select(r => r.Name).ToArray();
}
