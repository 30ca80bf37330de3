using System.Text;
using System.Text.Json.Nodes;

namespace RhmLab.Analysis;

/// <summary>
/// Splits records into <see cref="RunGroup"/>s: same rule and every option equal, except the training-set size,
/// the seeds and options that cannot change a result (threads, matrix-product provider, evaluation cadence).
/// </summary>
public static class RunGrouping
{
    /// <summary>Options that never separate groups.</summary>
    public static readonly IReadOnlySet<string> Ignored = new HashSet<string>(StringComparer.Ordinal)
    {
        "seed", "train", "train-x", "test", "threads", "blas", "eval-every", "eval-every-updates",
    };

    /// <summary>The RHM shape and network size: what varies across the points of one P*-vs-D* fit.</summary>
    public static readonly IReadOnlySet<string> ShapeOptions = new HashSet<string>(StringComparer.Ordinal)
    {
        "nc", "m", "v", "s", "L", "width", "widths", "layers",
    };

    /// <summary>What a rule must share with BP for the ratio P*_rule / P*_BP.</summary>
    public static readonly IReadOnlyList<string> TaskOptions = ["nc", "m", "v", "s", "L", "rules", "widths", "arch"];

    /// <summary>Whether an option never separates groups.</summary>
    public static bool IsIgnored(string option) => Ignored.Contains(option) || option.EndsWith("-seed", StringComparison.Ordinal);

    /// <summary>The options of a run that define its group: name → canonical JSON text.</summary>
    public static SortedDictionary<string, string> OptionsOf(RunRecord r)
    {
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
        // An option a record does not name ran at its default (options are added with defaults that keep the old
        // behaviour, as for run hashes): older records are read with today's defaults, so that adding an option
        // neither splits their groups from newer ones nor names it in labels.
        foreach (var (k, v) in Defaults.Value)
            if (!IsIgnored(k)) d[k] = v;
        foreach (var (k, v) in r.Config)
            if (!IsIgnored(k)) d[k] = v?.ToJsonString() ?? "null";
        // The record's own fields win over the config: they are what actually ran (resolved widths, for one).
        d["rule"] = JsonValue.Create(r.Rule).ToJsonString();
        d["nc"] = Num(r.Nc); d["m"] = Num(r.M); d["v"] = Num(r.V); d["s"] = Num(r.S); d["L"] = Num(r.L);
        d["widths"] = "[" + r.WidthsText + "]";
        d.Remove("width");
        d.Remove("layers");
        return d;
    }

    private static string Num(int x) => x.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static readonly Lazy<Dictionary<string, string>> Defaults = new(() =>
        new Experiments.RunConfig().ToJson().ToDictionary(kv => kv.Key, kv => kv.Value?.ToJsonString() ?? "null", StringComparer.Ordinal));

