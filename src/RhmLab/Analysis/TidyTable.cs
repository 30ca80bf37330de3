using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RhmLab.Analysis;

/// <summary>Value type of a tidy-table column.</summary>
public enum TidyType
{
    /// <summary>Text.</summary>
    Text,
    /// <summary>64-bit integer.</summary>
    Integer,
    /// <summary>Double (NaN is written as a missing value).</summary>
    Real,
    /// <summary>Boolean.</summary>
    Boolean,
}

/// <summary>A column: name and type.</summary>
public sealed record TidyColumn(string Name, TidyType Type);

/// <summary>
/// Results in tidy form: one row per run and layer (layer 0 is the raw input, 1..L the hidden layers), the run's
/// fields repeated on each of its rows, so a data-frame library can filter and group without reshaping. Config
/// options appear as <c>cfg_*</c> columns: the key training options always, any other option when its value
/// differs between runs.
/// </summary>
public sealed class TidyTable
{
    /// <summary>Config options that always get a column, since every comparison of rules needs them.</summary>
    public static readonly IReadOnlyList<string> KeyOptions = ["lr", "optimizer", "batch", "epochs", "loss", "arch", "probe", "rules"];

    /// <summary>The columns, in order.</summary>
    public required IReadOnlyList<TidyColumn> Columns { get; init; }
    /// <summary>The rows; each holds one value per column: string, long, double, bool or null.</summary>
    public required IReadOnlyList<object?[]> Rows { get; init; }

    /// <summary>The index of a column by name, or −1.</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Columns.Count; i++) if (Columns[i].Name == name) return i;
        return -1;
    }

    /// <summary>Builds the table of <paramref name="records"/>.</summary>
    public static TidyTable Build(IReadOnlyList<RunRecord> records)
    {
        var cols = new List<(TidyColumn Column, Func<RunRecord, int, object?> Get)>
        {
            (new("run_id", TidyType.Text), (r, _) => r.RunId),
            (new("path", TidyType.Text), (r, _) => r.Path),
            (new("rule", TidyType.Text), (r, _) => r.Rule),
            (new("nc", TidyType.Integer), (r, _) => (long)r.Nc),
            (new("m", TidyType.Integer), (r, _) => (long)r.M),
            (new("v", TidyType.Integer), (r, _) => (long)r.V),
            (new("s", TidyType.Integer), (r, _) => (long)r.S),
            (new("L", TidyType.Integer), (r, _) => (long)r.L),
            (new("train", TidyType.Integer), (r, _) => r.Train),
            (new("test", TidyType.Integer), (r, _) => r.Test >= 0 ? r.Test : null),
            (new("seed", TidyType.Integer), (r, _) => r.Seed),
            (new("widths", TidyType.Text), (r, _) => r.WidthsText),
            (new("layer", TidyType.Integer), (_, k) => (long)k),
            (new("layer_width", TidyType.Integer), (r, k) => k >= 1 && k <= r.Widths.Length ? (long)r.Widths[k - 1] : null),
            (new("probe_error", TidyType.Real), (r, k) => k == 0 ? r.InputProbeError : At(r.ProbeErrors, k - 1)),
            (new("logistic_probe_error", TidyType.Real), (r, k) => k == 0 || r.LogisticProbeErrors == null ? double.NaN : At(r.LogisticProbeErrors, k - 1)),
            (new("network_test_error", TidyType.Real), (r, _) => r.NetworkTestError),
            (new("test_error", TidyType.Real), (r, _) => r.TestError),
            (new("train_loss", TidyType.Real), (r, _) => r.TrainLoss),
            (new("chance_error", TidyType.Real), (r, _) => r.ChanceError),
            (new("n_c_m_L", TidyType.Real), (r, _) => r.SampleScale),
            (new("d_star", TidyType.Real), (r, _) => r.DStar),
            (new("epochs_run", TidyType.Integer), (r, _) => (long)r.EpochsRun),
            (new("diverged", TidyType.Boolean), (r, _) => r.Diverged),
            (new("stop_reason", TidyType.Text), (r, _) => r.StopReason),
            (new("kept_weights_update", TidyType.Integer), (r, _) => r.KeptWeightsUpdate),
            (new("kept_weights_restored", TidyType.Boolean), (r, _) => r.KeptWeightsRestored),
            (new("optimizer", TidyType.Text), (r, _) => r.Optimizer),
            (new("effective_lr", TidyType.Real), (r, _) => r.EffectiveLr),
            (new("provider", TidyType.Text), (r, _) => r.Provider),
            (new("threads", TidyType.Integer), (r, _) => r.Threads is int t ? (long)t : null),
            (new("wall_seconds", TidyType.Real), (r, _) => r.WallSeconds),
        };
        var options = KeyOptions.ToList();
        // Options the record states in its own fields already have a column.
        var seen = new HashSet<string>(options.Concat(["nc", "m", "v", "s", "L", "rule", "seed", "train", "test", "threads"]), StringComparer.Ordinal);
        foreach (var key in records.SelectMany(r => r.Config.Select(kv => kv.Key)).Distinct().Order(StringComparer.Ordinal))
        {
            if (seen.Contains(key)) continue;
            if (records.Select(r => r.Config[key]?.ToJsonString() ?? "null").Distinct().Count() > 1) options.Add(key);
        }
        foreach (var key in options)
        {
            var type = OptionType(records.Select(r => r.Config[key]));
            string k = key;
            cols.Add((new("cfg_" + key.Replace('-', '_'), type), (r, _) => OptionValue(r.Config[k], type)));
        }
        var rows = new List<object?[]>();
        foreach (var r in records)
            for (int layer = 0; layer <= r.ProbeErrors.Length; layer++)
                rows.Add(cols.Select(c => Normalise(c.Get(r, layer))).ToArray());
        return new TidyTable { Columns = cols.Select(c => c.Column).ToList(), Rows = rows };
    }

    private static double At(double[] xs, int i) => i < xs.Length ? xs[i] : double.NaN;

    /// <summary>NaN becomes null, so every writer treats a missing number one way.</summary>
    private static object? Normalise(object? x) => x switch
    {
        double d when !double.IsFinite(d) => null,
        int i => (long)i,
        _ => x,
    };

    private static TidyType OptionType(IEnumerable<JsonNode?> values)
    {
        var kinds = values.Where(v => v != null).Select(v => v!.GetValueKind()).Distinct().ToList();
        if (kinds.Count == 0) return TidyType.Text;
        if (kinds.All(k => k == JsonValueKind.Number)) return TidyType.Real;
        if (kinds.All(k => k is JsonValueKind.True or JsonValueKind.False)) return TidyType.Boolean;
        return TidyType.Text;
    }

    private static object? OptionValue(JsonNode? v, TidyType type)
    {
        if (v == null) return null;
        return type switch
        {
            TidyType.Real => v.GetValue<double>(),
            TidyType.Boolean => v.GetValue<bool>(),
            _ => v is JsonValue jv && jv.GetValueKind() == JsonValueKind.String ? jv.GetValue<string>()
                : v is JsonArray a ? string.Join(',', a.Select(x => x?.ToJsonString() ?? "null"))
                : v.ToJsonString(),
        };
    }

    /// <summary>A cell as text (invariant culture; empty for null).</summary>
    public static string Text(object? cell) => cell switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => cell.ToString() ?? "",
    };
}
