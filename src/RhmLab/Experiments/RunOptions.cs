using RhmLab.IO;
using System.Globalization;
using System.Text.Json;
using System.Reflection;
using System.Text.Json.Nodes;
using RhmLab.Rules;

namespace RhmLab.Experiments;

/// <summary>
/// One run option, as declared by a <see cref="RunOptionAttribute"/> on a <see cref="RunConfig"/> property: its key,
/// help, type, default and accepted values, and how to read and write it. Every value is checked here, whether it
/// comes from the command line, a config file, a sweep plan or code (<see cref="RunOptions.Validate"/>).
/// </summary>
public sealed class RunOption
{
    internal RunOption(PropertyInfo property, RunOptionAttribute declaration)
    {
        _property = property;
        _declaration = declaration;
        var type = property.PropertyType;
        var underlying = System.Nullable.GetUnderlyingType(type);
        Nullable = underlying != null || (!type.IsValueType && new NullabilityInfoContext().Create(property).WriteState == NullabilityState.Nullable);
        Type = (underlying ?? type) switch
        {
            var t when t == typeof(int) => "int",
            var t when t == typeof(long) => "long",
            var t when t == typeof(double) => "double",
            var t when t == typeof(string) => "string",
            var t when t == typeof(bool) => "bool",
            var t when t == typeof(int[]) => "int-list",
            var t => throw new InvalidOperationException($"RunConfig.{property.Name}: a run option cannot have type {t.Name}"),
        };
        if (declaration.Values is Type values)
            _values = Activator.CreateInstance(values) as IRunOptionValues
                ?? throw new InvalidOperationException($"RunConfig.{property.Name}: {values.Name} does not implement IRunOptionValues");
        if ((declaration.Choices != null || _values != null) && Type != "string")
            throw new InvalidOperationException($"RunConfig.{property.Name}: only string options take choices");
        if ((!double.IsNaN(declaration.Min) || !double.IsNaN(declaration.Max)) && Type is "string" or "bool")
            throw new InvalidOperationException($"RunConfig.{property.Name}: only numbers take a range");
    }

    private readonly PropertyInfo _property;
    private readonly RunOptionAttribute _declaration;
    private readonly IRunOptionValues? _values;

    /// <summary>The key, e.g. <c>lr</c> or <c>conv-scale</c>.</summary>
    public string Key => _declaration.Key;
    /// <summary>A second key for the same option (e.g. <c>depth</c> for <c>L</c>), or null.</summary>
    public string? Alias => _declaration.Alias;
    /// <summary>int, long, double, string, bool, or int-list.</summary>
    public string Type { get; }
    /// <summary>Whether null is a value (the default that depends on other options, resolved by <see cref="ResolvedRun"/>).</summary>
    public bool Nullable { get; }
    /// <summary>The name of the <see cref="RunConfig"/> property that holds the option.</summary>
    public string Property => _property.Name;
    /// <summary>Smallest accepted number (NaN: none), and whether it is itself refused.</summary>
    public (double Value, bool Exclusive) Min => (_declaration.Min, _declaration.MinExclusive);
    /// <summary>Largest accepted number (NaN: none), and whether it is itself refused.</summary>
    public (double Value, bool Exclusive) Max => (_declaration.Max, _declaration.MaxExclusive);

    /// <summary>Help text: the declaration's, its choices or syntax, and the rules that read the option where it is specific to some.</summary>
    public string Help
    {
        get
        {
            string help = _declaration.Help;
            if (_values != null) help += $" ({_values.Describe()})";
            else if (_declaration.Choices is { } c) help += $" ({string.Join('|', c)})";
            else if (Range is string range) help += $" ({range})";
            var readers = RuleCatalog.ReadersOf(Key);
            return readers.Count == 0 ? help : $"{help}; read by {string.Join(", ", readers)}";
        }
    }

    /// <summary>Allowed values of a string option (null: free, or a syntax).</summary>
    public string[]? Choices => _values?.Choices?.ToArray() ?? _declaration.Choices;

    /// <summary>The current value as JSON.</summary>
    public JsonNode? Get(RunConfig config) => _property.GetValue(config) switch
    {
        null => null,
        int[] list => new JsonArray(list.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray()),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        bool b => JsonValue.Create(b),
        string t => JsonValue.Create(t),
        var other => throw new InvalidOperationException($"{Key}: unexpected value {other}"),
    };