    /// <summary>Groups the records; groups are ordered by rule, then D*, then label.</summary>
    public static IReadOnlyList<RunGroup> Group(IEnumerable<RunRecord> records)
    {
        var byKey = new Dictionary<string, (SortedDictionary<string, string> Options, List<RunRecord> Runs)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var r in records)
        {
            var opts = OptionsOf(r);
            string key = Canonical(opts, _ => true);
            if (!byKey.TryGetValue(key, out var g)) { g = (opts, []); byKey[key] = g; order.Add(key); }
            g.Runs.Add(r);
        }
        // Options whose value differs among the groups of one rule name those groups.
        var varying = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var rule in order.Select(k => byKey[k].Runs[0].Rule).Distinct())
        {
            var groups = order.Where(k => byKey[k].Runs[0].Rule == rule).Select(k => byKey[k].Options).ToList();
            var keys = groups.SelectMany(o => o.Keys).Distinct();
            varying[rule] = keys.Where(k => !ShapeOptions.Contains(k) && k != "rule" &&
                groups.Select(o => o.GetValueOrDefault(k, "null")).Distinct().Count() > 1).ToHashSet(StringComparer.Ordinal);
        }
        var result = new List<RunGroup>();
        foreach (var key in order)
        {
            var (opts, runs) = byKey[key];
            var first = runs[0];
            var distinct = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var k in varying[first.Rule])
                if (Shown(k, opts) is { Length: > 0 } text) distinct[k] = text;
            result.Add(new RunGroup
            {
                Key = key,
                Rule = first.Rule,
                Label = MakeLabel(first, distinct),
                Distinct = distinct,
                Options = opts,
                Runs = runs,
                FamilyKey = Canonical(opts, k => !ShapeOptions.Contains(k)),
                TaskKey = Canonical(opts, k => TaskOptions.Contains(k)),
            });
        }
        return result.OrderBy(g => g.Rule, StringComparer.Ordinal).ThenBy(g => g.DStar).ThenBy(g => g.Label, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Legend labels for the groups drawn together in one figure: each names only what differs among them (the rule,
    /// the RHM's parameters, the widths, any other option), so that no legend says <c>epochs=null</c> or
    /// <c>sensitivity=false</c> for options every curve shares. Groups that differ in nothing are named by their rule.
    /// </summary>
    public static IReadOnlyDictionary<RunGroup, string> Legend(IReadOnlyList<RunGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var parts = new List<(string Key, Func<RunGroup, string> Text)>
        {
            ("rule", g => g.Rule),
            ("nc", g => $"nc={g.First.Nc}"), ("m", g => $"m={g.First.M}"), ("v", g => $"v={g.First.V}"), ("s", g => $"s={g.First.S}"),
            ("L", g => $"L={g.First.L}"), ("widths", g => $"w={CompactWidths(g.First.Widths)}"),
        };
        var optionKeys = groups.SelectMany(g => g.Options.Keys)
            .Where(k => k is not ("rule" or "nc" or "m" or "v" or "s" or "L" or "widths")).Distinct().Order(StringComparer.Ordinal);
        // A rule's own option (ica-overcomplete, anti-collapse, …) is left out of the labels of rules that do not read it.
        foreach (var key in optionKeys)
            parts.Add((key, g => AppliesTo(key, g.Rule) && Shown(key, g.Options) is { Length: > 0 } text ? $"{key}={text}" : ""));
        var differing = parts.Where(p => groups.Select(p.Text).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).Count() > 1).ToList();
        var legend = new Dictionary<RunGroup, string>(ReferenceEqualityComparer.Instance);
        foreach (var g in groups)
            legend[g] = differing.Count == 0 ? g.Rule : string.Join(' ', differing.Select(p => p.Text(g)).Where(t => t.Length > 0));
        return legend;
    }

    // A constant of one component of another option (ema-tau of anti-collapse's ema-target, …) is read only when that
    // component is on; elsewhere it holds its unused default and would name a difference that changed nothing.
    private static readonly Dictionary<string, (string Option, string Component)> ComponentConstants = new(StringComparer.Ordinal)
    {
        ["ema-tau"] = ("anti-collapse", "ema-target"),
        ["center-tau"] = ("anti-collapse", "running-centered"),
        ["wpred-radius"] = ("anti-collapse", "normalized"),
        ["nc-std-eps"] = ("anti-collapse", "standardized"),
        ["ica-rica-lambda"] = ("ica-overcomplete", "rica"),
    };

    // Unset options whose default is a name, so that labels say what ran rather than "null".
    private static readonly Dictionary<string, string> NamedDefaults = new(StringComparer.Ordinal)
    {
        ["anti-collapse"] = Rules.AntiCollapseOptions.DefaultMechanism,
    };

    // An option's value as a label shows it; empty where the option was not read.
    private static string Shown(string key, IReadOnlyDictionary<string, string> options) =>
        ComponentConstants.TryGetValue(key, out var owner) &&
        !ValueText(owner.Option, options).Split('+').Contains(owner.Component, StringComparer.Ordinal)
            ? ""
            : ValueText(key, options);

    // The option's value as text, an unset option with a named default by that name.
    private static string ValueText(string key, IReadOnlyDictionary<string, string> options)
    {
        string text = Plain(options.GetValueOrDefault(key, "null"));
        return text == "null" && NamedDefaults.TryGetValue(key, out var named) ? named : text;
    }

    // Options that some rule declares as its own apply only to those rules; every other option applies to all.
    private static bool AppliesTo(string option, string rule)
    {
        var readers = Experiments.RuleCatalog.ReadersOf(option);
        return readers.Count == 0 || readers.Contains(rule) || Experiments.RuleCatalog.Find(rule) is null;
    }

    /// <summary>Short text of a configuration: "nc=4 m=4 v=4 L=2 w=16,16".</summary>
    public static string ConfigText(RunRecord r)
    {
        var sb = new StringBuilder();
        sb.Append("nc=").Append(r.Nc).Append(" m=").Append(r.M).Append(" v=").Append(r.V);
        if (r.S != 2) sb.Append(" s=").Append(r.S);
        sb.Append(" L=").Append(r.L);
        if (r.Widths.Length > 0) sb.Append(" w=").Append(CompactWidths(r.Widths));
        return sb.ToString();
    }

    /// <summary>"32x3" for constant widths, "8,16,32" otherwise.</summary>
    public static string CompactWidths(int[] widths) =>
        widths.Length > 1 && widths.All(w => w == widths[0]) ? $"{widths[0]}x{widths.Length}" : string.Join(',', widths);

    private static string MakeLabel(RunRecord r, IReadOnlyDictionary<string, string> distinct)
    {
        var sb = new StringBuilder(r.Rule).Append(' ').Append(ConfigText(r));
        foreach (var (k, v) in distinct) sb.Append(' ').Append(k).Append('=').Append(v);
        return sb.ToString();
    }

    /// <summary>JSON text without the quotes of a string, for labels.</summary>
    // A JSON string value as its text: decoded, so that "centered\u002Bema-target" reads centered+ema-target.
    private static string Plain(string json) =>
        json.Length >= 2 && json[0] == '"' && json[^1] == '"' ? System.Text.Json.JsonSerializer.Deserialize<string>(json)! : json;

    private static string Canonical(SortedDictionary<string, string> opts, Func<string, bool> include)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in opts)
            if (include(k)) sb.Append(k).Append('=').Append(v).Append(';');
        return sb.ToString();
    }
}
