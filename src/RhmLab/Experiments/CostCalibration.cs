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
/// <param name="MeasuredUtc">When.</param>
/// <param name="ClappStepFactor">The time of a CLAPP step's products over what the product rate predicts.</param>
/// <param name="ClappSecondsPerStep">What a CLAPP update costs besides its products.</param>
/// <param name="SecondsPerEvalRow">What passing one datum through the network for an evaluation costs besides its products.</param>
public sealed record CostCalibration(double GflopsPerSecond, double SecondsPerStep, double SecondsPerRun, string Machine, string MeasuredUtc, double ClappStepFactor = 1, double ClappSecondsPerStep = 0, double SecondsPerEvalRow = 0)
{
    /// <summary>File name in the cache folder.</summary>
    public const string FileName = "cost-calibration.json";

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
    public static CostCalibration Measure(double seconds = 1.0)
    {
        var small = StepBenchmark.Run(new StepBenchmarkOptions { Mode = "bp", Nc = 4, M = 4, V = 4, L = 2, Width = 16, Batch = 128, TrainSize = 256, Seconds = seconds, Repeats = 3, Warmup = 0.2, CpuTime = true });
        var large = StepBenchmark.Run(new StepBenchmarkOptions { Mode = "bp", Nc = 8, M = 8, V = 8, L = 3, Width = 256, Batch = 128, TrainSize = 4096, Seconds = seconds, Repeats = 3, Warmup = 0.2, CpuTime = true });
        double f1 = (double)small["flops_per_step"]!, t1 = 1 / (double)small["steps_per_s"]!;
        double f2 = (double)large["flops_per_step"]!, t2 = 1 / (double)large["steps_per_s"]!;
        double rate = t2 > t1 ? (f2 - f1) / (t2 - t1) : f2 / t2;
        double perStep = Math.Max(0, t1 - f1 / rate);
        // CLAPP steps carry more fixed work per layer than BP's (pairing, masks, the score's small terms): a small
        // network, where that work dominates, gives the CLAPP step's own cost per update.
        var clappSmall = StepBenchmark.Run(new StepBenchmarkOptions { Mode = "clapp", Pairing = "in-batch", Nc = 4, M = 4, V = 4, L = 3, Width = 32, Batch = 128, TrainSize = 1024, Seconds = seconds, Repeats = 3, Warmup = 0.2, CpuTime = true });
        var clapp = StepBenchmark.Run(new StepBenchmarkOptions { Mode = "clapp", Pairing = "in-batch", Nc = 6, M = 6, V = 6, L = 3, Width = 72, Batch = 128, TrainSize = 4096, Seconds = seconds, Repeats = 3, Warmup = 0.2, CpuTime = true });
        double f4 = (double)clappSmall["flops_per_step"]!, t4 = 1 / (double)clappSmall["steps_per_s"]!;
        double f3 = (double)clapp["flops_per_step"]!, t3 = 1 / (double)clapp["steps_per_s"]!;
        double clappPerStep = Math.Max(perStep, t4 - f4 / rate);
        double clappFactor = Math.Max(0.5, (t3 - clappPerStep) / (f3 / rate));
        // Evaluation passes (checkpoints, probes) of small networks cost more per datum than their products: copying
        // tokens, converting activations. A checkpoint's probe on a small network measures that cost per datum.
        var evalRun = ResolvedRun.Resolve(new RunConfig { Rhm = { Nc = 4, M = 4, V = 4, L = 3 }, Data = { Train = 512, Test = 8192 }, Network = { Width = 32 }, Execution = { Threads = 1 } });
        var trainer = RunExecutor.CreateTrainer(evalRun, RunExecutor.Provider(evalRun.Config));
        trainer.TopProbeError();
        var evalCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var evalClock = Stopwatch.StartNew();
        int evals = 0;
        while (evals < 3 || evalClock.Elapsed.TotalSeconds < seconds / 2) { trainer.TopProbeError(); evals++; }
        double evalSeconds = (Process.GetCurrentProcess().TotalProcessorTime - evalCpu).TotalSeconds / evals;
        var shapes = RhmLab.Networks.LayerShapes.Of(evalRun.Rhm, evalRun.Network);
        double evalFlops = (512 + 8192) * StepBenchmark.ForwardFlops(shapes, 4) + CostModel.Ridge(512, 8192, shapes[^1].Units, 4);
        double perRow = Math.Max(0, (evalSeconds - evalFlops / rate) / (512 + 8192));
        var config = new RunConfig { Rhm = { Nc = 3, M = 3, V = 3, L = 2 }, Data = { Train = 20, Test = 20 }, Training = { Epochs = 1 }, Network = { Width = 8 }, Execution = { Threads = 1 } };
        var run = ResolvedRun.Resolve(config);
        RunExecutor.Execute(run);
        var sw = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        int runs = 0;
        while (runs < 3 || sw.Elapsed.TotalSeconds < 0.3) { RunExecutor.Execute(run); runs++; }
        double perRun = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds / runs;
        return new CostCalibration(rate / 1e9, perStep, perRun, CurrentMachine(), DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture), clappFactor, clappPerStep, perRow);
    }

    /// <summary>
    /// The cached calibration of this machine and provider, or a new measurement written to the cache. The cache is
    /// <c>$RHMLAB_CACHE</c>, else <c>$XDG_CACHE_HOME/rhmlab</c>, else <c>~/.cache/rhmlab</c>; a cache that cannot be
    /// written only costs a new measurement next time.
    /// </summary>
    public static CostCalibration LoadOrMeasure(TextWriter? log = null)
    {
        string dir = CacheFolder();
        string path = Path.Combine(dir, FileName);
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
            return new CostCalibration(rate, step, run, (string)o["machine"]!, (string?)o["measured_utc"] ?? "", clapp, clappStep, evalRow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidOperationException or FormatException or NullReferenceException) { return null; }
    }
}
