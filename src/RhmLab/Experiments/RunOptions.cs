using RhmLab.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using RhmLab.Data;
using RhmLab.Evaluation;
using RhmLab.Networks;
using RhmLab.Options;
using RhmLab.Rhm;
using RhmLab.Rules;
using RhmLab.Training;

namespace RhmLab.Experiments;

/// <summary>
/// One run option as a run sees it: a declared option (<see cref="OptionField"/>) and where a <see cref="RunConfig"/>
/// holds it, in the core or in the rule's options. An option of another rule than the config's is not the config's:
/// setting it to anything but its default is a one-line error naming the option and the rules that read it.
/// </summary>
public sealed class RunOption
{
    internal RunOption(OptionField field, bool core, bool inEveryRecord)
    {
        Field = field;
        IsCore = core;
        InEveryRecord = inEveryRecord;
    }

    /// <summary>The declaration.</summary>
    public OptionField Field { get; }
    /// <summary>Whether every run has it (the RHM, seeds, data, network, trainer, evaluation, execution, the rule's name).</summary>
    public bool IsCore { get; }
    /// <summary>Whether every record lists it: the core's, and the built-in rules' (at their defaults where the rule does not read them).</summary>
    internal bool InEveryRecord { get; }
    /// <summary>The options type that declares it.</summary>
    public Type Owner => Field.Declaring;
    /// <summary>The key, e.g. <c>lr</c> or <c>conv-scale</c>.</summary>
    public string Key => Field.Key;
    /// <summary>A second key for the same option (e.g. <c>depth</c> for <c>L</c>), or null.</summary>
    public string? Alias => Field.Alias;
    /// <summary>int, long, double, string (enums and booleans written as words included), bool, or int-list.</summary>
    public string Type => Field.Type;
    /// <summary>Whether null is a value (the default that depends on other options, resolved by <see cref="ResolvedRun"/>).</summary>
    public bool Nullable => Field.Nullable;
    /// <summary>The declaring type and property, e.g. <c>TrainingOptions.Momentum</c>.</summary>
    public string Property => $"{Field.Declaring.Name}.{Field.Property.Name}";
    /// <summary>Smallest accepted number (NaN: none), and whether it is itself refused.</summary>
    public (double Value, bool Exclusive) Min => Field.Min;
    /// <summary>Largest accepted number (NaN: none), and whether it is itself refused.</summary>
    public (double Value, bool Exclusive) Max => Field.Max;
    /// <summary>The accepted numbers in words, or null without a range.</summary>
    public string? Range => Field.Range;
    /// <summary>Allowed values of a string option (null: free, or a syntax).</summary>
    public string[]? Choices => Field.Choices;
    /// <summary>The default, as JSON.</summary>
    public JsonNode? Default => Field.Default;

    /// <summary>Help text: the declaration's, its choices or syntax, and the rules that read it where it is a rule's.</summary>
    public string Help
    {
        get
        {
            var readers = IsCore ? [] : RuleCatalog.ReadersOf(Key);
            return readers.Count == 0 ? Field.Help : $"{Field.Help}; read by {string.Join(", ", readers)}";
        }
    }

    /// <summary>Whether a config holds the option (every core option; a rule's option when the config's rule reads it).</summary>
    public bool AppliesTo(RunConfig config) => (config ?? throw new ArgumentNullException(nameof(config))).Find(Owner) != null;

    /// <summary>The current value as JSON (the default where the config's rule does not read the option).</summary>
    public JsonNode? Get(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Find(Owner) is { } holder ? Field.Get(holder) : Default;
    }

    /// <summary>
    /// Sets the option from a JSON value; wrong types and refused values raise <see cref="ArgumentException"/> naming
    /// the key. For an option of another rule only its default is accepted (and changes nothing), so a record's full
    /// config, which lists every built-in option, reads back.
    /// </summary>
    public void Set(RunConfig config, JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Find(Owner) is { } holder)
        {
            Field.Set(holder, value);
            return;
        }
        if (RunHash.Canonical(Field.Normalize(value)) == RunHash.Canonical(Default)) return;
        var readers = RuleCatalog.ReadersOf(Key);
        throw new ArgumentException($"{Key}: not an option of rule {config.Rule}" + (readers.Count > 0 ? $" (read by {string.Join(", ", readers)})" : ""));
    }

    /// <summary>Sets the option from command-line text.</summary>
    public void SetText(RunConfig config, string text) => Set(config, Field.ParseText(text));

    /// <summary>Checks a JSON value against the declaration alone, whatever the rule; returns it as a record writes it.</summary>
    public JsonNode? Check(JsonNode? value) => Field.Normalize(value);
}

