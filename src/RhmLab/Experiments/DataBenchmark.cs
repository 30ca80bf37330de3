using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using RhmLab.Data;
using RhmLab.Rhm;

namespace RhmLab.Experiments;

/// <summary>Settings of a <see cref="DataBenchmark"/> run.</summary>
/// <param name="Parameters">The RHM shape.</param>
/// <param name="Samples">N, the distinct data generated per repeat.</param>
/// <param name="Threads">Threads used for decoding and the one-hot step; sampling is sequential by construction.</param>
/// <param name="Repeats">Timed repeats per layout; medians are reported.</param>
/// <param name="Seed">Repeat r draws its rules and its sample from seed + r, as the PyTorch baseline does.</param>
public sealed record DataBenchmarkOptions(RhmParameters Parameters, int Samples = 1_000_000, int Threads = 1, int Repeats = 5, long Seed = 0)
{
    /// <summary>One-hot layouts to measure, one record each; conv1d's [N, v, d] and then linear's [N, d, v] by default.</summary>
    public IReadOnlyList<OneHotLayout> Layouts { get; init; } = [OneHotLayout.ChannelMajor, OneHotLayout.PositionMajor];

    /// <summary>
    /// Put the one-hot output of every repeat in freshly mapped memory (malloc of this size maps new pages, and free
    /// unmaps them), as the baseline's torch.zeros does, so that the kernel's page faults are part of the one-hot time.
    /// By default the output is a managed array, and the runtime reuses the memory of the previous repeat's array.
    /// </summary>
    public bool FreshOneHotMemory { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Parameters);
        Parameters.Validate();
        if (Samples < 1) throw new ArgumentException($"samples must be >= 1 (got {Samples})");
        if (Samples > Parameters.PMax) throw new ArgumentException($"samples = {Samples} exceeds P_max = {Parameters.PMax} for {Parameters}");
        if (Threads < 1) throw new ArgumentException($"threads must be >= 1 (got {Threads})");
        if (Repeats < 1) throw new ArgumentException($"repeats must be >= 1 (got {Repeats})");
        if (Layouts.Count == 0) throw new ArgumentException("at least one layout is needed");
        long floats = (long)Samples * Parameters.InputLength * Parameters.Vocabulary;
        if (floats > Array.MaxLength) throw new ArgumentException($"the one-hot array would hold {floats} floats, more than one .NET array can");
    }
}

/// <summary>Median seconds of each phase of one data generation.</summary>
/// <param name="Rules">Drawing the rules.</param>
/// <param name="Sample">Drawing N distinct indices.</param>
/// <param name="Decode">Decoding the indices to labels and tokens.</param>
/// <param name="OneHot">Allocating and writing the one-hot float32 array.</param>
public sealed record DataPhaseSeconds(double Rules, double Sample, double Decode, double OneHot);

/// <summary>Median minor page faults of the phases that allocate large arrays.</summary>
/// <param name="Sample">Drawing the indices (the index array and the bitmap).</param>
/// <param name="Decode">Decoding (the token and label arrays).</param>
/// <param name="OneHot">The one-hot array.</param>
public sealed record DataPhaseFaults(long Sample, long Decode, long OneHot);

