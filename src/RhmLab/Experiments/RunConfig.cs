using System.Text.Json.Nodes;
using RhmLab.Data;
using RhmLab.Evaluation;
using RhmLab.Networks;
using RhmLab.Options;
using RhmLab.Rhm;
using RhmLab.Training;

namespace RhmLab.Experiments;

/// <summary>
/// The options of one training run: the core every run has (the RHM, the stream seeds, the data, the network, the
/// trainer, the evaluation, how it executes), the rule, and the rule's own options, of the type its catalogue row
/// names. Each part is declared by the component that reads it (docs/EXTENDING.md); the same keys serve the command
/// line (<c>--key value</c>), run-config JSON files and sweep plans (<see cref="RunOptions"/>). Null means "the
/// default that depends on other options", resolved by <see cref="ResolvedRun.Resolve"/>.
/// </summary>
public sealed class RunConfig
{
    private string _rule = "bp";
    private object _ruleOptions = RuleCatalog.Get("bp").NewOptions();

    /// <summary>The RHM: n_c, m, v, s, L and the rule generator.</summary>
    public RhmOptions Rhm { get; init; } = new();
    /// <summary>The seeds of every stream.</summary>
    public StreamSeeds Seeds { get; init; } = new();
    /// <summary>The data: P, T, sampling and split.</summary>
    public DataOptions Data { get; init; } = new();

    /// <summary>
    /// The learning rule. Setting it gives the rule a fresh instance of its options, unless those held already have
    /// their shape (so options set first, for the same rule, are kept).
    /// </summary>
    [RunOption("rule", "Learning rule", Values = typeof(RuleNameValues))]
    public string Rule
    {
        get => _rule;
        set
        {
            _rule = value;
            if (RuleCatalog.Find(value) is { } row)
            {
                var fresh = row.NewOptions();
                if (!OptionGroups.SameShape(_ruleOptions, fresh)) _ruleOptions = fresh;
            }
        }
    }

    /// <summary>The rule's own options, of the type its catalogue row names (e.g. <c>ClappOptions</c>).</summary>
    public object RuleOptions
    {
        get => _ruleOptions;
        set => _ruleOptions = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The network: family, widths, scaling conventions.</summary>
    public NetworkOptions Network { get; init; } = new();
    /// <summary>The trainer: optimiser, schedule, budgets, stopping rules, checkpoints.</summary>
    public TrainingOptions Training { get; init; } = new();
    /// <summary>The measurements after training: probes and sensitivity.</summary>
    public EvaluationOptions Evaluation { get; init; } = new();
    /// <summary>How the run executes: the matrix-product provider, its threads, whether the model is saved.</summary>
    public ExecutionOptions Execution { get; init; } = new();

    /// <summary>The core's groups, in the order of a record.</summary>
    internal IEnumerable<object> Core => [Rhm, Seeds, Data, Network, Training, Evaluation, Execution];

    /// <summary>Every group of options the config holds, the config itself (for <c>rule</c>) and the rule's included.</summary>
    internal List<object> Groups()
    {
        var list = new List<object> { this };
        foreach (var g in Core) list.AddRange(OptionGroups.Groups(g));
        list.AddRange(OptionGroups.Groups(_ruleOptions));
        return list;
    }

    /// <summary>The group of options of a type the config holds (core or the rule's), or null when the rule has none.</summary>
    public T? Find<T>() where T : class => (T?)Find(typeof(T));

    /// <summary>The group of options of a type the config holds; a rule without it is a one-line error.</summary>
    public T Get<T>() where T : class =>
        Find<T>() ?? throw new ArgumentException($"rule: {Rule} has no {typeof(T).Name} (its options are {_ruleOptions.GetType().Name})");

    internal object? Find(Type type) => Groups().FirstOrDefault(type.IsInstanceOfType);

    /// <summary>Sets an option from command-line text, by key (<c>config.Set("lr", "0.05")</c>).</summary>
    public RunConfig Set(string key, string text)
    {
        var opt = RunOptions.Find(key) ?? throw new ArgumentException($"unknown option '{key}'");
        opt.SetText(this, text);
        return this;
    }

    /// <summary>A deep copy.</summary>
    public RunConfig Clone() => new()
    {
        Rhm = OptionGroups.Clone(Rhm),
        Seeds = OptionGroups.Clone(Seeds),
        Data = OptionGroups.Clone(Data),
        _rule = _rule,
        _ruleOptions = OptionGroups.Clone(_ruleOptions),
        Network = OptionGroups.Clone(Network),
        Training = OptionGroups.Clone(Training),
        Evaluation = OptionGroups.Clone(Evaluation),
        Execution = OptionGroups.Clone(Execution),
    };

    /// <summary>
    /// All options as a JSON object keyed like the command line: the full config of a run record, in the order of
    /// <see cref="RunOptions.All"/>. It lists every option of the core and of the built-in rules (those the rule does
    /// not read at their defaults), so records keep one set of keys, and the options of a rule from a plugin.
    /// </summary>
    public JsonObject ToJson() => RunOptions.ToJson(this);
}
