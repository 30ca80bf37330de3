using RhmLab.IO;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace RhmLab.Experiments;

/// <summary>
/// What one core of this machine does per second for <see cref="CostModel"/>: a matrix-product rate and fixed costs
/// per update and per run, measured by <see cref="Measure"/> (about five seconds) and cached per machine and provider.
/// </summary>
/// <param name="GflopsPerSecond">Rate of the products of a training step (single thread).</param>
/// <param name="SecondsPerStep">What an update costs besides its products (batch copy, masks, optimiser).</param>
/// <param name="SecondsPerRun">What a run costs besides its updates and evaluation (grammar, data, set-up).</param>
/// <param name="Machine">The machine it was measured on (CPU model and cores) and the provider.</param>
/// <param name="MeasuredUtc">When (ISO 8601).</param>
/// <param name="ClappStepFactor">The time of a CLAPP step's products over what the product rate predicts.</param>
/// <param name="ClappSecondsPerStep">What a CLAPP update costs besides its products.</param>
/// <param name="SecondsPerEvalRow">What passing one datum through the network for an evaluation costs besides its products.</param>
/// <param name="Spread">
/// How far the timed slices of one step benchmark disagreed, (best − worst) / best, the largest over the benchmarks:
/// on a quiet machine a few per cent. Null for calibrations of earlier versions, which did not record it.
/// </param>
/// <param name="LoadAverage">The machine's one-minute load average when the measurement began; null where unknown.</param>
public sealed record CostCalibration(double GflopsPerSecond, double SecondsPerStep, double SecondsPerRun, string Machine, string MeasuredUtc,
    double ClappStepFactor = 1, double ClappSecondsPerStep = 0, double SecondsPerEvalRow = 0, double? Spread = null, double? LoadAverage = null)
{
    /// <summary>File name in the cache folder.</summary>
    public const string FileName = "cost-calibration.json";

    /// <summary>A calibration older than this is called old by <see cref="Warnings"/>: machines, kernels and libraries change.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(30);

    /// <summary>A spread above this (25 %) says the machine was busy while it was measured.</summary>
    public const double MaxSpread = 0.25;

    /// <summary>A load average above this many times the cores says the machine was busy while it was measured.</summary>
    public const double MaxLoadPerCore = 0.5;

    /// <summary>The command that measures the machine again.</summary>
    public const string RenewCommand = "rhmlab cost --calibrate";

    /// <summary>Timed slices per step benchmark: the best is kept, their spread recorded.</summary>
    public const int Slices = 5;

    /// <summary>The machine and provider a calibration belongs to.</summary>
    public static string CurrentMachine()
    {
        string provider = RunExecutor.Provider(new RunConfig { Execution = { Threads = 1 } }).Name;
        return $"{RunResult.CpuModel() ?? "unknown cpu"}; {Environment.ProcessorCount} cores; {provider}";
    }

    /// <summary>
    /// Measures the calibration: BP steps of a small and of a large network (their difference gives the product
    /// rate, the small one's remainder the cost per update), an in-batch CLAPP step (its factor) and a one-epoch run
    /// (the cost per run), all in CPU time, so that a machine busy with other work calibrates like a quiet one.
    /// </summary>
    /// <remarks>
    /// CPU time alone does not make a busy machine look quiet: a process sharing the caches and the memory bus with
    /// others does less per CPU second. Each step benchmark is therefore timed in <see cref="Slices"/> short slices and
    /// the best slice is kept (the moments the others left it alone); how far the slices disagree, and the load
    /// average when it began, are recorded so that <see cref="Warnings"/> can tell a calibration made under load.
    /// </remarks>
    public static CostCalibration Measure(double seconds = 1.0)
    {
        double? load = LoadAverageNow();
        var spreads = new List<double>();
        (double Flops, double Seconds) Best(StepBenchmarkOptions options)
        {
            var record = StepBenchmark.Run(options with { Seconds = seconds, Repeats = Slices, Warmup = 0.2, CpuTime = true });
            var rates = ((JsonArray)record["repeats_steps_per_s"]!).Select(r => (double)r!).ToArray();
            double best = rates.Max();
            spreads.Add((best - rates.Min()) / best);
            return ((double)record["flops_per_step"]!, 1 / best);
        }
        var (f1, t1) = Best(new StepBenchmarkOptions { Mode = "bp", Nc = 4, M = 4, V = 4, L = 2, Width = 16, Batch = 128, TrainSize = 256 });
        var (f2, t2) = Best(new StepBenchmarkOptions { Mode = "bp", Nc = 8, M = 8, V = 8, L = 3, Width = 256, Batch = 128, TrainSize = 4096 });
        double rate = t2 > t1 ? (f2 - f1) / (t2 - t1) : f2 / t2;
        double perStep = Math.Max(0, t1 - f1 / rate);
        // CLAPP steps carry more fixed work per layer than BP's (pairing, masks, the score's small terms): a small
        // network, where that work dominates, gives the CLAPP step's own cost per update.
        var (f4, t4) = Best(new StepBenchmarkOptions { Mode = "clapp", Pairing = "in-batch", Nc = 4, M = 4, V = 4, L = 3, Width = 32, Batch = 128, TrainSize = 1024 });
        var (f3, t3) = Best(new StepBenchmarkOptions { Mode = "clapp", Pairing = "in-batch", Nc = 6, M = 6, V = 6, L = 3, Width = 72, Batch = 128, TrainSize = 4096 });
        double clappPerStep = Math.Max(perStep, t4 - f4 / rate);
        double clappFactor = Math.Max(0.5, (t3 - clappPerStep) / (f3 / rate));
        // Evaluation passes (checkpoints, probes) of small networks cost more per datum than their products: copying
        // tokens, converting activations. A checkpoint's probe on a small network measures that cost per datum.
        var evalRun = ResolvedRun.Resolve(new RunConfig { Rhm = { Nc = 4, M = 4, V = 4, L = 3 }, Data = { Train = 512, Test = 8192 }, Network = { Width = 32 }, Execution = { Threads = 1 } });
        var trainer = RunExecutor.CreateTrainer(evalRun, RunExecutor.Provider(evalRun.Config));
        trainer.TopProbeError();
        double evalCpu = CpuSeconds();
        var evalClock = Stopwatch.StartNew();
        int evals = 0;
        while (evals < 3 || evalClock.Elapsed.TotalSeconds < seconds / 2) { trainer.TopProbeError(); evals++; }
        double evalSeconds = (CpuSeconds() - evalCpu) / evals;
        var shapes = RhmLab.Networks.LayerShapes.Of(evalRun.Rhm, evalRun.Network);
        double evalFlops = (512 + 8192) * StepBenchmark.ForwardFlops(shapes, 4) + CostModel.Ridge(512, 8192, shapes[^1].Units, 4);
        double perRow = Math.Max(0, (evalSeconds - evalFlops / rate) / (512 + 8192));
        var config = new RunConfig { Rhm = { Nc = 3, M = 3, V = 3, L = 2 }, Data = { Train = 20, Test = 20 }, Training = { Epochs = 1 }, Network = { Width = 8 }, Execution = { Threads = 1 } };
        var run = ResolvedRun.Resolve(config);
        RunExecutor.Execute(run);
        var sw = Stopwatch.StartNew();
        double cpu = CpuSeconds();
        int runs = 0;
        while (runs < 3 || sw.Elapsed.TotalSeconds < 0.3) { RunExecutor.Execute(run); runs++; }
        double perRun = (CpuSeconds() - cpu) / runs;
        return new CostCalibration(rate / 1e9, perStep, perRun, CurrentMachine(), DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            clappFactor, clappPerStep, perRow, Math.Round(spreads.Max(), 4), load);
    }

    // The calling thread's CPU time where the kernel gives it (what run records' cpu_seconds hold), else the process's.
    private static double CpuSeconds() => ThreadCpu.Seconds() ?? Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>The one-minute load average (Linux <c>/proc/loadavg</c>), or null where there is none.</summary>
    public static double? LoadAverageNow()
    {
        try
        {
            if (!OperatingSystem.IsLinux() || !File.Exists("/proc/loadavg")) return null;
            string text = File.ReadAllText("/proc/loadavg");
            int space = text.IndexOf(' ');
            return double.TryParse(space > 0 ? text[..space] : text, NumberStyles.Float, CultureInfo.InvariantCulture, out double load) ? load : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// Why an estimate made with this calibration may be off: it is older than <see cref="MaxAge"/>, it was measured
    /// on a busy machine (a spread above <see cref="MaxSpread"/>, or a load average above <see cref="MaxLoadPerCore"/>
    /// per core), or it does not say (an earlier version's). Each line ends with the command that renews it; none
    /// when the calibration is fine.
    /// </summary>
    public IReadOnlyList<string> Warnings(DateTime nowUtc, int cores)
    {
        var notes = new List<string>();
        var ci = CultureInfo.InvariantCulture;
        string renew = $"renew it with `{RenewCommand}`";
        if (DateTime.TryParse(MeasuredUtc, ci, DateTimeStyles.RoundtripKind, out var when))
        {
            var age = nowUtc - when.ToUniversalTime();
            if (age > MaxAge)
                notes.Add(string.Create(ci, $"cost: the calibration is {age.TotalDays:F0} days old (measured {when.ToUniversalTime():yyyy-MM-dd}); {renew}"));
        }
        else notes.Add($"cost: the calibration does not say when it was measured; {renew}");
        var busy = new List<string>();
        if (Spread is double s && s > MaxSpread) busy.Add(string.Create(ci, $"its timings spread by {100 * s:F0} %"));
        if (LoadAverage is double l && l > MaxLoadPerCore * Math.Max(1, cores)) busy.Add(string.Create(ci, $"load average {l:F1} on {cores} cores"));
        if (busy.Count > 0)
            notes.Add($"cost: the calibration was measured on a busy machine ({string.Join(", ", busy)}): it may price runs too high; {renew} when the machine is quiet");
        else if (Spread is null)
            notes.Add($"cost: the calibration (of an earlier version) does not record whether the machine was busy; {renew} when the machine is quiet");
        return notes;
    }

    /// <summary>
    /// The cached calibration of this machine and provider, or a new measurement written to the cache. The cache is
    /// <c>$RHMLAB_CACHE</c>, else <c>$XDG_CACHE_HOME/rhmlab</c>, else <c>~/.cache/rhmlab</c>; a cache that cannot be
    /// written only costs a new measurement next time.
    /// </summary>
    public static CostCalibration LoadOrMeasure(TextWriter? log = null)
    {
        string dir = CacheFolder();
        string path = CachePath();
        string machine = CurrentMachine();
        var cached = TryRead(path);
        if (cached != null && cached.Machine == machine) return cached;
        log?.WriteLine($"cost: calibrating this machine (a few seconds; cached in {path})");
        var measured = Measure();
        try
        {
            Directory.CreateDirectory(dir);
            AtomicFile.WriteAllText(path, measured.ToJson().ToJsonString(SweepStore.Indented) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return measured;
    }

    /// <summary>The cached calibration's file.</summary>
    public static string CachePath() => Path.Combine(CacheFolder(), FileName);

    /// <summary>The cache folder.</summary>
    public static string CacheFolder()
    {
        string? env = Environment.GetEnvironmentVariable("RHMLAB_CACHE");
        if (!string.IsNullOrEmpty(env)) return env;
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg)) return Path.Combine(xdg, "rhmlab");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "rhmlab");
    }

    /// <summary>The calibration as JSON.</summary>
    public JsonObject ToJson() => new()
    {
        ["format"] = "rhmlab-cost-calibration",
        ["gflops_per_s"] = GflopsPerSecond,
        ["seconds_per_step"] = SecondsPerStep,
        ["seconds_per_run"] = SecondsPerRun,
        ["clapp_step_factor"] = ClappStepFactor,
        ["clapp_seconds_per_step"] = ClappSecondsPerStep,
        ["seconds_per_eval_row"] = SecondsPerEvalRow,
        ["machine"] = Machine,
        ["measured_utc"] = MeasuredUtc,
        ["spread"] = Spread,
        ["load_average"] = LoadAverage,
    };

    /// <summary>A cached calibration, or null when the file is missing or not one.</summary>
    public static CostCalibration? TryRead(string path)
    {
        try
        {
            if (!File.Exists(path)) return null;
            if (JsonNode.Parse(File.ReadAllText(path)) is not JsonObject o || (string?)o["format"] != "rhmlab-cost-calibration") return null;
            double rate = (double)o["gflops_per_s"]!, step = (double)o["seconds_per_step"]!, run = (double)o["seconds_per_run"]!;
            double clapp = o["clapp_step_factor"] is JsonValue f && f.TryGetValue(out double x) ? x : double.NaN;
            double clappStep = o["clapp_seconds_per_step"] is JsonValue cs && cs.TryGetValue(out double y) ? y : double.NaN;
            double evalRow = o["seconds_per_eval_row"] is JsonValue er && er.TryGetValue(out double z) ? z : double.NaN;
            // A calibration of an earlier version (without the CLAPP and evaluation terms) is measured again.
            if (!(rate > 0) || !(step >= 0) || !(run >= 0) || !(clapp > 0) || !(clappStep >= 0) || !(evalRow >= 0)) return null;
            // Calibrations of earlier versions have no spread or load: read as unknown, which Warnings says.
            double? spread = o["spread"] is JsonValue sv && sv.TryGetValue(out double sp) && sp >= 0 ? sp : null;
            double? load = o["load_average"] is JsonValue lv && lv.TryGetValue(out double la) && la >= 0 ? la : null;
            return new CostCalibration(rate, step, run, (string)o["machine"]!, (string?)o["measured_utc"] ?? "", clapp, clappStep, evalRow, spread, load);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidOperationException or FormatException or NullReferenceException) { return null; }
    }
}