/// <summary>One measurement of <see cref="DataBenchmark"/>: one layout, several repeats.</summary>
/// <param name="Options">The settings used.</param>
/// <param name="Layout">The one-hot layout.</param>
/// <param name="RepeatSeconds">End-to-end seconds of every repeat.</param>
/// <param name="RepeatSecondsNoOneHot">Seconds of every repeat without the one-hot step.</param>
/// <param name="Phases">Median seconds of each phase.</param>
/// <param name="Sampler">The index sampler that the shape selects (see <see cref="IndexSampler.MethodName"/>).</param>
/// <param name="MemoryWriteBytesPerSecond">The best plain write bandwidth measured in the same process.</param>
/// <param name="PageFaults">Median minor page faults of the sample, decode and one-hot steps (first touches of fresh
/// memory, which the kernel must map and zero), or null where the platform does not report them.</param>
public sealed record DataBenchmarkResult(
    DataBenchmarkOptions Options, OneHotLayout Layout, IReadOnlyList<double> RepeatSeconds, IReadOnlyList<double> RepeatSecondsNoOneHot,
    DataPhaseSeconds Phases, string Sampler, double MemoryWriteBytesPerSecond, DataPhaseFaults? PageFaults)
{
    /// <summary>The PyTorch baseline's name of the layout: conv1d for [N, v, d], linear for [N, d, v].</summary>
    public string Variant => DataBenchmark.VariantName(Layout);

    /// <summary>Median end-to-end seconds of one full generation.</summary>
    public double SecondsMedian => DataBenchmark.Median(RepeatSeconds);

    /// <summary>Samples per second end to end (N over the median time).</summary>
    public double SamplesPerSecond => Options.Samples / SecondsMedian;

    /// <summary>Samples per second of rules, sampling and decoding alone.</summary>
    public double SamplesPerSecondNoOneHot => Options.Samples / DataBenchmark.Median(RepeatSecondsNoOneHot);

    /// <summary>Bytes of the one-hot array, N·d·v·4.</summary>
    public long OneHotBytes => (long)Options.Samples * Options.Parameters.InputLength * Options.Parameters.Vocabulary * sizeof(float);

    /// <summary>One-hot bytes written per second of the median one-hot step.</summary>
    public double OneHotWriteBytesPerSecond => OneHotBytes / Phases.OneHot;

    /// <summary>The one-hot write rate as a fraction of <see cref="MemoryWriteBytesPerSecond"/>.</summary>
    public double BandwidthFraction => OneHotWriteBytesPerSecond / MemoryWriteBytesPerSecond;

    /// <summary>
    /// The record in the PyTorch baseline's field layout (torch_baseline.py, data mode), plus the RhmLab-specific
    /// fields, so that both outputs load into one table.
    /// </summary>
    public JsonObject ToJson()
    {
        var p = Options.Parameters;
        var pMax = p.PMax;
        return new JsonObject
        {
            ["mode"] = "data",
            ["variant"] = Variant,
            ["n_c"] = p.Classes,
            ["m"] = p.Synonyms,
            ["v"] = p.Vocabulary,
            ["s"] = p.TupleSize,
            ["L"] = p.Depth,
            ["width"] = null,
            ["batch"] = null,
            ["threads"] = Options.Threads,
            ["steps_per_s"] = 1.0 / SecondsMedian,
            ["samples_per_s"] = SamplesPerSecond,
            ["repeats_steps_per_s"] = new JsonArray(RepeatSeconds.Select(t => (JsonNode)(1.0 / t)).ToArray()),
            ["n_samples"] = Options.Samples,
            ["sampler"] = Sampler,
            ["p_max"] = pMax < long.MaxValue ? JsonValue.Create((long)pMax) : JsonValue.Create(pMax.ToString(CultureInfo.InvariantCulture)),
            ["seconds_median"] = SecondsMedian,
            ["phase_seconds"] = new JsonObject
            {
                ["rules"] = Phases.Rules,
                ["sample"] = Phases.Sample,
                ["decode"] = Phases.Decode,
                ["onehot"] = Phases.OneHot,
            },
            ["layout"] = Layout == OneHotLayout.ChannelMajor ? "[N, v, s^L]" : "[N, s^L, v]",
            ["provider"] = "rhmlab",
            ["rhmlab_version"] = DataBenchmark.Version,
            ["runtime"] = RuntimeInformation.FrameworkDescription,
            ["samples_per_s_no_onehot"] = SamplesPerSecondNoOneHot,
            ["onehot_bytes"] = OneHotBytes,
            ["onehot_memory"] = Options.FreshOneHotMemory ? "fresh-mapping" : "managed-array",
            ["onehot_write_gb_per_s"] = OneHotWriteBytesPerSecond / 1e9,
            ["memory_write_gb_per_s"] = MemoryWriteBytesPerSecond / 1e9,
            ["onehot_bandwidth_fraction"] = BandwidthFraction,
            ["page_faults"] = PageFaults == null ? null : new JsonObject
            {
                ["sample"] = PageFaults.Sample,
                ["decode"] = PageFaults.Decode,
                ["onehot"] = PageFaults.OneHot,
            },
        };
    }
}

/// <summary>
/// The data-generation benchmark, the same work as <c>torch_baseline.py --mode data</c>: draw the v2 rules, draw N
/// distinct indices, decode them to tokens and build the one-hot float32 array, timed phase by phase.
/// </summary>
public static class DataBenchmark
{
    /// <summary>The library's version, as printed in every record.</summary>
    public static string Version => typeof(DataBenchmark).Assembly.GetName().Version?.ToString(3) ?? "unknown";

