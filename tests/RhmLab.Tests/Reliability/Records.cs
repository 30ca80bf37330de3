using System.Security.Cryptography;
using System.Text.Json.Nodes;
using RhmLab.Experiments;

namespace RhmLab.Tests.Reliability;

/// <summary>Reading run records for comparisons: what a run measured, without when and where it ran.</summary>
public static class Records
{
    /// <summary>Fields that describe the execution rather than the result: wall-clock times and provenance.</summary>
    public static readonly string[] TimingAndProvenance = ["wall_seconds", "train_seconds", "cpu_seconds", "provenance"];

    /// <summary>
    /// The record as canonical JSON without timing and provenance (and without the per-epoch seconds), so two runs of
    /// one config compare equal exactly when everything they computed is bit-identical.
    /// </summary>
    public static string Metrics(JsonObject record)
    {
        var copy = (JsonObject)record.DeepClone();
        foreach (var key in TimingAndProvenance) copy.Remove(key);
        if (copy["curves"] is JsonObject curves) curves.Remove("seconds");
        return RunHash.Canonical(copy);
    }

    /// <summary>Metrics of a record file.</summary>
    public static string Metrics(string resultPath) => Metrics((JsonObject)JsonNode.Parse(File.ReadAllText(resultPath))!);

    /// <summary>The metrics of every finished run of a results folder, by run hash.</summary>
    public static Dictionary<string, string> FolderMetrics(string outDir)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        string runs = Path.Combine(outDir, "runs");
        if (!Directory.Exists(runs)) return map;
        foreach (var dir in Directory.GetDirectories(runs))
        {
            string hash = Path.GetFileName(dir);
            var record = SweepStore.TryReadResult(dir, hash);
            if (record != null) map[hash] = Metrics(record);
        }
        return map;
    }

    /// <summary>SHA-256 of a file's bytes.</summary>
    public static string Sha(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Lines of a run's attempts.log that record the given event (started, finished, failed, cancelled).</summary>
    public static int Attempts(string runDir, string what)
    {
        string log = Path.Combine(runDir, SweepStore.AttemptsFile);
        if (!File.Exists(log)) return 0;
        return File.ReadAllLines(log).Count(l => l.Contains($" {what} ", StringComparison.Ordinal));
    }
}

/// <summary>
/// The plan of the process-level sweep tests: twelve tiny runs (n_c = m = v = 3, L = 3, width 16) of about 50 ms
/// each, long enough that a kill often lands inside a run and short enough that twenty kills take seconds.
/// </summary>
public static class ReliabilityPlan
{
    /// <summary>Number of runs in the plan.</summary>
    public const int Runs = 12;

    /// <summary>The plan text.</summary>
    public const string Json = """
        { "description": "reliability tests: twelve tiny runs",
          "grid": { "seed": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
          "fixed": { "nmv": 3, "L": 3, "train": 200, "test": 100, "width": 16, "epochs": 40, "stop-loss": 0, "blas": "managed" } }
        """;

    /// <summary>Writes the plan into <paramref name="dir"/> and returns its path.</summary>
    public static string Write(string dir)
    {
        string path = Path.Combine(dir, "plan.json");
        File.WriteAllText(path, Json);
        return path;
    }

    private static readonly Lazy<Dictionary<string, string>> LazyReference = new(ComputeReference, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The metrics of an uninterrupted sweep of the plan by one process, by run hash (computed once).</summary>
    public static Dictionary<string, string> Reference => LazyReference.Value;

    private static Dictionary<string, string> ComputeReference()
    {
        using var tmp = new TempFolder("rhmlab-reliability-ref-");
        string dir = tmp.Path;
        string plan = Write(dir);
        string outDir = Path.Combine(dir, "results");
        var (code, stdout, stderr) = CliProcess.Run(["sweep", plan, "--out", outDir], TimeSpan.FromMinutes(3));
        if (code != 0) throw new InvalidOperationException($"reference sweep failed (exit {code})\n{stdout}\n{stderr}");
        var metrics = Records.FolderMetrics(outDir);
        if (metrics.Count != Runs) throw new InvalidOperationException($"reference sweep produced {metrics.Count} records, not {Runs}");
        return metrics;
    }
}
