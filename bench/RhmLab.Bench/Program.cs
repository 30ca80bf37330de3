using System.Diagnostics;
using System.Numerics;
using System.Text.Json;
using RhmLab.Numerics;

// Micro-benchmarks, run by hand (never by CI). Each mode prints one JSON object per line.
//   gemm [--dtype float32|float64] [--threads N] [--seconds S] [--trials T] [--providers openblas,managed]
//        [--shapes bp|clapp|peak|all] [--clock wall|cpu]
// Providers are timed alternately inside every trial, so load from other processes on a shared machine hits them
// alike; compare them through the ratio line, not across runs. --clock cpu times the calling thread's CPU time
// (Linux only, one thread only), which hides time-slicing by other processes but not their cache pollution.

string mode = args.Length > 0 ? args[0] : "help";
var options = ParseOptions(args.Skip(1).ToArray());
switch (mode)
{
    case "gemm":
        if (options.GetValueOrDefault("dtype", "float32") == "float64")
            Gemm<double>(options);
        else
            Gemm<float>(options);
        return 0;
    default:
        Console.Error.WriteLine("usage: RhmLab.Bench gemm [--dtype float32|float64] [--threads N] [--seconds S] [--trials T] [--providers openblas,managed] [--shapes bp|clapp|peak|all]");
        return 2;
}

static Dictionary<string, string> ParseOptions(string[] args)
{
    var result = new Dictionary<string, string>();
    for (int i = 0; i + 1 < args.Length; i += 2)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal))
            throw new ArgumentException($"expected --option value, got '{args[i]}'");
        result[args[i][2..]] = args[i + 1];
    }
    return result;
}

static void Gemm<T>(Dictionary<string, string> options) where T : unmanaged, IFloatingPointIeee754<T>
{
    int threads = int.Parse(options.GetValueOrDefault("threads", "1"));
    double seconds = double.Parse(options.GetValueOrDefault("seconds", "0.25"), System.Globalization.CultureInfo.InvariantCulture);
    int trials = int.Parse(options.GetValueOrDefault("trials", "5"));
    string clock = options.GetValueOrDefault("clock", "wall");
    if (clock == "cpu" && (threads != 1 || !OperatingSystem.IsLinux()))
        throw new ArgumentException("--clock cpu needs --threads 1 on Linux: it reads the calling thread's CPU time");
    Func<double> now = clock == "cpu" ? ThreadCpuSeconds : () => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
    string dtype = typeof(T) == typeof(float) ? "float32" : "float64";
    var providers = options.GetValueOrDefault("providers", "openblas,managed").Split(',')
        .Select(name => MatMulProviders.Create(name, threads)).ToArray();
    foreach (IMatMul p in providers)
    {
        string detail = p switch
        {
            OpenBlasMatMul o => o.Config,
            ManagedMatMul mm => mm.Kernel,
            _ => "",
        };
        Console.WriteLine(JsonSerializer.Serialize(new { mode = "gemm-provider", provider = p.Name, threads, detail }));
    }

    string set = options.GetValueOrDefault("shapes", "all");
    var shapes = new List<(string Label, int M, int N, int K, bool TA, bool TB)>();
    if (set is "bp" or "all")
    {
        // The BP step at batch 128, n_c = m = v = 8, L = 3: forward A·Wᵀ, weight gradient Δᵀ·Patch, input gradient Δ·W.
        foreach ((int m, int n, int k) in new[] { (512, 256, 512), (256, 256, 512), (128, 256, 512), (512, 512, 256), (2048, 1024, 2048) })
        {
            shapes.Add(("forward", m, n, k, false, true));
            shapes.Add(("weight-grad", m, n, k, true, false));
            shapes.Add(("input-grad", m, n, k, false, false));
        }
    }
    if (set is "clapp" or "all")
    {
        // CLAPP's bilinear score per layer at batch 128, width 256 (n = 1024, 512, 256): W·c (A·Wᵀ), Q·W (A·B)
        // and the predictor gradient Qᵀ·C (Aᵀ·B, inner dimension only 128).
        foreach (int n in new[] { 1024, 512, 256 })
        {
            shapes.Add(("score-wc", 128, n, n, false, true));
            shapes.Add(("score-qw", 128, n, n, false, false));
            shapes.Add(("score-wgrad", n, n, 128, true, false));
        }
    }
    if (set is "peak" or "all")
        shapes.Add(("peak", 1024, 1024, 1024, false, false));

    var rng = new Random(12345);
    foreach (var (label, m, n, k, ta, tb) in shapes)
    {
        T[] a = Fill<T>(rng, m * k), b = Fill<T>(rng, k * n), c = new T[m * n];
        int lda = ta ? m : k, ldb = tb ? k : n, ldc = n;
        double flops = 2.0 * m * n * k;
        void Call(IMatMul p) => p.Gemm(ta, tb, m, n, k, T.One, a, lda, b, ldb, T.Zero, c, ldc);

        var reps = new int[providers.Length];
        for (int i = 0; i < providers.Length; i++)
        {
            Call(providers[i]);
            double start = now();
            Call(providers[i]);
            reps[i] = Math.Max(1, (int)Math.Ceiling(seconds / Math.Max(now() - start, 1e-9)));
        }
        var rates = providers.Select(_ => new List<double>()).ToArray();
        for (int t = 0; t < trials; t++)
        {
            // Alternate which provider goes first so neither always inherits the other's cache state.
            for (int j = 0; j < providers.Length; j++)
            {
                int i = (t % 2 == 0) ? j : providers.Length - 1 - j;
                double start = now();
                for (int r = 0; r < reps[i]; r++)
                    Call(providers[i]);
                rates[i].Add(flops * reps[i] / (now() - start) / 1e9);
            }
        }
        var medians = new double[providers.Length];
        var bests = new double[providers.Length];
        for (int i = 0; i < providers.Length; i++)
        {
            var sorted = rates[i].Order().ToArray();
            medians[i] = sorted[sorted.Length / 2];
            bests[i] = sorted[^1];
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                mode = "gemm",
                provider = providers[i].Name,
                dtype,
                threads,
                clock,
                label,
                m,
                n,
                k,
                transA = ta,
                transB = tb,
                gflops_median = Math.Round(medians[i], 2),
                gflops_best = Math.Round(sorted[^1], 2),
                reps = reps[i],
                trials,
            }));
        }
        if (providers.Length == 2)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                mode = "gemm-ratio",
                numerator = providers[1].Name,
                denominator = providers[0].Name,
                dtype,
                label,
                m,
                n,
                k,
                ratio_median = Math.Round(medians[1] / medians[0], 3),
                ratio_best = Math.Round(bests[1] / bests[0], 3),
            }));
        }
    }
}

static unsafe double ThreadCpuSeconds()
{
    const int ClockThreadCpuTimeId = 3;
    long* ts = stackalloc long[2];
    if (ClockGetTime(ClockThreadCpuTimeId, ts) != 0)
        throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    return ts[0] + ts[1] * 1e-9;
}

[System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
static extern unsafe int ClockGetTime(int clockId, long* timespec);

static T[] Fill<T>(Random rng, int count) where T : unmanaged, IFloatingPointIeee754<T>
{
    var x = new T[count];
    for (int i = 0; i < count; i++)
        x[i] = T.CreateTruncating(rng.NextDouble() * 2 - 1);
    return x;
}