    /// <summary>The PyTorch baseline's name of a layout.</summary>
    public static string VariantName(OneHotLayout layout) => layout == OneHotLayout.ChannelMajor ? "conv1d" : "linear";

    /// <summary>Parses <c>conv1d</c>, <c>linear</c> or <c>both</c> into layouts.</summary>
    public static IReadOnlyList<OneHotLayout> ParseVariants(string text) => text.Trim().ToLowerInvariant() switch
    {
        "conv1d" => [OneHotLayout.ChannelMajor],
        "linear" => [OneHotLayout.PositionMajor],
        "both" => [OneHotLayout.ChannelMajor, OneHotLayout.PositionMajor],
        _ => throw new ArgumentException($"variant: unknown value '{text}' (expected conv1d, linear or both)"),
    };

    /// <summary>
    /// Runs the benchmark: the write-bandwidth reference first, then for every layout one untimed full-size
    /// generation (JIT and allocator warm-up, as the baseline does) and <see cref="DataBenchmarkOptions.Repeats"/>
    /// timed ones.
    /// </summary>
    public static IReadOnlyList<DataBenchmarkResult> Run(DataBenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var p = options.Parameters;
        long oneHotBytes = (long)options.Samples * p.InputLength * p.Vocabulary * sizeof(float);
        // At least 64 MiB so that caches do not inflate the reference, at most 1 GiB so that it stays cheap.
        double bandwidth = MeasureWriteBandwidth(Math.Clamp(oneHotBytes, 64L << 20, 1L << 30), 5);
        string sampler = IndexSampler.MethodName((long)BigInteger.Min(p.PMax, long.MaxValue), options.Samples);
        var results = new List<DataBenchmarkResult>();
        foreach (var layout in options.Layouts)
        {
            Generate(options, layout, options.Seed, null);
            var total = new List<double>();
            var noOneHot = new List<double>();
            var phases = new List<double[]>();
            var faults = new List<long[]>();
            for (int r = 0; r < options.Repeats; r++)
            {
                var t = new double[4];
                var f = Generate(options, layout, options.Seed + r, t);
                total.Add(t.Sum());
                noOneHot.Add(t[0] + t[1] + t[2]);
                phases.Add(t);
                if (f != null) faults.Add(f);
            }
            var med = new DataPhaseSeconds(Median(phases.Select(x => x[0])), Median(phases.Select(x => x[1])),
                Median(phases.Select(x => x[2])), Median(phases.Select(x => x[3])));
            results.Add(new DataBenchmarkResult(options, layout, total, noOneHot, med, sampler, bandwidth,
                faults.Count == options.Repeats
                    ? new DataPhaseFaults((long)Median(faults.Select(x => (double)x[0])), (long)Median(faults.Select(x => (double)x[1])),
                        (long)Median(faults.Select(x => (double)x[2])))
                    : null));
        }
        return results;
    }

    /// <summary>
    /// One full generation. <paramref name="seconds"/> receives the rules, sample, decode and one-hot times; the
    /// return value holds the minor page faults of the sample, decode and one-hot steps where the platform reports
    /// them. The fault counter is read between the clocks, so its cost is not timed.
    /// </summary>
    private static unsafe long[]? Generate(DataBenchmarkOptions options, OneHotLayout layout, long seed, double[]? seconds)
    {
        var p = options.Parameters;
        int n = options.Samples, d = p.InputLength, v = p.Vocabulary;
        long t0 = Stopwatch.GetTimestamp();
        var grammar = Grammar.Sample(p, seed);
        long t1 = Stopwatch.GetTimestamp();
        long f1 = MinorPageFaults();
        long t1b = Stopwatch.GetTimestamp();
        var indices = IndexSampler.Distinct((long)p.PMax, n, Rng.ForStream(seed, "sample"));
        long t2 = Stopwatch.GetTimestamp();
        long f2 = MinorPageFaults();
        long t2b = Stopwatch.GetTimestamp();
        var data = DataSplit.Decode(grammar, indices, options.Threads);
        long t3 = Stopwatch.GetTimestamp();
        long f3 = MinorPageFaults();
        long t3b = Stopwatch.GetTimestamp();
        int floats = checked(n * d * v);
        float[]? x = null;
        float* fresh = null;
        if (options.FreshOneHotMemory)
        {
            fresh = (float*)NativeMemory.Alloc((nuint)floats, sizeof(float));
            EncodeInto(data.TokenData, d, v, fresh, floats, layout, options.Threads);
        }
        else
        {
            // Uninitialised, because the encoder writes every element; the baseline's torch.zeros is the same work.
            x = GC.AllocateUninitializedArray<float>(floats);
            OneHot.Encode(data.TokenData, d, v, x, layout, options.Threads);
        }
        long t4 = Stopwatch.GetTimestamp();
        long f4 = MinorPageFaults();
        GC.KeepAlive(x);
        // Untimed, like the baseline's "del x" after its clock stops.
        if (fresh != null) NativeMemory.Free(fresh);
        if (seconds != null)
        {
            seconds[0] = Stopwatch.GetElapsedTime(t0, t1).TotalSeconds;
            seconds[1] = Stopwatch.GetElapsedTime(t1b, t2).TotalSeconds;
            seconds[2] = Stopwatch.GetElapsedTime(t2b, t3).TotalSeconds;
            seconds[3] = Stopwatch.GetElapsedTime(t3b, t4).TotalSeconds;
        }
        // No forced collection between repeats: collections that the allocations trigger run inside the timed
        // phases, as they would in real use.
        return f1 >= 0 && f2 >= 0 && f3 >= 0 && f4 >= 0 ? [f2 - f1, f3 - f2, f4 - f3] : null;
    }

