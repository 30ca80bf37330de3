using RhmLab.IO;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RhmLab.Experiments;

/// <summary>One run option: its key (as in <c>--key</c> and JSON), help, and how to read and write it.</summary>
public sealed class RunOption
{
    internal RunOption(string key, string type, string help, Action<RunConfig, JsonNode?> set, Func<RunConfig, JsonNode?> get, string[]? choices = null)
    {
        Key = key; Type = type; _help = help; SetValue = set; Get = get; _choices = choices;
    }

    // The rule option's choices are the catalogue's names when asked, so a rule registered later is offered too.
    internal RunOption(string key, string help, Action<RunConfig, JsonNode?> set, Func<RunConfig, JsonNode?> get, Func<IReadOnlyList<string>> choices)
        : this(key, "string", help, set, get)
    {
        _dynamicChoices = choices;
    }

    private readonly string _help;
    private readonly string[]? _choices;
    private readonly Func<IReadOnlyList<string>>? _dynamicChoices;

    /// <summary>The key, e.g. <c>lr</c> or <c>conv-scale</c>.</summary>
    public string Key { get; }
    /// <summary>int, long, double, string, bool, or int-list.</summary>
    public string Type { get; }
    /// <summary>Help text, with the rules that read the option where it is specific to some.</summary>
    public string Help
    {
        get
        {
            string help = _dynamicChoices is null ? _help : $"{_help} ({string.Join('|', _dynamicChoices())})";
            var readers = RuleCatalog.ReadersOf(Key);
            return readers.Count == 0 ? help : $"{help}; read by {string.Join(", ", readers)}";
        }
    }
    /// <summary>Allowed values of a string option (null: free).</summary>
    public string[]? Choices => _dynamicChoices?.Invoke().ToArray() ?? _choices;
    internal Action<RunConfig, JsonNode?> SetValue { get; }
    /// <summary>The current value as JSON.</summary>
    public Func<RunConfig, JsonNode?> Get { get; }

    /// <summary>Sets the option from a JSON value; wrong types raise <see cref="ArgumentException"/> naming the key.</summary>
    public void Set(RunConfig config, JsonNode? value) => SetValue(config, value);

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
}

/// <summary>The table of run options: the single definition used by the CLI, config files and sweep plans.</summary>
public static class RunOptions
{
    /// <summary>The unsupervised rules (<see cref="RuleCatalog"/>): they see inputs only and are measured by probes.</summary>
    public static IReadOnlyList<string> UnsupervisedRules => RuleCatalog.All.Where(r => r.Kind == RuleKind.Unsupervised).Select(r => r.Name).ToArray();

    /// <summary>The self-supervised rules (<see cref="RuleCatalog"/>: trained on pairs; labels only group encodings into objects).</summary>
    public static IReadOnlyList<string> SelfSupervisedRules => RuleCatalog.All.Where(r => r.Kind == RuleKind.SelfSupervised).Select(r => r.Name).ToArray();

    /// <summary>Learning rules known to this process (<see cref="RuleCatalog"/>).</summary>
    public static IReadOnlyList<string> Rules => RuleCatalog.Names;

    /// <summary>All options, in help order.</summary>
    public static IReadOnlyList<RunOption> All { get; } = Build();