/// <summary>
/// The table of run options, built from the declarations of every component and of every rule in the catalogue: the
/// single definition used by the CLI, config files, sweep plans, records and run hashes.
/// </summary>
public static class RunOptions
{
    /// <summary>
    /// The order in which records have always listed the options of the built-in rules: kept so that a record written
    /// now lists its keys as records always have. Rules added later follow, in catalogue order.
    /// </summary>
    private static readonly Type[] RecordRuleLayout =
        [typeof(DfaOptions), typeof(FeedbackAlignmentOptions), typeof(LgaOptions), typeof(ClappOptions), typeof(VicregOptions), typeof(LplOptions), typeof(LayerwiseIcaOptions)];

    private sealed record Table(int Version, IReadOnlyList<RunOption> All, Dictionary<string, RunOption> ByKey)
    {
        // The defaults of the options every record lists, as canonical JSON, written once: a sweep hashes every point
        // and every record. A plugin's options are not among them, so a record of a plugin's rule hashes alike
        // whether or not the plugin is loaded (an analysis need not load it).
        public Dictionary<string, string> CanonicalDefaults { get; } =
            All.Where(o => o.InEveryRecord).ToDictionary(o => o.Key, o => RunHash.Canonical(o.Default), StringComparer.Ordinal);
    }

    private static volatile Table? _table;

    private static Table Current
    {
        get
        {
            int version = RuleCatalog.Version;
            var table = _table;
            if (table == null || table.Version != version) _table = table = Build(version, RuleCatalog.All);
            return table;
        }
    }

    /// <summary>Learning rules known to this process (<see cref="RuleCatalog"/>).</summary>
    public static IReadOnlyList<string> Rules => RuleCatalog.Names;

    /// <summary>
    /// Every option: the RHM's, the seeds', the data's, <c>rule</c>, the supervised loss, the network's, the
    /// trainer's, the rules' (the built-in ones in the order records have always had, then those of rules from
    /// plugins), the evaluation's and the execution's. The help's order and a record's.
    /// </summary>
    public static IReadOnlyList<RunOption> All => Current.All;

    /// <summary>Looks up an option by key or alias (case-sensitive; <c>depth</c> is an alias of <c>L</c>).</summary>
    public static RunOption? Find(string key) => Current.ByKey.GetValueOrDefault(key);

    /// <summary>
    /// Checks every option a config holds against its declaration, then each group's own checks
    /// (<see cref="ICheckedOptions"/>), and that the rule's options are of the type and shape its row makes. Raises
    /// <see cref="ArgumentException"/> naming the first refused option.
    /// </summary>
    public static void Validate(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Find("rule")!.Field.Validate(config);
        var row = RuleCatalog.Get(config.Rule);
        var expected = row.NewOptions();
        if (!OptionGroups.SameShape(config.RuleOptions, expected))
            throw new ArgumentException(config.RuleOptions.GetType() == expected.GetType()
                ? $"rule: {row.Name} takes {row.OptionsType.Name} with the groups its catalogue row gives (set the rule, then its options)"
                : $"rule: {row.Name} takes {row.OptionsType.Name} (got {config.RuleOptions.GetType().Name})");
        foreach (var group in config.Core) OptionGroups.Validate(group);
        OptionGroups.Validate(config.RuleOptions);
    }

