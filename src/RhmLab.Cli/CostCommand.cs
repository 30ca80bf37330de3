using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using RhmLab.Experiments;

namespace RhmLab.Cli;

/// <summary>
/// <c>rhmlab cost</c>: the cost model against finished runs. For every run record under a folder it compares the
/// measured seconds (CPU seconds of the run's thread where recorded, else wall seconds) with the model's estimate, both as a dry run would make it (the stopping rule guessed) and
/// with the epochs the run actually went (the cost per epoch alone), per rule. <c>rhmlab cost --calibrate</c> measures the
/// machine again first, and without a folder does only that.
/// </summary>
internal static class CostCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var folder = new Argument<string?>("folder") { Description = "Folder searched recursively for result.json (optional with --calibrate)", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "One JSON object on stdout" };
        var recalibrate = new Option<bool>("--calibrate") { Description = "Measure this machine again and replace the cached calibration (best on a quiet machine)" };
        var cmd = new Command("cost", "Check the cost model of dry runs against finished runs (measured / estimated seconds per rule); with --calibrate, measure this machine again");
        cmd.Arguments.Add(folder);
        cmd.Options.Add(json);
        cmd.Options.Add(recalibrate);
        cmd.Options.Add(PluginOption.Create());
        cmd.SetAction(parse =>
        {
            string? dir = parse.GetValue(folder);
            bool calibrate = parse.GetValue(recalibrate);
            if (dir is null && !calibrate) throw new ArgumentException("folder: required (a folder of run records), unless --calibrate is given");
            if (dir != null && !Directory.Exists(dir)) throw new ArgumentException($"folder: '{dir}' does not exist");
            bool asJson = parse.GetValue(json);
            var log = asJson ? stderr : stdout;
            if (calibrate)
            {
                try { File.Delete(CostCalibration.CachePath()); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
            var calibration = LoadCalibration(log, out var notes);
            if (dir is null)
            {
                if (asJson)
                {
                    var o = new JsonObject();
                    AddCalibration(o, calibration, notes);
                    stdout.WriteLine(o.ToJsonString());
                }
                else stdout.WriteLine(Describe(calibration));
                return 0;
            }
            var rows = new List<(string Rule, double Measured, double Guess, double Epochs)>();
            int skipped = 0, cpuRuns = 0;
            foreach (var file in Directory.EnumerateFiles(dir, "result.json", SearchOption.AllDirectories))
            {
                try
                {
                    if (JsonNode.Parse(File.ReadAllText(file)) is not JsonObject o || o["config"] is not JsonObject config) { skipped++; continue; }
                    var rc = new RunConfig();
                    RunOptions.Apply(rc, (JsonObject)config.DeepClone(), file);
                    var run = ResolvedRun.Resolve(rc);
                    // CPU seconds where the record has them: wall seconds grow with whatever else shared the cores.
                    double measured = o["cpu_seconds"] is JsonValue cpu && cpu.TryGetValue(out double c) ? c : (double)o["wall_seconds"]!;
                    if (o["cpu_seconds"] is JsonValue) cpuRuns++;
                    int epochs = (int)o["epochs_run"]!;
                    rows.Add((run.Rule, measured, CostModel.Estimate(run, calibration).Seconds, CostModel.Estimate(run, calibration, epochs).Seconds));
                }
                catch (Exception e) when (e is ArgumentException or System.Text.Json.JsonException or InvalidOperationException or NullReferenceException or FormatException or IOException) { skipped++; }
            }
            var ci = CultureInfo.InvariantCulture;
            var groups = rows.GroupBy(r => r.Rule).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new JsonObject
            {
                ["rule"] = g.Key,
                ["runs"] = g.Count(),
                ["measured_seconds"] = Math.Round(g.Sum(r => r.Measured), 2),
                ["estimated_seconds"] = Math.Round(g.Sum(r => r.Guess), 2),
                ["estimated_seconds_at_epochs_run"] = Math.Round(g.Sum(r => r.Epochs), 2),
                ["ratio_total"] = Math.Round(g.Sum(r => r.Measured) / g.Sum(r => r.Guess), 3),
                ["ratio_total_at_epochs_run"] = Math.Round(g.Sum(r => r.Measured) / g.Sum(r => r.Epochs), 3),
                ["ratio_median"] = Math.Round(Median(g.Select(r => r.Measured / r.Guess)), 3),
                ["ratio_p10"] = Math.Round(Quantile(g.Select(r => r.Measured / r.Guess), 0.1), 3),
                ["ratio_p90"] = Math.Round(Quantile(g.Select(r => r.Measured / r.Guess), 0.9), 3),
                ["ratio_median_at_epochs_run"] = Math.Round(Median(g.Select(r => r.Measured / r.Epochs)), 3),
            }).ToList();
            double all = rows.Sum(r => r.Measured), est = rows.Sum(r => r.Guess);
            if (asJson)
            {
                var o = new JsonObject
                {
                    ["runs"] = rows.Count, ["runs_with_cpu_seconds"] = cpuRuns, ["skipped"] = skipped, ["measured_seconds"] = Math.Round(all, 2), ["estimated_seconds"] = Math.Round(est, 2),
                    ["ratio_total"] = rows.Count > 0 ? Math.Round(all / est, 3) : null,
                };
                AddCalibration(o, calibration, notes);
                o["rules"] = new JsonArray(groups.Select(g => (JsonNode?)g).ToArray());
                stdout.WriteLine(o.ToJsonString());
                return 0;
            }
            stdout.WriteLine($"measured / estimated seconds per run (the estimate of a dry run, and at the epochs actually run); measured: CPU seconds for {cpuRuns} runs, wall seconds for {rows.Count - cpuRuns} without them:");
            stdout.WriteLine($"{"rule",-14} {"runs",5} {"measured s",11} {"estimated s",12} {"total ratio",11} {"median",7} {"p10-p90",13} {"at epochs run",14}");
            foreach (var g in groups)
                stdout.WriteLine(string.Create(ci, $"{(string)g["rule"]!,-14} {(int)g["runs"]!,5} {(double)g["measured_seconds"]!,11:F1} {(double)g["estimated_seconds"]!,12:F1} {(double)g["ratio_total"]!,11:F2} {(double)g["ratio_median"]!,7:F2} {(double)g["ratio_p10"]!,6:F2}-{(double)g["ratio_p90"]!,-6:F2} {(double)g["ratio_total_at_epochs_run"]!,14:F2}"));
            stdout.WriteLine(string.Create(ci, $"all: {rows.Count} runs, measured {all:F1} s, estimated {est:F1} s (ratio {(est > 0 ? all / est : double.NaN):F2}); {skipped} file(s) skipped"));
            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// The cached calibration (measured now when there is none), with its warnings written to <paramref name="log"/>:
    /// every estimate says when the calibration behind it is old or was measured on a busy machine.
    /// </summary>
    internal static CostCalibration LoadCalibration(TextWriter log, out IReadOnlyList<string> notes)
    {
        var calibration = CostCalibration.LoadOrMeasure(log);
        notes = calibration.Warnings(DateTime.UtcNow, Environment.ProcessorCount);
        foreach (string note in notes) log.WriteLine(note);
        return calibration;
    }

    /// <summary>A calibration in an estimate's JSON: its values, its file and its warnings (empty when none).</summary>
    internal static void AddCalibration(JsonObject o, CostCalibration calibration, IReadOnlyList<string> notes)
    {
        o["calibration"] = calibration.ToJson();
        o["calibration_file"] = CostCalibration.CachePath();
        o["calibration_warnings"] = new JsonArray(notes.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());
    }

    private static string Describe(CostCalibration c)
    {
        var ci = CultureInfo.InvariantCulture;
        string spread = c.Spread is double s ? string.Create(ci, $"{100 * s:F0} %") : "unknown";
        string load = c.LoadAverage is double l ? l.ToString("F2", ci) : "unknown";
        return string.Create(ci, $"cost: calibration of {c.Machine}, measured {c.MeasuredUtc}: {c.GflopsPerSecond:F1} GFLOP/s, {1e6 * c.SecondsPerStep:F0} µs per update, " +
            $"{1e3 * c.SecondsPerRun:F2} ms per run, {1e6 * c.SecondsPerEvalRow:F2} µs per evaluated datum, CLAPP {1e6 * c.ClappSecondsPerStep:F0} µs per update and product factor {c.ClappStepFactor:F2}; " +
            $"spread of its timings {spread}, load average {load} on {Environment.ProcessorCount} cores; in {CostCalibration.CachePath()}");
    }

    private static double Median(IEnumerable<double> xs) => Quantile(xs, 0.5);

    private static double Quantile(IEnumerable<double> xs, double q)
    {
        var s = xs.OrderBy(x => x).ToArray();
        if (s.Length == 0) return double.NaN;
        double pos = q * (s.Length - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return s[lo] + (s[hi] - s[lo]) * (pos - lo);
    }
}
