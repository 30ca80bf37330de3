using RhmLab.Options;
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

/// <summary>The options of a rule that has none of its own (every run option it reads is the core's).</summary>
public sealed class NoRuleOptions;

/// <summary>
/// One row of the rule catalogue: a learning rule's name, kind, algorithm, a one-line description, the type of its run
/// options and its factory. Everything that knows about rules (the <c>rule</c> option's choices and help, the
/// run's defaults and checks, the trainer, the cost model) reads the row, so a new rule is its own file plus one row,
/// and a rule from outside the library is one <see cref="RuleCatalog.Register"/> call or an <see cref="IRulePlugin"/>
/// (docs/EXTENDING.md). Build rows with <see cref="For{TOptions}"/>.
/// </summary>
public sealed class RuleDefinition
{
    private readonly Func<object> _newOptions;
    private readonly Func<object, ResolvedRun, ILearningRule<float>> _create;

    private RuleDefinition(string name, RuleKind kind, string algorithm, string description, Type optionsType,
        Func<object> newOptions, Func<object, ResolvedRun, ILearningRule<float>> create, bool endToEnd)
    {
        Name = name;
        Kind = kind;
        Algorithm = algorithm;
        Description = description;
        OptionsType = optionsType;
        _newOptions = newOptions;
        _create = create;
        EndToEnd = endToEnd;
    }

    /// <summary>
    /// A row whose rule reads the run options declared by <typeparamref name="TOptions"/> (a class whose properties
    /// carry <see cref="RunOptionAttribute"/>, and <see cref="RunOptionGroupAttribute"/> for groups it shares). The
    /// factory receives the run's instance of them, checked, and the resolved run.
    /// </summary>
    /// <param name="name">The name used on the command line, in configs and in records (lower case, digits and '-').</param>
    /// <param name="kind">What it learns from.</param>
    /// <param name="algorithm">
    /// <c>chain</c> (error carried down layer by layer: BP, FA, sign, the masking ablations), <c>dfa</c>, <c>lga</c>,
    /// <c>clapp</c> (the CLAPP objective), <c>non-contrastive</c> (VICReg, LPL), <c>ica</c>, or any other word for a
    /// rule from outside (the cost model prices an unknown algorithm like a BP step).
    /// </param>
    /// <param name="description">One line for <c>--help</c> and docs.</param>
    /// <param name="create">Builds the rule (float32, as training runs) from its options and the resolved run.</param>
    /// <param name="endToEnd">Whether its gradient crosses layers (end-to-end self-supervised rules).</param>
    /// <param name="options">The rule's default options, where they are not the type's fresh instance (CLAPP without negatives holds an anti-collapse group).</param>
    public static RuleDefinition For<TOptions>(string name, RuleKind kind, string algorithm, string description,
        Func<TOptions, ResolvedRun, ILearningRule<float>> create, bool endToEnd = false, Func<TOptions>? options = null)
        where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(create);
        // Reading the type's declarations here makes a malformed options type fail at registration, not at a run.
        _ = OptionGroups.FieldsOf(typeof(TOptions));
        Func<TOptions> make = options ?? (() => new TOptions());
        return new RuleDefinition(name, kind, algorithm, description ?? "", typeof(TOptions), () => make(),
            (o, run) => create((TOptions)o, run), endToEnd);
    }

    /// <summary>The name used on the command line, in configs and in records.</summary>
    public string Name { get; }
    /// <summary>What it learns from.</summary>
    public RuleKind Kind { get; }
    /// <summary>The algorithm, which prices its step in the cost model (see <see cref="For{TOptions}"/>).</summary>
    public string Algorithm { get; }
    /// <summary>One line for <c>--help</c> and docs.</summary>
    public string Description { get; }
    /// <summary>The type of its run options.</summary>
    public Type OptionsType { get; }
    /// <summary>Whether its gradient crosses layers (end-to-end self-supervised rules).</summary>
    public bool EndToEnd { get; }
    /// <summary>Whether the library itself registers it (its options appear in every record; a plugin's only in its own).</summary>
    public bool BuiltIn { get; private set; }

    internal RuleDefinition MarkBuiltIn()
    {
        BuiltIn = true;
        return this;
    }

    /// <summary>A fresh instance of the rule's options, at their defaults.</summary>
    public object NewOptions() => _newOptions();

    /// <summary>The keys of the run options it reads beyond those every run has.</summary>
    public IReadOnlyList<string> Options => OptionGroups.Bind(NewOptions()).Select(x => x.Field.Key).ToArray();

    /// <summary>Builds the rule for a resolved run from the run's instance of its options.</summary>
    public ILearningRule<float> Create(ResolvedRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return _create(run.Config.RuleOptions, run);
    }

    /// <summary>The exact gradient: the reference other supervised rules are compared with (update cosines).</summary>
    public bool IsBackprop => Name == "bp";

    /// <summary>Whether the rule is built on the CLAPP objective.</summary>
    public bool IsClapp => Algorithm == "clapp";
}

