using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;

namespace RhmLab.Options;

/// <summary>
/// One declared option (<see cref="RunOptionAttribute"/> on a property of a component's options): its key, help,
/// type, default and accepted values, and how it is read from and written to JSON and command-line text. Every value
/// is checked here, whether it comes from the command line, a config file, a sweep plan or code.
/// </summary>
public sealed class OptionField
{
    private OptionField(PropertyInfo property, RunOptionAttribute declaration)
    {
        _property = property;
        _declaration = declaration;
        var type = property.PropertyType;
        var underlying = System.Nullable.GetUnderlyingType(type);
        _valueType = underlying ?? type;
        string where = $"{property.DeclaringType!.Name}.{property.Name}";
        Nullable = underlying != null || (!type.IsValueType && new NullabilityInfoContext().Create(property).WriteState == NullabilityState.Nullable);
        if (_valueType.IsEnum) _enumWords = Options.Choices.Words(_valueType).ToArray();
        bool words = declaration.Off != null || declaration.On != null;
        if (words && (declaration.Off == null || declaration.On == null || _valueType != typeof(bool)))
            throw new InvalidOperationException($"{where}: Off and On name the two words of a boolean, both or neither");
        if (words) _boolWords = [declaration.Off!, declaration.On!];
        Type = _valueType switch
        {
            var t when t == typeof(int) => "int",
            var t when t == typeof(long) => "long",
            var t when t == typeof(double) => "double",
            var t when t == typeof(string) || t.IsEnum => "string",
            var t when t == typeof(bool) => words ? "string" : "bool",
            var t when t == typeof(int[]) => "int-list",
            var t => throw new InvalidOperationException($"{where}: a run option cannot have type {t.Name}"),
        };
        if (declaration.Values is Type values)
            _values = Activator.CreateInstance(values) as IRunOptionValues
                ?? throw new InvalidOperationException($"{where}: {values.Name} does not implement IRunOptionValues");
        if ((declaration.Choices != null || _values != null) && _valueType != typeof(string))
            throw new InvalidOperationException($"{where}: only string options take Choices or Values (an enum lists its own)");
        if ((!double.IsNaN(declaration.Min) || !double.IsNaN(declaration.Max)) && Type is "string" or "bool")
            throw new InvalidOperationException($"{where}: only numbers take a range");
        _default = new(() => Get(Activator.CreateInstance(Declaring)!));
    }

    /// <summary>The option a property declares, or null when it has no <see cref="RunOptionAttribute"/>.</summary>
    public static OptionField? Of(PropertyInfo property)
    {
        ArgumentNullException.ThrowIfNull(property);
        return property.GetCustomAttribute<RunOptionAttribute>() is { } d ? new OptionField(property, d) : null;
    }

    private readonly PropertyInfo _property;
    private readonly RunOptionAttribute _declaration;
    private readonly Type _valueType;
    private readonly IRunOptionValues? _values;
    private readonly string[]? _enumWords, _boolWords;
    private readonly Lazy<JsonNode?> _default;

    /// <summary>The key, e.g. <c>lr</c> or <c>conv-scale</c>.</summary>
    public string Key => _declaration.Key;
    /// <summary>A second key for the same option (e.g. <c>depth</c> for <c>L</c>), or null.</summary>
    public string? Alias => _declaration.Alias;
    /// <summary>int, long, double, string (enums and booleans written as words included), bool, or int-list.</summary>
    public string Type { get; }
    /// <summary>Whether null is a value (a default that depends on other options, resolved where they meet).</summary>
    public bool Nullable { get; }
    /// <summary>The declaring property.</summary>
    public PropertyInfo Property => _property;
    /// <summary>The options type that declares the option.</summary>
    public Type Declaring => _property.DeclaringType!;
    /// <summary>Where the declaration stands in its file.</summary>
    internal int Line => _declaration.Line;
    /// <summary>Smallest accepted number (NaN: none), and whether it is itself refused.</summary>
    public (double Value, bool Exclusive) Min => (_declaration.Min, _declaration.MinExclusive);
    /// <summary>Largest accepted number (NaN: none), and whether it is itself refused.</summary>
    public (double Value, bool Exclusive) Max => (_declaration.Max, _declaration.MaxExclusive);
    /// <summary>Whether the option is a plain boolean: a JSON <c>true</c>/<c>false</c> and a command-line switch.</summary>
    public bool IsSwitch => Type == "bool";

