using System.CommandLine;
using System.Globalization;
using RhmLab.Experiments;
using RhmLab.Rhm;

namespace RhmLab.Cli;

/// <summary><c>rhmlab bench</c>: throughput benchmarks in the PyTorch baseline's record format.</summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter stdout)
    {
        var mode = new Option<string>("--mode") { Description = "What to measure: data generation, bp or clapp training steps", DefaultValueFactory = _ => "data" };
        mode.AcceptOnlyFromAmong("data", "bp", "clapp");
        var variant = new Option<string>("--variant") { Description = "One-hot layout: conv1d [N, v, d], linear [N, d, v] or both", DefaultValueFactory = _ => "both" };
        variant.AcceptOnlyFromAmong("conv1d", "linear", "both");
        var nc = RhmFlags.Declared<int>("nc");
        var m = RhmFlags.Declared<int>("m");
        var v = RhmFlags.Declared<int>("v");
        var s = RhmFlags.Declared<int>("s");
        var depth = RhmFlags.Declared<int>("L");
        var samples = new Option<int>("--samples") { Description = "Distinct data per generation (data mode)", DefaultValueFactory = _ => 1_000_000 };
        var threads = new Option<int>("--threads") { Description = "Worker threads", DefaultValueFactory = _ => 1 };
        var repeats = new Option<int>("--repeats") { Description = "Timed repeats; medians are reported", DefaultValueFactory = _ => 5 };
        var seed = new Option<long>("--seed") { Description = "Seed; repeat r uses seed + r", DefaultValueFactory = _ => 0 };
        var fresh = new Option<bool>("--fresh-memory") { Description = "Map fresh memory for every repeat's one-hot array (as torch.zeros does), timing its page faults" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per measurement instead of a table" };
        var width = new Option<int>("--width") { Description = "Hidden width (bp, clapp)", DefaultValueFactory = _ => 128 };
        var batch = new Option<int>("--batch") { Description = "Batch size (bp, clapp)", DefaultValueFactory = _ => 128 };
        var seconds = new Option<double>("--seconds") { Description = "Timed seconds over all repeats (bp, clapp)", DefaultValueFactory = _ => 2.0 };
        var warmup = new Option<double>("--warmup") { Description = "Warm-up seconds (bp, clapp)", DefaultValueFactory = _ => 0.5 };
        var trainSize = new Option<int>("--train-size") { Description = "Training set the batches come from (bp, clapp)", DefaultValueFactory = _ => 32768 };
        var lr = new Option<double?>("--lr") { Description = "SGD learning rate (default 0.05 bp, 1e-3 clapp)" };
        var pairing = new Option<string>("--clapp-pairing") { Description = "clapp only: triplets (the baseline's work) or in-batch (B anchors in B rows)", DefaultValueFactory = _ => "triplets" };
        var blas = new Option<string>("--blas") { Description = "Matrix-product provider: auto, openblas or managed", DefaultValueFactory = _ => "auto" };

        var cmd = new Command("bench", "Measure throughput; the records match torch_baseline.py's");
        foreach (var o in new Option[] { mode, variant, nc, m, v, s, depth, samples, threads, repeats, seed, fresh, json, width, batch, seconds, warmup, trainSize, lr, blas, pairing }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            string which = parse.GetValue(mode)!;
            if (which != "data")
            {
                var record = StepBenchmark.Run(new StepBenchmarkOptions
                {
                    Mode = which, Nc = parse.GetValue(nc), M = parse.GetValue(m), V = parse.GetValue(v), S = parse.GetValue(s), L = parse.GetValue(depth),
                    Width = parse.GetValue(width), Batch = parse.GetValue(batch), Threads = parse.GetValue(threads), Repeats = parse.GetValue(repeats),
                    Seconds = parse.GetValue(seconds), Warmup = parse.GetValue(warmup), TrainSize = parse.GetValue(trainSize), Lr = parse.GetValue(lr),
                    Seed = parse.GetValue(seed), Blas = parse.GetValue(blas)!, Pairing = parse.GetValue(pairing)!,
                });
                if (parse.GetValue(json)) stdout.WriteLine(record.ToJsonString());
                else
                {
                    var ci = CultureInfo.InvariantCulture;
                    stdout.WriteLine(string.Create(ci, $"{which}{(record["pairing"] is { } pr ? $" ({pr})" : "")}: RHM nc={record["n_c"]} m={record["m"]} v={record["v"]} L={record["L"]}, width {record["width"]}, batch {record["batch"]}, threads {record["threads"]}, provider {record["provider"]}"));
                    stdout.WriteLine(string.Create(ci, $"  {(double)record["steps_per_s"]!:F1} steps/s, {(double)record["samples_per_s"]!:N0} samples/s, {(double)record["flops_per_step"]! / 1e9:F3} GFLOP/step, {(double)record["gflops_per_s"]!:F1} GFLOP/s = {(double)record["fraction_of_peak"]!:P0} of the measured peak {(double)record["peak_gflops_per_s"]!:F1} GFLOP/s"));
                }
                return 0;
            }
            var options = new DataBenchmarkOptions(
                new RhmParameters(parse.GetValue(nc), parse.GetValue(m), parse.GetValue(v), parse.GetValue(s), parse.GetValue(depth)),
                parse.GetValue(samples), parse.GetValue(threads), parse.GetValue(repeats), parse.GetValue(seed))
            {
                Layouts = DataBenchmark.ParseVariants(parse.GetValue(variant)!),
                FreshOneHotMemory = parse.GetValue(fresh),
            };
            var results = DataBenchmark.Run(options);
            if (parse.GetValue(json))
            {
                foreach (var r in results) stdout.WriteLine(r.ToJson().ToJsonString());
                return 0;
            }
            WriteTable(stdout, options, results);
            return 0;
        });
        return cmd;
    }

    private static void WriteTable(TextWriter o, DataBenchmarkOptions options, IReadOnlyList<DataBenchmarkResult> results)
    {
        var ci = CultureInfo.InvariantCulture;
        var p = options.Parameters;
        o.WriteLine($"data generation: RHM {p}, N = {options.Samples}, threads {options.Threads}, {options.Repeats} repeats (medians), sampler {results[0].Sampler}, one-hot in {(options.FreshOneHotMemory ? "fresh memory per repeat" : "a managed array")}");
        o.WriteLine($"{"variant",-8} {"layout",-12} {"samples/s",12} {"no one-hot",12} {"median s",9} {"rules ms",9} {"sample ms",9} {"decode ms",9} {"onehot ms",9} {"GB/s",6} {"of mem",6}");
        foreach (var r in results)
        {
            string layout = r.Layout == Data.OneHotLayout.ChannelMajor ? "[N, v, d]" : "[N, d, v]";
            o.WriteLine(string.Create(ci,
                $"{r.Variant,-8} {layout,-12} {r.SamplesPerSecond,12:N0} {r.SamplesPerSecondNoOneHot,12:N0} {r.SecondsMedian,9:F4} " +
                $"{r.Phases.Rules * 1e3,9:F3} {r.Phases.Sample * 1e3,9:F2} {r.Phases.Decode * 1e3,9:F2} {r.Phases.OneHot * 1e3,9:F2} " +
                $"{r.OneHotWriteBytesPerSecond / 1e9,6:F1} {r.BandwidthFraction,6:P0}"));
        }
        o.WriteLine(string.Create(ci, $"memory write bandwidth (best of memset and fill, same process): {results[0].MemoryWriteBytesPerSecond / 1e9:F1} GB/s"));
    }
}