    /// <summary>
    /// Applies a JSON object of options (a run-config file or a sweep point): <c>rule</c> first, so that the other keys
    /// read as its options. Unknown keys, wrong types and bad values raise <see cref="ArgumentException"/> naming the key.
    /// </summary>
    public static void Apply(RunConfig config, JsonObject values, string where = "config")
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(values);
        if (values.TryGetPropertyValue("rule", out var rule)) Find("rule")!.Set(config, rule);
        foreach (var (key, value) in values)
        {
            if (key == "rule") continue;
            var opt = Find(key) ?? throw new ArgumentException($"{where}: unknown option '{key}'");
            opt.Set(config, value);
        }
    }

    /// <summary>Reads a run-config JSON file.</summary>
    public static RunConfig Load(string path)
    {
        var config = new RunConfig();
        Apply(config, ReadObject(path), path);
        return config;
    }

    /// <summary>The JSON object of a run-config file, not yet applied; a file that cannot be read or is not an object is a one-line error.</summary>
    public static JsonObject ReadObject(string path)
    {
        string text;
        try { text = TextInput.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        { throw new ArgumentException($"--config: cannot read '{path}' ({(e is ArgumentException or NotSupportedException ? "not a valid path" : e.Message)})"); }
        JsonNode? node;
        try { node = JsonNode.Parse(text); }
        catch (JsonException e) { throw new ArgumentException($"{path}: not valid JSON ({e.Message.Split('\n')[0]})"); }
        return node as JsonObject ?? throw new ArgumentException($"{path}: a run config must be a JSON object");
    }

    /// <summary>The defaults of the options every record lists (core and built-in rules) as canonical JSON, by key: what <see cref="RunHash"/> leaves out.</summary>
    internal static IReadOnlyDictionary<string, string> CanonicalDefaults => Current.CanonicalDefaults;

    /// <summary>The config as a record writes it (<see cref="RunConfig.ToJson"/>).</summary>
    internal static JsonObject ToJson(RunConfig config)
    {
        var groups = config.Groups();
        var o = new JsonObject();
        foreach (var opt in All)
        {
            var holder = groups.FirstOrDefault(opt.Owner.IsInstanceOfType);
            if (holder != null) o[opt.Key] = opt.Field.Get(holder);
            else if (opt.InEveryRecord) o[opt.Key] = opt.Default;
        }
        return o;
    }

    /// <summary>Refuses a rule whose options would give a key a second declaration (called by <see cref="RuleCatalog.Register"/>).</summary>
    internal static void CheckNewOptions(RuleDefinition rule, IReadOnlyList<RuleDefinition> rows)
    {
        try { Build(-1, [.. rows, rule]); }
        catch (InvalidOperationException e) { throw new ArgumentException($"rule {rule.Name}: {e.Message}"); }
    }

    private static Table Build(int version, IReadOnlyList<RuleDefinition> rows)
    {
        var all = new List<RunOption>();
        var byKey = new Dictionary<string, RunOption>(StringComparer.Ordinal);
        Add(typeof(RhmOptions), core: true, every: true);
        Add(typeof(StreamSeeds), core: true, every: true);
        Add(typeof(DataOptions), core: true, every: true);
        AddFields([OptionField.Of(typeof(RunConfig).GetProperty(nameof(RunConfig.Rule))!)!], core: true, every: true);
        // The supervised loss has always stood here, beside the rule, though only supervised rules read it.
        Add(typeof(LossOptions), core: false, every: true);
        Add(typeof(NetworkOptions), core: true, every: true);
        Add(typeof(TrainingOptions), core: true, every: true);
        foreach (var type in RecordRuleLayout) Add(type, core: false, every: true);
        foreach (var row in rows.Where(r => r.BuiltIn)) Add(row.OptionsType, core: false, every: true);
        foreach (var row in rows.Where(r => !r.BuiltIn)) Add(row.OptionsType, core: false, every: false);
        Add(typeof(EvaluationOptions), core: true, every: true);
        Add(typeof(ExecutionOptions), core: true, every: true);
        return new Table(version, all, byKey);

        void Add(Type type, bool core, bool every) => AddFields(OptionGroups.FieldsOf(type), core, every);

        void AddFields(IEnumerable<OptionField> fields, bool core, bool every)
        {
            foreach (var f in fields)
            {
                if (byKey.TryGetValue(f.Key, out var existing))
                {
                    if (existing.Field.Declaring == f.Declaring && existing.Field.Property.Name == f.Property.Name) continue;
                    throw new InvalidOperationException($"option '{f.Key}' is declared twice, by {existing.Property} and {f.Declaring.Name}.{f.Property.Name}");
                }
                if (f.Alias is string a && byKey.TryGetValue(a, out var taken))
                    throw new InvalidOperationException($"option '{f.Key}': its alias '{a}' is already {taken.Key}");
                var option = new RunOption(f, core, every);
                all.Add(option);
                byKey[f.Key] = option;
                if (f.Alias is string alias) byKey[alias] = option;
            }
        }
    }
}

/// <summary>The values of <c>rule</c>: the names in the <see cref="RuleCatalog"/> when asked, so a rule registered later is accepted too.</summary>
public sealed class RuleNameValues : IRunOptionValues
{
    /// <inheritdoc/>
    public IReadOnlyList<string>? Choices => RuleCatalog.Names;
    /// <inheritdoc/>
    public string Describe() => string.Join('|', RuleCatalog.Names);
    /// <inheritdoc/>
    public void Check(string key, string value)
    {
        if (RuleCatalog.Find(value) is null) throw new ArgumentException($"{key}: unknown value '{value}' (expected {string.Join(", ", RuleCatalog.Names)})");
    }
}
