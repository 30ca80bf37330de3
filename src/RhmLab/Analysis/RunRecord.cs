using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RhmLab.Analysis;

/// <summary>
/// One run's <c>result.json</c>, parsed and checked. NaN stands for a JSON null (JSON has no NaN), so a measure
/// that a run did not produce reads as NaN rather than failing the whole record.
/// </summary>
public sealed class RunRecord
{
    /// <summary>Path of the result.json file.</summary>
    public required string Path { get; init; }
    /// <summary>The folder of the record relative to the folder that was read ("." for the folder itself).</summary>
    public required string RunId { get; init; }
    /// <summary>
    /// The run key (<c>run_hash</c>, the hash of the whole configuration) of a sweep's record, or null for a record
    /// without one (a single <c>rhmlab train</c> run). Two records with one key are one run.
    /// </summary>
    public string? RunHash { get; init; }
    /// <summary>Learning rule.</summary>
    public required string Rule { get; init; }
    /// <summary>Number of classes n_c.</summary>
    public int Nc { get; init; }
    /// <summary>Synonyms per symbol m.</summary>
    public int M { get; init; }
    /// <summary>Vocabulary size v.</summary>
    public int V { get; init; }
    /// <summary>Tuple size s.</summary>
    public int S { get; init; }
    /// <summary>Depth L.</summary>
    public int L { get; init; }
    /// <summary>Training-set size P.</summary>
    public long Train { get; init; }
    /// <summary>Test-set size T, or -1 when the record does not say.</summary>
    public long Test { get; init; } = -1;
    /// <summary>Master seed.</summary>
    public long Seed { get; init; }
    /// <summary>Hidden-layer widths (empty when the record does not say).</summary>
    public int[] Widths { get; init; } = [];
    /// <summary>Epochs that ran.</summary>
    public int EpochsRun { get; init; }
    /// <summary>Final training loss.</summary>
    public double TrainLoss { get; init; } = double.NaN;
    /// <summary>Headline test error (network's own for supervised rules, top probe otherwise).</summary>
    public double TestError { get; init; } = double.NaN;
    /// <summary>The network's own test error.</summary>
    public double NetworkTestError { get; init; } = double.NaN;
    /// <summary>Ridge probe test error per hidden layer, index 0 = layer 1.</summary>
    public double[] ProbeErrors { get; init; } = [];
    /// <summary>Ridge probe test error of the raw input (layer 0).</summary>
    public double InputProbeError { get; init; } = double.NaN;
    /// <summary>Logistic probe test errors per hidden layer, when measured.</summary>
    public double[]? LogisticProbeErrors { get; init; }
    /// <summary>Random-guess error 1 − 1/n_c.</summary>
    public double ChanceError { get; init; }
    /// <summary>n_c·m^L.</summary>
    public double SampleScale { get; init; }
    /// <summary>D* = n_c·v^L.</summary>
    public double DStar { get; init; }
    /// <summary>Whether training diverged.</summary>
    public bool Diverged { get; init; }
    /// <summary>Why training stopped.</summary>
    public string? StopReason { get; init; }
    /// <summary>
    /// Data outside the P training data that the run's decisions read (<c>extra_data_read</c>; older records without
    /// the field: probe-stop's validation data when their config has probe-stop on, else 0).
    /// </summary>
    public long ExtraDataRead { get; init; }
    /// <summary>
    /// Under <c>keep-weights lowest-objective</c>, the update at which the weights the run was evaluated with were
    /// copied (<c>kept_weights.update</c>; the run's last update when they are its last weights); null when the option
    /// was off, or the run diverged or had no finite block.
    /// </summary>
    public long? KeptWeightsUpdate { get; init; }
    /// <summary>Under <c>keep-weights lowest-objective</c>, whether earlier weights replaced the last ones (<c>kept_weights.restored</c>).</summary>
    public bool? KeptWeightsRestored { get; init; }
    /// <summary>Matrix-product provider.</summary>
    public string? Provider { get; init; }
    /// <summary>Threads used.</summary>
    public int? Threads { get; init; }
    /// <summary>Resolved optimiser name.</summary>
    public string? Optimizer { get; init; }
    /// <summary>Learning rate after width scaling.</summary>
    public double EffectiveLr { get; init; } = double.NaN;
    /// <summary>Wall time of the run in seconds.</summary>
    public double WallSeconds { get; init; } = double.NaN;
    /// <summary>Every option of the run (empty when the record has none).</summary>
    public JsonObject Config { get; init; } = new();
    /// <summary>Provenance: version, commit, machine, runtime.</summary>
    public JsonObject Provenance { get; init; } = new();
    /// <summary>
    /// Per-epoch learning curves, when recorded; for a compact record, its checkpoints (the evaluated epochs only), so
    /// that learning curves can be drawn from the records kept in the repository.
    /// </summary>
    public RunCurves? Curves { get; init; }
    /// <summary>
    /// The test error at the run's checkpoints (eval-every), in epoch order: the compact record's <c>checkpoints</c>,
    /// else the evaluated epochs of its curves; empty when neither was recorded.
    /// </summary>
    public IReadOnlyList<(double Epoch, double TestError)> Checkpoints { get; init; } = [];
    /// <summary>Synonymic sensitivity tables, when recorded.</summary>
    public IReadOnlyList<SensitivityTable> Sensitivity { get; init; } = [];