    /// <summary>Sets the option from a JSON value; wrong types and refused values raise <see cref="ArgumentException"/> naming the key.</summary>
    public void Set(RunConfig config, JsonNode? value)
    {
        object? typed = Parse(value);
        Check(typed);
        _property.SetValue(config, typed);
    }

    /// <summary>Checks the option's current value in <paramref name="config"/> (set in code, not parsed).</summary>
    internal void Validate(RunConfig config) => Check(_property.GetValue(config));

    /// <summary>Sets the option from command-line text.</summary>
    public void SetText(RunConfig config, string text)
    {
        JsonNode? node = Type switch
        {
            "string" => JsonValue.Create(text),
            "bool" => text switch
            {
                "true" or "on" or "1" => JsonValue.Create(true),
                "false" or "off" or "0" => JsonValue.Create(false),
                _ => throw new ArgumentException($"{Key}: expected true or false, got '{text}'"),
            },
            "int-list" => new JsonArray(text.Split(',', StringSplitOptions.TrimEntries).Select(t => (JsonNode?)ParseNumber(t)).ToArray()),
            _ => ParseNumber(text),
        };
        Set(config, node);

        JsonNode? ParseNumber(string t)
        {
            if (t is "null" or "") return null;
            if (long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return JsonValue.Create(l);
            if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return JsonValue.Create(d);
            throw new ArgumentException($"{Key}: '{t}' is not a number");
        }
    }

    private object? Parse(JsonNode? n)
    {
        if (n is null && Nullable) return null;
        return Type switch
        {
            "int" => ToInt(n),
            "long" => ToLong(n),
            "double" => ToDouble(n),
            "bool" => n is JsonValue v && v.TryGetValue(out bool b) ? b : throw new ArgumentException($"{Key}: expected true or false, got {Show(n)}"),
            "int-list" => n is JsonArray a && a.Count > 0 ? a.Select(ToInt).ToArray()
                : throw new ArgumentException($"{Key}: expected a non-empty list of integers, got {Show(n)}"),
            _ => n is JsonValue s && s.TryGetValue(out string? text) ? text : throw new ArgumentException($"{Key}: expected a string, got {Show(n)}"),
        };
    }

    private void Check(object? value)
    {
        switch (value)
        {
            case null:
                if (!Nullable) throw new ArgumentException($"{Key}: must be given (got null)");
                break;
            case string s:
                if (_values != null) _values.Check(Key, s);
                else if (_declaration.Choices is { } choices && !choices.Contains(s))
                    throw new ArgumentException($"{Key}: unknown value '{s}' (expected {string.Join(", ", choices)})");
                break;
            case int[] list:
                foreach (int x in list) CheckRange(x);
                break;
            case int i: CheckRange(i); break;
            case long l: CheckRange(l); break;
            case double d: CheckRange(d); break;
        }
    }

    private void CheckRange(double x)
    {
        var (min, minOpen) = Min;
        var (max, maxOpen) = Max;
        bool below = !double.IsNaN(min) && (minOpen ? x <= min : x < min);
        bool above = !double.IsNaN(max) && (maxOpen ? x >= max : x > max);
        if (below || above) throw new ArgumentException($"{Key}: must be {Range} (got {x.ToString("R", CultureInfo.InvariantCulture)})");
    }

    /// <summary>The accepted numbers in words (<c>>= 1</c>, <c>in [0, 1)</c>, <c>in 1..256</c>), or null without a range.</summary>
    public string? Range
    {
        get
        {
            var (min, minOpen) = Min;
            var (max, maxOpen) = Max;
            if (double.IsNaN(min) && double.IsNaN(max)) return null;
            return double.IsNaN(max) ? $"{(minOpen ? ">" : ">=")} {Show(min)}"
                : double.IsNaN(min) ? $"{(maxOpen ? "<" : "<=")} {Show(max)}"
                : Type != "double" && !minOpen && !maxOpen ? $"in {Show(min)}..{Show(max)}"
                : $"in {(minOpen ? "(" : "[")}{Show(min)}, {Show(max)}{(maxOpen ? ")" : "]")}";

            static string Show(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        }
    }

    private int ToInt(JsonNode? n)
    {
        long v = ToLong(n);
        if (v < int.MinValue || v > int.MaxValue) throw new ArgumentException($"{Key}: {v} is out of range");
        return (int)v;
    }

    private long ToLong(JsonNode? n)
    {
        if (n is JsonValue v)
        {
            if (v.TryGetValue(out long l)) return l;
            // Values built in memory (RunConfig.ToJson) hold an int, which TryGetValue<long> does not convert.
            if (v.TryGetValue(out int i)) return i;
            if (v.TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) < 9e18) return (long)d;
        }
        throw new ArgumentException($"{Key}: expected an integer, got {Show(n)}");
    }

    private double ToDouble(JsonNode? n)
    {
        // Values built in memory hold their CLR type: "--lr 1" parses to a long, which TryGetValue<double> rejects.
        if (n is JsonValue v && (v.TryGetValue(out double d) || TryInteger(v, out d)))
        {
            if (!double.IsFinite(d)) throw new ArgumentException($"{Key}: must be finite");
            return d;
        }
        throw new ArgumentException($"{Key}: expected a number, got {Show(n)}");
    }

    private static bool TryInteger(JsonValue v, out double d)
    {
        if (v.TryGetValue(out long l)) { d = l; return true; }
        if (v.TryGetValue(out int i)) { d = i; return true; }
        d = 0;
        return false;
    }

    private static string Show(JsonNode? n) => n is null ? "null" : n.ToJsonString();
}

/// <summary>The table of run options: the single definition used by the CLI, config files and sweep plans.</summary>
public static class RunOptions
{
    /// <summary>Learning rules known to this process (<see cref="RuleCatalog"/>).</summary>
    public static IReadOnlyList<string> Rules => RuleCatalog.Names;