    /// <summary>Help text: the declaration's, with its choices, syntax or range.</summary>
    public string Help
    {
        get
        {
            string help = _declaration.Help;
            if (_values != null) return $"{help} ({_values.Describe()})";
            if (Choices is { } c) return $"{help} ({string.Join('|', c)})";
            return Range is string range ? $"{help} ({range})" : help;
        }
    }

    /// <summary>Allowed values of a string option: an enum's words, a boolean's two words, or a list (null: free, or a syntax).</summary>
    public string[]? Choices => _values?.Choices?.ToArray() ?? _enumWords ?? _boolWords ?? _declaration.Choices;

    /// <summary>The default: the value of the declaring type's fresh instance, as JSON.</summary>
    public JsonNode? Default => _default.Value?.DeepClone();

    /// <summary>The value in an instance of the declaring type, as JSON (enums and worded booleans as their words).</summary>
    public JsonNode? Get(object group) => ToJson(_property.GetValue(group));

    /// <summary>Sets the option from a JSON value; wrong types and refused values raise <see cref="ArgumentException"/> naming the key.</summary>
    public void Set(object group, JsonNode? value) => _property.SetValue(group, Parse(value));

    /// <summary>Checks the option's current value in <paramref name="group"/> (set in code, not parsed).</summary>
    public void Validate(object group) => Check(_property.GetValue(group));

    /// <summary>A JSON value checked and written as it would be recorded (so <c>1</c> and <c>1.0</c> of a double read alike).</summary>
    public JsonNode? Normalize(JsonNode? value) => ToJson(Parse(value));

    /// <summary>The typed value of a JSON value, checked against the declaration.</summary>
    public object? Parse(JsonNode? n)
    {
        object? typed = Convert(n);
        Check(typed);
        return typed;
    }

    /// <summary>Command-line text as the JSON value it stands for (checked when it is set).</summary>
    public JsonNode? ParseText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Type switch
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

        JsonNode? ParseNumber(string t)
        {
            if (t is "null" or "") return null;
            if (long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return JsonValue.Create(l);
            if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return JsonValue.Create(d);
            throw new ArgumentException($"{Key}: '{t}' is not a number");
        }
    }

    /// <summary>A typed value as JSON.</summary>
    public JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        int[] list => new JsonArray(list.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray()),
        Enum e => JsonValue.Create(Options.Choices.Name(e)),
        bool b when _boolWords != null => JsonValue.Create(_boolWords[b ? 1 : 0]),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        bool b => JsonValue.Create(b),
        string t => JsonValue.Create(t),
        var other => throw new InvalidOperationException($"{Key}: unexpected value {other}"),
    };

    private object? Convert(JsonNode? n)
    {
        if (n is null && Nullable) return null;
        if (_valueType.IsEnum) return Options.Choices.Parse(_valueType, Text(n), Key);
        if (_boolWords != null)
        {
            string word = Text(n);
            int i = Array.IndexOf(_boolWords, word);
            return i >= 0 ? i == 1 : throw new ArgumentException($"{Key}: unknown value '{word}' (expected {string.Join(", ", _boolWords)})");
        }
        return Type switch
        {
            "int" => ToInt(n),
            "long" => ToLong(n),
            "double" => ToDouble(n),
            "bool" => n is JsonValue v && v.TryGetValue(out bool b) ? b : throw new ArgumentException($"{Key}: expected true or false, got {Show(n)}"),
            "int-list" => n is JsonArray a && a.Count > 0 ? a.Select(ToInt).ToArray()
                : throw new ArgumentException($"{Key}: expected a non-empty list of integers, got {Show(n)}"),
            _ => Text(n),
        };
    }

    private string Text(JsonNode? n) =>
        n is JsonValue s && s.TryGetValue(out string? text) ? text : throw new ArgumentException($"{Key}: expected a string, got {Show(n)}");

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
            case Enum e:
                // A member without a word (an out-of-range cast in code) has no place in a record.
                if (Array.IndexOf(_enumWords!, SafeName(e)) < 0)
                    throw new ArgumentException($"{Key}: unknown value '{e}' (expected {string.Join(", ", _enumWords!)})");
                break;
            case int[] list:
                foreach (int x in list) CheckRange(x);
                break;
            case int i: CheckRange(i); break;
            case long l: CheckRange(l); break;
            case double d: CheckRange(d); break;
        }

        static string? SafeName(Enum e)
        {
            try { return Options.Choices.Name(e); }
            catch (InvalidOperationException) { return null; }
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
            // Values built in memory hold an int, which TryGetValue<long> does not convert.
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