/// <summary>
/// The rule catalogue: the built-in rules of the paper, and any registered from outside through
/// <see cref="Register"/> or a plugin (<see cref="RulePlugins"/>). Looking a rule up is thread-safe; a name is
/// registered once.
/// </summary>
public static class RuleCatalog
{
    private static readonly Lock Gate = new();
    private static readonly List<RuleDefinition> Rows = [.. BuiltInRows().Select(r => r.MarkBuiltIn())];
    private static int _version;

    private static IEnumerable<RuleDefinition> BuiltInRows() =>
    [
        RuleDefinition.For<LossOptions>("bp", RuleKind.Supervised, "chain", "backpropagation",
            (o, _) => new ChainRule<float>("bp", FeedbackWeights.Forward, UpperMasks.True, o)),
        RuleDefinition.For<FeedbackAlignmentOptions>("fa", RuleKind.Supervised, "chain", "feedback alignment: fixed random feedback kernels, true masks",
            (o, _) => new ChainRule<float>("fa", FeedbackWeights.Random, UpperMasks.True, o)),
        RuleDefinition.For<DfaOptions>("dfa", RuleKind.Supervised, "dfa", "direct feedback alignment: the output error sent to every layer by fixed random matrices",
            (o, _) => new DirectFeedbackRule<float>(o)),
        RuleDefinition.For<LossOptions>("sign", RuleKind.Supervised, "chain", "sign symmetry: feedback kernels sign(W)",
            (o, _) => new ChainRule<float>("sign", FeedbackWeights.Sign, UpperMasks.True, o)),
        RuleDefinition.For<LgaOptions>("lga", RuleKind.Supervised, "lga", "the linear gradient approximation: the best input-independent linear map of the output error (oracle)",
            (o, _) => new LinearGradientApproximation<float>(o)),
        RuleDefinition.For<LossOptions>("bp-nomask", RuleKind.Supervised, "chain", "BP with the masks of the layers above removed",
            (o, _) => new ChainRule<float>("bp-nomask", FeedbackWeights.Forward, UpperMasks.Removed, o)),
        RuleDefinition.For<LossOptions>("bp-avgmask", RuleKind.Supervised, "chain", "BP with the upper masks replaced by their batch average",
            (o, _) => new ChainRule<float>("bp-avgmask", FeedbackWeights.Forward, UpperMasks.Mean, o)),
        RuleDefinition.For<LossOptions>("bp-shufmask", RuleKind.Supervised, "chain", "BP with the upper masks of another datum of the batch",
            (o, _) => new ChainRule<float>("bp-shufmask", FeedbackWeights.Forward, UpperMasks.Shuffled, o)),
        RuleDefinition.For<FeedbackAlignmentOptions>("fa-nomask", RuleKind.Supervised, "chain", "FA with the upper masks removed",
            (o, _) => new ChainRule<float>("fa-nomask", FeedbackWeights.Random, UpperMasks.Removed, o)),
        RuleDefinition.For<FeedbackAlignmentOptions>("fa-avgmask", RuleKind.Supervised, "chain", "FA with the upper masks replaced by their batch average",
            (o, _) => new ChainRule<float>("fa-avgmask", FeedbackWeights.Random, UpperMasks.Mean, o)),
        RuleDefinition.For<FeedbackAlignmentOptions>("fa-shufmask", RuleKind.Supervised, "chain", "FA with the upper masks of another datum of the batch",
            (o, _) => new ChainRule<float>("fa-shufmask", FeedbackWeights.Random, UpperMasks.Shuffled, o)),
        RuleDefinition.For<LossOptions>("local-supervised", RuleKind.Supervised, "local", "layer-local supervised control: every layer trained through its own fixed random readout of the label, no error crosses a layer",
            (o, _) => new LocalSupervisedRule<float>(o)),
        RuleDefinition.For<ClappOptions>("clapp", RuleKind.SelfSupervised, "clapp", "CLAPP: layer-local contrastive predictive loss with negatives",
            (o, _) => new ClappRule<float>("clapp", o)),
        RuleDefinition.For<ClappOptions>("clapp-pos", RuleKind.SelfSupervised, "clapp", "CLAPP without negatives (positives only, with an anti-collapse mechanism)",
            (o, _) => new ClappRule<float>("clapp-pos", o), options: WithoutNegatives),
        RuleDefinition.For<ClappOptions>("e2e-clapp", RuleKind.SelfSupervised, "clapp", "the CLAPP loss at the top layer, backpropagated (end-to-end SSL)",
            (o, _) => new ClappRule<float>("e2e-clapp", o, endToEnd: true), endToEnd: true),
        RuleDefinition.For<ClappOptions>("e2e-clapp-nc", RuleKind.SelfSupervised, "clapp", "end-to-end CLAPP without negatives",
            (o, _) => new ClappRule<float>("e2e-clapp-nc", o, endToEnd: true), endToEnd: true, options: WithoutNegatives),
        RuleDefinition.For<VicregOptions>("vicreg", RuleKind.SelfSupervised, "non-contrastive", "layer-local VICReg",
            (o, _) => new NonContrastiveRule<float>("vicreg", o, endToEnd: false)),
        RuleDefinition.For<VicregOptions>("e2e-vicreg", RuleKind.SelfSupervised, "non-contrastive", "end-to-end VICReg",
            (o, _) => new NonContrastiveRule<float>("e2e-vicreg", o, endToEnd: true), endToEnd: true),
        RuleDefinition.For<LplOptions>("lpl", RuleKind.SelfSupervised, "non-contrastive", "layer-local LPL (predictive and Hebbian terms)",
            (o, _) => new NonContrastiveRule<float>("lpl", o, endToEnd: false)),
        RuleDefinition.For<LplOptions>("e2e-lpl", RuleKind.SelfSupervised, "non-contrastive", "end-to-end LPL",
            (o, _) => new NonContrastiveRule<float>("e2e-lpl", o, endToEnd: true), endToEnd: true),
        RuleDefinition.For<LayerwiseIcaOptions>("ica", RuleKind.Unsupervised, "ica", "layer-wise ICA: each layer's weights from FastICA (or reconstruction ICA) on its input patches",
            (o, _) => new LayerwiseIcaRule<float>(o)),
    ];