    /// <summary>All options, in the order of their declarations in RunConfig.cs (the help's order).</summary>
    public static IReadOnlyList<RunOption> All { get; } = Build();

    private static readonly Dictionary<string, RunOption> ByKey = All
        .SelectMany(o => o.Alias is string a ? new[] { (o.Key, o), (a, o) } : [(o.Key, o)])
        .ToDictionary(x => x.Item1, x => x.o, StringComparer.Ordinal);

    /// <summary>Looks up an option by key or alias (case-sensitive; <c>depth</c> is an alias of <c>L</c>).</summary>
    public static RunOption? Find(string key) => ByKey.GetValueOrDefault(key);

    /// <summary>
    /// Checks every option of a config built in code against its declaration (values parsed from JSON or the command
    /// line were checked when set). Raises <see cref="ArgumentException"/> naming the first refused option.
    /// </summary>
    public static void Validate(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        foreach (var opt in All) opt.Validate(config);
    }

    /// <summary>
    /// Applies a JSON object of options (a run-config file or a sweep point). Unknown keys, wrong types and bad
    /// values raise <see cref="ArgumentException"/> naming the key.
    /// </summary>
    public static void Apply(RunConfig config, JsonObject values, string where = "config")
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(values);
        foreach (var (key, value) in values)
        {
            var opt = Find(key) ?? throw new ArgumentException($"{where}: unknown option '{key}'");
            opt.Set(config, value);
        }
    }

    /// <summary>Reads a run-config JSON file.</summary>
    public static RunConfig Load(string path)
    {
        string text;
        try { text = TextInput.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        { throw new ArgumentException($"--config: cannot read '{path}' ({(e is ArgumentException or NotSupportedException ? "not a valid path" : e.Message)})"); }
        JsonNode? node;
        try { node = JsonNode.Parse(text); }
        catch (JsonException e) { throw new ArgumentException($"{path}: not valid JSON ({e.Message.Split('\n')[0]})"); }
        if (node is not JsonObject obj) throw new ArgumentException($"{path}: a run config must be a JSON object");
        var config = new RunConfig();
        Apply(config, obj, path);
        return config;
    }

    private static List<RunOption> Build() =>
    [
        .. typeof(RunConfig).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Property: p, Declaration: p.GetCustomAttribute<RunOptionAttribute>()))
            .Where(x => x.Declaration != null)
            .OrderBy(x => x.Declaration!.Line)
            .Select(x => new RunOption(x.Property, x.Declaration!)),
    ];
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

/// <summary>The values of <c>anti-collapse</c>: <c>hinge-only</c>, or components joined by <c>+</c> (<see cref="NoNegativesModes"/>).</summary>
public sealed class AntiCollapseValues : IRunOptionValues
{
    /// <inheritdoc/>
    public IReadOnlyList<string>? Choices => null;
    /// <inheritdoc/>
    public string Describe() => $"hinge-only, or components joined by +: {string.Join('|', NoNegativesModes.Components.Skip(1))}; default {ResolvedRun.DefaultAntiCollapse}";
    /// <inheritdoc/>
    public void Check(string key, string value) => NoNegativesModes.Parse(value);
}