    /// <summary>Looks up an option by key (case-sensitive; <c>depth</c> is an alias of <c>L</c>).</summary>
    public static RunOption? Find(string key)
    {
        if (key == "depth") key = "L";
        return All.FirstOrDefault(o => o.Key == key);
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

    private static RunOption Int(string key, string help, Action<RunConfig, int> set, Func<RunConfig, int> get) =>
        new(key, "int", help, (c, n) => set(c, ToInt(key, n)), c => JsonValue.Create(get(c)));

    private static RunOption NullableInt(string key, string help, Action<RunConfig, int?> set, Func<RunConfig, int?> get) =>
        new(key, "int", help, (c, n) => set(c, n is null ? null : ToInt(key, n)), c => get(c) is int v ? JsonValue.Create(v) : null);

    private static RunOption NullableLong(string key, string help, Action<RunConfig, long?> set, Func<RunConfig, long?> get) =>
        new(key, "long", help, (c, n) => set(c, n is null ? null : ToLong(key, n)), c => get(c) is long v ? JsonValue.Create(v) : null);

    private static RunOption Double(string key, string help, Action<RunConfig, double> set, Func<RunConfig, double> get) =>
        new(key, "double", help, (c, n) => set(c, ToDouble(key, n)), c => JsonValue.Create(get(c)));

    private static RunOption NullableDouble(string key, string help, Action<RunConfig, double?> set, Func<RunConfig, double?> get) =>
        new(key, "double", help, (c, n) => set(c, n is null ? null : ToDouble(key, n)), c => get(c) is double v ? JsonValue.Create(v) : null);

    private static RunOption Str(string key, string help, Action<RunConfig, string> set, Func<RunConfig, string> get, params string[] choices) =>
        new(key, "string", help + (choices.Length > 0 ? $" ({string.Join('|', choices)})" : ""), (c, n) =>
        {
            string s = ToStr(key, n);
            if (choices.Length > 0 && !choices.Contains(s))
                throw new ArgumentException($"{key}: unknown value '{s}' (expected {string.Join(", ", choices)})");
            set(c, s);
        }, c => JsonValue.Create(get(c)), choices.Length > 0 ? choices : null);

    private static RunOption? NullableStr(string key, string help, Action<RunConfig, string?> set, Func<RunConfig, string?> get, params string[] choices) =>
        new(key, "string", help + $" ({string.Join('|', choices)})", (c, n) =>
        {
            if (n is null) { set(c, null); return; }
            string s = ToStr(key, n);
            if (!choices.Contains(s)) throw new ArgumentException($"{key}: unknown value '{s}' (expected {string.Join(", ", choices)})");
            set(c, s);
        }, c => get(c) is string v ? JsonValue.Create(v) : null, choices);

    private static RunOption Bool(string key, string help, Action<RunConfig, bool> set, Func<RunConfig, bool> get) =>
        new(key, "bool", help, (c, n) => set(c, n is JsonValue v && v.TryGetValue(out bool b) ? b
            : throw new ArgumentException($"{key}: expected true or false, got {Show(n)}")), c => JsonValue.Create(get(c)));

    private static int ToInt(string key, JsonNode? n)
    {
        long v = ToLong(key, n);
        if (v < int.MinValue || v > int.MaxValue) throw new ArgumentException($"{key}: {v} is out of range");
        return (int)v;
    }

    private static long ToLong(string key, JsonNode? n)
    {
        if (n is JsonValue v)
        {
            if (v.TryGetValue(out long l)) return l;
            // Values built in memory (RunConfig.ToJson) hold an int, which TryGetValue<long> does not convert.
            if (v.TryGetValue(out int i)) return i;
            if (v.TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) < 9e18) return (long)d;
        }
        throw new ArgumentException($"{key}: expected an integer, got {Show(n)}");
    }

    private static double ToDouble(string key, JsonNode? n)
    {
        // Values built in memory hold their CLR type: "--lr 1" parses to a long, which TryGetValue<double> rejects.
        if (n is JsonValue v && (v.TryGetValue(out double d) || TryInteger(v, out d)))
        {
            if (!double.IsFinite(d)) throw new ArgumentException($"{key}: must be finite");
            return d;
        }
        throw new ArgumentException($"{key}: expected a number, got {Show(n)}");
    }

    private static bool TryInteger(JsonValue v, out double d)
    {
        if (v.TryGetValue(out long l)) { d = l; return true; }
        if (v.TryGetValue(out int i)) { d = i; return true; }
        d = 0;
        return false;
    }

    private static string ToStr(string key, JsonNode? n) =>
        n is JsonValue v && v.TryGetValue(out string? s) ? s : throw new ArgumentException($"{key}: expected a string, got {Show(n)}");

    private static string Show(JsonNode? n) => n is null ? "null" : n.ToJsonString();

    private static RunOption IntList(string key, string help, Action<RunConfig, int[]?> set, Func<RunConfig, int[]?> get) =>
        new(key, "int-list", help, (c, n) =>
        {
            if (n is null) { set(c, null); return; }
            if (n is not JsonArray a || a.Count == 0) throw new ArgumentException($"{key}: expected a non-empty list of integers, got {Show(n)}");
            set(c, a.Select(x => ToInt(key, x)).ToArray());
        }, c => get(c) is int[] w ? new JsonArray(w.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray()) : null);