    // CLAPP without negatives is CLAPP with an anti-collapse mechanism in their place.
    private static ClappOptions WithoutNegatives() => new() { AntiCollapse = new AntiCollapseOptions() };

    /// <summary>Every rule, built-in first, in registration order.</summary>
    public static IReadOnlyList<RuleDefinition> All
    {
        get { lock (Gate) return Rows.ToArray(); }
    }

    /// <summary>Changes with every registration: the option table and hash defaults rebuild when it moves.</summary>
    internal static int Version
    {
        get { lock (Gate) return _version; }
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
    /// <c>rule</c> option accepts it, its options parse, validate, show in <c>--help</c>, sweep, hash and record like
    /// the built-in ones', <see cref="ResolvedRun"/> resolves it with its kind's defaults, the trainer, sweeps and
    /// analyses run and read it. A name already taken is refused, and so is an option key that another declaration
    /// already owns.
    /// </summary>
    public static void Register(RuleDefinition rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (string.IsNullOrEmpty(rule.Name) || !rule.Name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-'))
            throw new ArgumentException($"rule: '{rule.Name}' is not a rule name (lower-case letters, digits and '-')");
        if (rule.Algorithm == "clapp") throw new ArgumentException($"rule {rule.Name}: the clapp algorithm's pairing is wired into the trainer for its built-in rules only; choose another algorithm");
        lock (Gate)
        {
            if (Rows.Any(r => r.Name == rule.Name)) throw new ArgumentException($"rule: '{rule.Name}' is already registered");
            // The keys must not collide with options declared elsewhere: one key, one declaration.
            RunOptions.CheckNewOptions(rule, Rows);
            Rows.Add(rule);
            _version++;
        }
    }

    /// <summary>The rules that read a run option (for its help): those whose options hold it.</summary>
    public static IReadOnlyList<string> ReadersOf(string option)
    {
        // Analyses ask for every option of every group: the table is built once per registration.
        var readers = _readers;
        int version = Version;
        if (readers is null || readers.Version != version)
        {
            var table = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var row in All)
                foreach (var key in row.Options)
                    (table.TryGetValue(key, out var names) ? names : table[key] = []).Add(row.Name);
            _readers = readers = new Readers(version, table.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value.ToArray(), StringComparer.Ordinal));
        }
        return readers.Table.GetValueOrDefault(option) ?? [];
    }

    // A reference, so that a thread reads a whole table or the previous one, never half of each.
    private sealed record Readers(int Version, Dictionary<string, IReadOnlyList<string>> Table);

    private static volatile Readers? _readers;
}