    /// <summary>The one-hot encoding into native memory, split over threads as the array overload splits it.</summary>
    private static unsafe void EncodeInto(ushort[] tokens, int d, int v, float* destination, int floats, OneHotLayout layout, int threads)
    {
        int n = tokens.Length / d;
        int chunks = DataSplit.ChunkCount(n, threads);
        if (chunks <= 1)
        {
            OneHot.Encode(tokens, d, v, new Span<float>(destination, floats), layout);
            return;
        }
        nint address = (nint)destination;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, c =>
        {
            var (start, count) = DataSplit.Chunk(n, chunks, c);
            var output = new Span<float>((float*)address + (long)start * d * v, count * d * v);
            OneHot.Encode(tokens.AsSpan(start * d, count * d), d, v, output, layout);
        });
    }

    /// <summary>
    /// The best plain write bandwidth, in bytes per second, of <paramref name="repeats"/> passes of memset
    /// (<see cref="Span{T}.Clear"/>) and of <see cref="Span{T}.Fill"/> over a pre-touched buffer of
    /// <paramref name="bytes"/> bytes: the better method's median.
    /// </summary>
    public static double MeasureWriteBandwidth(long bytes, int repeats)
    {
        if (bytes < 4096) throw new ArgumentOutOfRangeException(nameof(bytes), "bytes must be >= 4096");
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), "repeats must be >= 1");
        var buffer = GC.AllocateUninitializedArray<float>(checked((int)(bytes / sizeof(float))));
        var span = buffer.AsSpan();
        // The first pass faults the pages in, so that the timed passes measure writes only.
        span.Fill(1f);
        var clear = new List<double>();
        var fill = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            span.Clear();
            long t1 = Stopwatch.GetTimestamp();
            span.Fill(r + 2f);
            long t2 = Stopwatch.GetTimestamp();
            clear.Add(Stopwatch.GetElapsedTime(t0, t1).TotalSeconds);
            fill.Add(Stopwatch.GetElapsedTime(t1, t2).TotalSeconds);
        }
        GC.KeepAlive(buffer);
        long written = (long)span.Length * sizeof(float);
        return written / Math.Min(Median(clear), Median(fill));
    }

    /// <summary>Minor page faults of this process so far (from /proc/self/stat), or −1 where unavailable.</summary>
    internal static long MinorPageFaults()
    {
        try
        {
            if (!OperatingSystem.IsLinux()) return -1;
            string stat = File.ReadAllText("/proc/self/stat");
            // Fields after the parenthesised command name: state is field 3, minflt field 10.
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(rest[7], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return -1;
        }
    }

    /// <summary>The median of a non-empty sequence.</summary>
    public static double Median(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var a = values.ToArray();
        if (a.Length == 0) throw new ArgumentException("median of an empty sequence");
        Array.Sort(a);
        int h = a.Length / 2;
        return a.Length % 2 == 1 ? a[h] : 0.5 * (a[h - 1] + a[h]);
    }
}