    private static List<RunOption> Build() =>
    [
        Int("nc", "Number of classes n_c", (c, x) => c.Nc = x, c => c.Nc),
        Int("m", "Productions (synonyms) per symbol m", (c, x) => c.M = x, c => c.M),
        Int("v", "Vocabulary size v", (c, x) => c.V = x, c => c.V),
        Int("s", "Tuple size s", (c, x) => c.S = x, c => c.S),
        Int("L", "Depth L (alias: depth)", (c, x) => c.L = x, c => c.L),
        Str("rules", "Rule generator", (c, x) => c.Rules = x, c => c.Rules, "v2", "v1"),
        new RunOption("seed", "long", "Master seed of every stream", (c, n) => c.Seed = ToLong("seed", n), c => JsonValue.Create(c.Seed)),
        NullableLong("rules-seed", "Seed of the rules stream (default: seed)", (c, x) => c.RulesSeed = x, c => c.RulesSeed),
        NullableLong("sample-seed", "Seed of the sample stream", (c, x) => c.SampleSeed = x, c => c.SampleSeed),
        NullableLong("split-seed", "Seed of the split stream", (c, x) => c.SplitSeed = x, c => c.SplitSeed),
        NullableLong("init-seed", "Seed of the init stream", (c, x) => c.InitSeed = x, c => c.InitSeed),
        NullableLong("feedback-seed", "Seed of the feedback stream", (c, x) => c.FeedbackSeed = x, c => c.FeedbackSeed),
        NullableLong("batch-seed", "Seed of the batches stream", (c, x) => c.BatchSeed = x, c => c.BatchSeed),
        NullableLong("pairs-seed", "Seed of the pairs stream", (c, x) => c.PairsSeed = x, c => c.PairsSeed),
        NullableLong("probe-seed", "Seed of the probe stream", (c, x) => c.ProbeSeed = x, c => c.ProbeSeed),
        NullableLong("train", "Training-set size P (default 4*n_c*m^L)", (c, x) => c.Train = x, c => c.Train),
        NullableDouble("train-x", "P as a multiple of n_c*m^L (when train is not given)", (c, x) => c.TrainMultiple = x, c => c.TrainMultiple),
        NullableLong("test", "Test-set size T (default min(20000, P_max - P))", (c, x) => c.Test = x, c => c.Test),
        Str("sampling", "Index sampling", (c, x) => c.Sampling = x, c => c.Sampling, "distinct", "iid"),
        Str("split", "Train/test split", (c, x) => c.Split = x, c => c.Split, "test-first-nested", "joint"),
        new RunOption("rule", "Learning rule", (c, n) =>
        {
            string s = ToStr("rule", n);
            if (RuleCatalog.Find(s) is null) throw new ArgumentException($"rule: unknown value '{s}' (expected {string.Join(", ", RuleCatalog.Names)})");
            c.Rule = s;
        }, c => JsonValue.Create(c.Rule), () => RuleCatalog.Names),
        Str("loss", "Supervised loss", (c, x) => c.Loss = x, c => c.Loss, "ce", "mse", "mse-mean", "mse-centered"),
        Str("arch", "Network", (c, x) => c.Arch = x, c => c.Arch, "cnn", "mlp"),
        NullableInt("width", "Width of every hidden layer (default 2v^2)", (c, x) => c.Width = x, c => c.Width),
        IntList("widths", "Per-layer widths, e.g. 128,256,512", (c, x) => c.Widths = x, c => c.Widths),
        NullableInt("layers", "Hidden layers (default L for cnn, 2 for mlp)", (c, x) => c.Layers = x, c => c.Layers),
        Str("conv-scale", "Convolution multiplier", (c, x) => c.ConvScale = x, c => c.ConvScale, "fan-in", "channels", "plain"),
        Str("readout-scale", "Readout multiplier", (c, x) => c.ReadoutScale = x, c => c.ReadoutScale, "mf", "std"),
        Str("bias", "Hidden-layer bias", (c, x) => c.Bias = x, c => c.Bias, "per-channel", "none", "per-position"),
        NullableStr("optimizer", "Optimiser (default sgd for supervised rules)", (c, x) => c.Optimizer = x, c => c.Optimizer, "sgd", "adam")!,
        NullableDouble("lr", "Base learning rate (default 0.1 for sgd; adam 0.01, or 0.003 for self-supervised rules at L >= 3)", (c, x) => c.Lr = x, c => c.Lr),
        Str("lr-width-scaling", "Multiply lr by H_L (auto: with mf readout and sgd)", (c, x) => c.LrWidthScaling = x, c => c.LrWidthScaling, "auto", "on", "off"),
        Double("momentum", "SGD momentum", (c, x) => c.Momentum = x, c => c.Momentum),
        Str("wd-form", "Weight-decay form", (c, x) => c.WdForm = x, c => c.WdForm, "none", "l2", "l2-mean-per-tensor", "decoupled"),
        Double("wd", "Weight-decay lambda", (c, x) => c.Wd = x, c => c.Wd),
        Str("schedule", "Learning-rate schedule", (c, x) => c.Schedule = x, c => c.Schedule, "constant", "cosine", "exponential"),
        Int("batch", "Batch size", (c, x) => c.Batch = x, c => c.Batch),
        NullableInt("epochs", "Maximum epochs (default 500 supervised; self-supervised 400 at L<=2, 1000 at L=3, 1500 deeper)", (c, x) => c.Epochs = x, c => c.Epochs),
        NullableDouble("stop-loss", "Stop when the epoch-mean train loss is below this (0: never; default 1e-3 supervised, 0 self-supervised)", (c, x) => c.StopLoss = x, c => c.StopLoss),
        NullableLong("updates", "Budget in optimiser updates: maximum epochs = max(epochs, ceil(updates / steps per epoch)), so small training sets get this many updates", (c, x) => c.Updates = x, c => c.Updates),
        Str("probe-stop", "Stop when the top-layer ridge probe, fitted on the training set and measured on fresh validation data, is at 0 error or has stopped improving", (c, x) => c.ProbeStop = x, c => c.ProbeStop, "off", "on"),
        Int("probe-stop-every", "Probe-stop: epochs between two evaluations of the held-out probe", (c, x) => c.ProbeStopEvery = x, c => c.ProbeStopEvery),
        Int("probe-stop-window", "Probe-stop: evaluations (every probe-stop-every epochs) without an improvement above probe-stop-tol before a plateau stop", (c, x) => c.ProbeStopWindow = x, c => c.ProbeStopWindow),
        Double("probe-stop-tol", "Probe-stop: improvement of the held-out probe error that counts as progress", (c, x) => c.ProbeStopTol = x, c => c.ProbeStopTol),
        Int("probe-stop-data", "Probe-stop: fresh validation data, neither training nor test data, on which the stopping probe is measured (at most P_max - train - test)", (c, x) => c.ProbeStopData = x, c => c.ProbeStopData),
        Int("probe-stop-min-epochs", "Probe-stop: no plateau stop before this epoch", (c, x) => c.ProbeStopMinEpochs = x, c => c.ProbeStopMinEpochs),
        Int("eval-every", "Test error every N epochs (0: only at the end)", (c, x) => c.EvalEvery = x, c => c.EvalEvery),
        Str("dfa-top", "DFA feedback of the top layer", (c, x) => c.DfaTop = x, c => c.DfaTop, "random", "true"),
        Str("dfa-layout", "DFA matrices per position or shared", (c, x) => c.DfaLayout = x, c => c.DfaLayout, "per-position", "shared"),
        Str("dfa-scale", "DFA matrix scale", (c, x) => c.DfaScale = x, c => c.DfaScale, "match-bp", "unit"),
        Str("fa-readout-feedback", "FA feedback of the readout", (c, x) => c.FaReadoutFeedback = x, c => c.FaReadoutFeedback, "random", "true"),
        Str("lga-refit", "Oracle refit", (c, x) => c.LgaRefit = x, c => c.LgaRefit, "epoch", "step"),
        Str("clapp-mode", "CLAPP pairing: both terms every step (CLAPP-s) or either", (c, x) => c.ClappMode = x, c => c.ClappMode, "both", "either"),
        Str("clapp-pairing", "CLAPP batches: triplets (3 rows per anchor) or in-batch (data and their positives, every row an anchor, negatives from the batch)", (c, x) => c.ClappPairing = x, c => c.ClappPairing, "triplets", "in-batch"),
        Str("clapp-combine", "CLAPP positive and negative terms", (c, x) => c.ClappCombine = x, c => c.ClappCombine, "sum", "mean"),
        Str("wpred", "CLAPP prediction matrix", (c, x) => c.Wpred = x, c => c.Wpred, "symmetric", "asymmetric"),
        Str("wpred-init", "CLAPP prediction matrix initialisation", (c, x) => c.WpredInit = x, c => c.WpredInit, "scaled-gaussian", "zero"),
        Str("rep", "Representation of a multi-position layer for local losses", (c, x) => c.Rep = x, c => c.Rep, "flatten", "per-position", "per-position-mean", "pooled"),
        new RunOption("anti-collapse", "string", "Anti-collapse of CLAPP without negatives (the `nc` convention of ALGORITHMS.md 3.8): hinge-only, or components joined by + ("
            + string.Join('|', RhmLab.Rules.NoNegativesModes.Components.Skip(1)) + $"; default {ResolvedRun.DefaultAntiCollapse})",
            (c, n) =>
            {
                if (n is null) { c.AntiCollapse = null; return; }
                string s = ToStr("anti-collapse", n);
                RhmLab.Rules.NoNegativesModes.Parse(s);
                c.AntiCollapse = s;
            }, c => c.AntiCollapse is string v ? JsonValue.Create(v) : null),
        Double("wpred-decay", "Lambda of the wpred-decay anti-collapse component", (c, x) => c.WpredDecay = x, c => c.WpredDecay),
        Double("wpred-radius", "r of the normalized anti-collapse component: W_pred is rescaled to Frobenius norm r*sqrt(n)", (c, x) => c.WpredRadius = x, c => c.WpredRadius),
        Double("nc-std-eps", "Epsilon of the standardized anti-collapse component: (z - mean)/sqrt(var + eps)", (c, x) => c.NcStdEps = x, c => c.NcStdEps),
        Double("nc-variance", "Weight of the variance term of the vicreg-reg anti-collapse component", (c, x) => c.NcVariance = x, c => c.NcVariance),
        Double("nc-covariance", "Weight of the covariance term of the vicreg-reg anti-collapse component", (c, x) => c.NcCovariance = x, c => c.NcCovariance),
        Str("negatives", "Negative partners", (c, x) => c.Negatives = x, c => c.Negatives, "other-class", "random", "shift"),
        Str("vicreg-factors", "VICReg factor convention", (c, x) => c.VicregFactors = x, c => c.VicregFactors, "code", "solo", "paper-eq"),
        Str("lpl-pull", "LPL pull term", (c, x) => c.LplPull = x, c => c.LplPull, "symmetric", "sg-past"),
        Int("ica-max-patches", "Layer-wise ICA: subsample each layer's patches to at most this many", (c, x) => c.IcaMaxPatches = x, c => c.IcaMaxPatches),
        Str("ica-overcomplete", "Layer-wise ICA with more units than the patch rank: cap (dead units beyond the rank) or restarts (concatenated fits); expand is not implemented", (c, x) => c.IcaOvercomplete = x, c => c.IcaOvercomplete, "cap", "restarts"),
        Str("ica-nonlin", "Layer-wise ICA nonlinearity (only relu is implemented)", (c, x) => c.IcaNonlin = x, c => c.IcaNonlin, "relu", "abs", "relu-pm"),
        Str("probe", "Linear probe of every layer", (c, x) => c.Probe = x, c => c.Probe, "ridge", "logistic", "both", "none"),
        Double("ridge-alpha", "Ridge probe regularisation", (c, x) => c.RidgeAlpha = x, c => c.RidgeAlpha),
        Bool("sensitivity", "Measure the synonymic sensitivity of every layer and add it to the run record", (c, x) => c.Sensitivity = x, c => c.Sensitivity),
        Int("sensitivity-reference", "Test data in the sensitivity reference set", (c, x) => c.SensitivityReference = x, c => c.SensitivityReference),
        Str("sensitivity-rep", "Sensitivity of post- or pre-activations", (c, x) => c.SensitivityRep = x, c => c.SensitivityRep, "post", "pre"),
        Str("sensitivity-denominator", "Sensitivity-distance denominator: ordered pairs x != y, or with the diagonal", (c, x) => c.SensitivityDenominator = x, c => c.SensitivityDenominator, "off-diagonal", "include-diagonal"),
        Bool("save-model", "Write model.npz (weights, config, seeds, rules) and rules.json into the --out folder", (c, x) => c.SaveModel = x, c => c.SaveModel),
        Str("blas", "Matrix-product provider", (c, x) => c.Blas = x, c => c.Blas, "auto", "openblas", "managed"),
        Int("threads", "Threads of the matrix-product provider", (c, x) => c.Threads = x, c => c.Threads),
    ];
}