    /// <summary>The error that <paramref name="measure"/> names, NaN when the run lacks it.</summary>
    public double Error(ErrorMeasure measure) => measure switch
    {
        ErrorMeasure.Probe => ProbeErrors.Length > 0 ? ProbeErrors[^1] : double.NaN,
        ErrorMeasure.Network => NetworkTestError,
        _ => LogisticProbeErrors is { Length: > 0 } l ? l[^1] : double.NaN,
    };

    /// <summary>The widths as text, "16,16".</summary>
    public string WidthsText => string.Join(',', Widths);

    /// <summary>A provenance value as text, or null.</summary>
    public string? ProvenanceText(string key) => Provenance[key] is JsonValue v ? v.ToString() : null;

    /// <summary>Parses one record; throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
    public static RunRecord Parse(string json, string path, string runId)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json, documentOptions: Experiments.RunResult.RecordParsing); }
        catch (JsonException e) { throw new InvalidDataException($"not valid JSON ({FirstLine(e.Message)})"); }
        if (root is not JsonObject o) throw new InvalidDataException("not a JSON object");
        if (o["format"] is JsonNode f && !(f is JsonValue fv && fv.TryGetValue(out string? fs) && fs == "rhmlab-run"))
            throw new InvalidDataException("'format' is not \"rhmlab-run\"");
        int nc = ReqInt(o, "nc"), m = ReqInt(o, "m"), v = ReqInt(o, "v"), s = ReqInt(o, "s"), L = ReqInt(o, "L");
        if (nc < 2 || m < 1 || v < 1 || s < 1 || L < 1) throw new InvalidDataException("nc, m, v, s or L out of range");
        long train = ReqLong(o, "train");
        if (train < 1) throw new InvalidDataException("'train' must be positive");
        var probe = NumArray(o, "probe_errors", required: true)!;
        double chance = OptNum(o, "chance_error");
        var config = OptObject(o, "config");
        var kept = o["kept_weights"] as JsonObject;
        // A full record has curves, a compact one checkpoints (never both: RunResult writes one or the other).
        var curves = RunCurves.Parse(o["curves"]) ?? RunCurves.OfCheckpoints(o["checkpoints"]);
        return new RunRecord
        {
            Path = path,
            RunId = runId,
            RunHash = OptString(o, "run_hash"),
            Rule = ReqString(o, "rule"),
            Nc = nc, M = m, V = v, S = s, L = L,
            Train = train,
            Test = OptLong(o, "test") ?? -1,
            Seed = ReqLong(o, "seed"),
            Widths = IntArray(o, "widths"),
            EpochsRun = (int)(OptLong(o, "epochs_run") ?? 0),
            TrainLoss = OptNum(o, "train_loss"),
            TestError = OptNum(o, "test_error"),
            NetworkTestError = OptNum(o, "network_test_error"),
            ProbeErrors = probe,
            InputProbeError = OptNum(o, "input_probe_error"),
            LogisticProbeErrors = NumArray(o, "logistic_probe_errors", required: false),
            ChanceError = double.IsNaN(chance) ? 1.0 - 1.0 / nc : chance,
            SampleScale = Or(OptNum(o, "n_c_m_L"), nc * Math.Pow(m, L)),
            DStar = Or(OptNum(o, "d_star"), nc * Math.Pow(v, L)),
            Diverged = OptBool(o, "diverged") ?? false,
            StopReason = OptString(o, "stop_reason"),
            ExtraDataRead = OptLong(o, "extra_data_read") ?? ExtraDataOfConfig(config),
            KeptWeightsUpdate = kept is null ? null : OptLong(kept, "update"),
            KeptWeightsRestored = kept is null ? null : OptBool(kept, "restored"),
            Provider = OptString(o, "provider"),
            Threads = (int?)OptLong(o, "threads"),
            Optimizer = OptString(o, "optimizer"),
            EffectiveLr = OptNum(o, "effective_lr"),
            WallSeconds = OptNum(o, "wall_seconds"),
            Config = config,
            Provenance = OptObject(o, "provenance"),
            Curves = curves,
            Checkpoints = CheckpointsOf(curves),
            Sensitivity = SensitivityTable.ParseAll(o["sensitivity"]),
        };
    }

    /// <summary>
    /// What a record written before <c>extra_data_read</c> existed read outside its training data: only probe-stop
    /// read any (its validation data, <c>probe-stop-data</c>, 2 000 unless set).
    /// </summary>
    internal static long ExtraDataOfConfig(JsonObject config)
    {
        if (config["probe-stop"] is not JsonValue on || !on.TryGetValue(out string? value) || value != "on") return 0;
        return AsLong(config["probe-stop-data"]) ?? 2000;
    }

    private static (double, double)[] CheckpointsOf(RunCurves? curves) =>
        curves is null ? [] : curves.Epoch.Zip(curves.TestError).Where(x => !double.IsNaN(x.Second)).ToArray();

    private static string FirstLine(string s) { int i = s.IndexOf('\n'); return i < 0 ? s : s[..i]; }

    private static double Or(double x, double fallback) => double.IsNaN(x) ? fallback : x;

    private static JsonNode Req(JsonObject o, string key) =>
        o[key] ?? throw new InvalidDataException(o.ContainsKey(key) ? $"'{key}' is null" : $"missing '{key}'");

    private static string ReqString(JsonObject o, string key) =>
        Req(o, key) is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>()
            : throw new InvalidDataException($"'{key}' is not a string");

    private static long ReqLong(JsonObject o, string key) =>
        AsLong(Req(o, key)) ?? throw new InvalidDataException($"'{key}' is not an integer");

    private static int ReqInt(JsonObject o, string key)
    {
        long x = ReqLong(o, key);
        return x is >= int.MinValue and <= int.MaxValue ? (int)x : throw new InvalidDataException($"'{key}' is out of range");
    }

    private static long? AsLong(JsonNode? n)
    {
        if (n is not JsonValue v || v.GetValueKind() != JsonValueKind.Number) return null;
        if (v.TryGetValue(out long l)) return l;
        if (v.TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) < 9e15) return (long)d;
        // A JsonValue parsed from text holds a JsonElement.
        if (v.TryGetValue(out JsonElement e) && e.TryGetInt64(out l)) return l;
        return null;
    }

    private static long? OptLong(JsonObject o, string key)
    {
        var n = o[key];
        if (n == null) return null;
        return AsLong(n) ?? throw new InvalidDataException($"'{key}' is not an integer");
    }

    /// <summary>A number or null (NaN); anything else is an error.</summary>
    internal static double AsNum(JsonNode? n, string what)
    {
        if (n == null) return double.NaN;
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.Number) return v.GetValue<double>();
        throw new InvalidDataException($"{what} is not a number");
    }

    private static double OptNum(JsonObject o, string key) => AsNum(o[key], $"'{key}'");

    private static bool? OptBool(JsonObject o, string key) => o[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => throw new InvalidDataException($"'{key}' is not a boolean"),
    };

    private static string? OptString(JsonObject o, string key) => o[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw new InvalidDataException($"'{key}' is not a string"),
    };

    private static JsonObject OptObject(JsonObject o, string key) => o[key] switch
    {
        null => new JsonObject(),
        JsonObject x => (JsonObject)x.DeepClone(),
        _ => throw new InvalidDataException($"'{key}' is not an object"),
    };

    internal static double[]? NumArray(JsonObject o, string key, bool required)
    {
        var n = o[key];
        if (n == null)
        {
            if (required) throw new InvalidDataException(o.ContainsKey(key) ? $"'{key}' is null" : $"missing '{key}'");
            return null;
        }
        return NumArray(n, $"'{key}'");
    }

    internal static double[] NumArray(JsonNode n, string what)
    {
        if (n is not JsonArray a) throw new InvalidDataException($"{what} is not an array");
        var r = new double[a.Count];
        for (int i = 0; i < r.Length; i++) r[i] = AsNum(a[i], $"{what}[{i.ToString(CultureInfo.InvariantCulture)}]");
        return r;
    }

    private static int[] IntArray(JsonObject o, string key)
    {
        var n = o[key];
        if (n == null) return [];
        if (n is not JsonArray a) throw new InvalidDataException($"'{key}' is not an array");
        var r = new int[a.Count];
        for (int i = 0; i < r.Length; i++)
        {
            long? x = AsLong(a[i]);
            if (x is not (>= 1 and <= int.MaxValue)) throw new InvalidDataException($"'{key}' holds a value that is not a positive integer");
            r[i] = (int)x.Value;
        }
        return r;
    }
}
