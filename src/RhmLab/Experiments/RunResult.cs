using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RhmLab.Evaluation;
using RhmLab.Networks;
using RhmLab.Rhm;
using RhmLab.Training;
using RhmLab.IO;

namespace RhmLab.Experiments;

/// <summary>
/// The record of one run: what was run (the full resolved config and provenance), how training went (learning
/// curves, stop reason, divergence) and what was measured (the network's test error, per-layer probe errors).
/// </summary>
public sealed class RunResult
{
    /// <summary>
    /// How every reader of run records parses them: a duplicate key is refused while parsing, because JsonObject
    /// would otherwise throw ArgumentException on first access, which no reader expects, and one edited file stopped
    /// a whole sweep or analysis instead of being skipped.
    /// </summary>
    internal static readonly JsonDocumentOptions RecordParsing = new() { AllowDuplicateProperties = false };

    /// <summary>Rule name.</summary>
    public required string Rule { get; init; }
    /// <summary>The resolved run.</summary>
    public required ResolvedRun Run { get; init; }
    /// <summary>Training outcome with its epoch logs.</summary>
    public required TrainingOutcome Outcome { get; init; }
    /// <summary>The network's own test error (supervised rules), else NaN.</summary>
    public double NetworkTestError { get; init; } = double.NaN;
    /// <summary>The network's own training error at the end.</summary>
    public double NetworkTrainError { get; init; } = double.NaN;
    /// <summary>
    /// Test error per hidden layer (index 0 = first hidden layer) of the run's probe: the ridge probe, or the logistic
    /// probe when it is the only one asked for (<c>probe = logistic</c>).
    /// </summary>
    public double[] ProbeErrors { get; init; } = [];
    /// <summary>Ridge probe test error of the raw one-hot input (layer 0).</summary>
    public double InputProbeError { get; init; } = double.NaN;
    /// <summary>Why a probe was not fitted (a layer whose activations blew up); its error is null in the record.</summary>
    public IReadOnlyList<string> ProbeNotes { get; init; } = [];
    /// <summary>Logistic probe test errors per layer when both probes were asked for (with the logistic probe alone, <see cref="ProbeErrors"/>).</summary>
    public double[]? LogisticProbeErrors { get; init; }
    /// <summary>Matrix-product provider name.</summary>
    public required string Provider { get; init; }
    /// <summary>
    /// CPU time of the thread that ran it (Linux; null elsewhere), which, unlike the wall time, does not grow when
    /// other work shares the cores; with threads &gt; 1 the provider's other threads are not counted.
    /// </summary>
    public double? CpuSeconds { get; init; }
    /// <summary>Total wall time including data generation and evaluation.</summary>
    public double WallSeconds { get; init; }
    /// <summary>Synonymic sensitivity of every layer (run option <c>sensitivity</c>), else null.</summary>
    public SensitivityResult? Sensitivity { get; init; }
    /// <summary>The trained network (kept so that it can be saved; not part of the JSON record).</summary>
    public Network<float>? Network { get; init; }
    /// <summary>The RHM's rules the run used (kept so that they can be saved with the network).</summary>
    public Grammar? Grammar { get; init; }
    /// <summary>Provenance: version, commit, machine.</summary>
    public JsonObject Provenance { get; init; } = new();

    /// <summary>
    /// The headline test error: the network's own error for supervised rules, the top-layer probe error otherwise.
    /// </summary>
    public double TestError => !double.IsNaN(NetworkTestError) ? NetworkTestError : (ProbeErrors.Length > 0 ? ProbeErrors[^1] : double.NaN);

    /// <summary>The run record as JSON. <paramref name="curves"/> adds the per-epoch learning curves.</summary>
    public JsonObject ToJson(bool curves = true)
    {
        var r = Run;
        var last = Outcome.Epochs.Count > 0 ? Outcome.Epochs[^1] : null;
        var o = new JsonObject
        {
            ["format"] = "rhmlab-run",
            ["rule"] = Rule,
            ["nc"] = r.Rhm.Classes,
            ["m"] = r.Rhm.Synonyms,
            ["v"] = r.Rhm.Vocabulary,
            ["s"] = r.Rhm.TupleSize,
            ["L"] = r.Rhm.Depth,
            ["train"] = r.Train,
            ["test"] = r.Test,
            ["widths"] = new JsonArray(r.Network.Widths.Select(w => (JsonNode?)JsonValue.Create(w)).ToArray()),
            ["seed"] = r.Config.Seeds.Seed,
            ["epochs_run"] = Outcome.Epochs.Count,
            ["wall_seconds"] = Round(WallSeconds),
            ["cpu_seconds"] = CpuSeconds is double cpu ? Round(cpu) : null,
            ["train_seconds"] = Round(Outcome.Seconds),
            ["train_loss"] = Json.Num(last?.TrainLoss ?? double.NaN),
            ["train_error"] = Json.Num(NetworkTrainError),
            ["test_error"] = Json.Num(TestError),
            ["network_test_error"] = Json.Num(NetworkTestError),
            // "ridge" in every record, as every version wrote it, even where probe_errors hold the logistic probe's
            // errors: config.probe says which probe a run asked for.
            ["probe"] = "ridge",
            ["probe_errors"] = new JsonArray(ProbeErrors.Select(e => Json.Num(e)).ToArray()),
            ["input_probe_error"] = Json.Num(InputProbeError),
            ["chance_error"] = r.ChanceError,
            ["threshold_error"] = 0.1 * r.ChanceError,
            ["n_c_m_L"] = r.Rhm.SampleScale,
            ["d_star"] = r.Rhm.DStar,
            ["stop_reason"] = Outcome.StopReason,
            ["extra_data_read"] = r.ExtraDataRead,
            ["diverged"] = Outcome.Diverged,
            ["diverged_epoch"] = Outcome.DivergedEpoch,
            ["optimizer"] = Options.Choices.Name(r.Optimizer),
            ["effective_lr"] = r.EffectiveLr,
            ["provider"] = Provider,
            ["threads"] = r.Config.Execution.Threads,
            ["config"] = r.Config.ToJson(),
            ["provenance"] = Provenance.DeepClone(),
        };
        if (Outcome.Kept is { } kept)
            o["kept_weights"] = new JsonObject { ["update"] = kept.Update, ["objective"] = Json.Num(kept.Objective), ["restored"] = kept.Restored };
        if (Sensitivity != null) o["sensitivity"] = Sensitivity.ToJson();
        if (ProbeNotes.Count > 0) o["probe_notes"] = new JsonArray(ProbeNotes.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());
        if (LogisticProbeErrors != null)
            o["logistic_probe_errors"] = new JsonArray(LogisticProbeErrors.Select(e => Json.Num(e)).ToArray());
        if (last != null && last.Components.Count > 0)
            o["diagnostics"] = new JsonObject(last.Components.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Json.Num(kv.Value))));
        var checkpoints = Outcome.Epochs.Where(e => e.TestError.HasValue).ToList();
        if (!curves && checkpoints.Count > 1)
        {
            // A compact record keeps the test error at its checkpoints (eval-every): enough to tell whether a run was
            // still improving when a stopping rule ended it, at a fraction of the per-epoch curves' size.
            o["checkpoints"] = new JsonObject
            {
                ["epoch"] = Array(checkpoints.Select(e => (double)e.Epoch)),
                ["train_loss"] = Array(checkpoints.Select(e => e.TrainLoss)),
                ["test_error"] = Array(checkpoints.Select(e => e.TestError!.Value)),
            };
        }
        if (curves)
        {
            o["curves"] = new JsonObject
            {
                ["epoch"] = Array(Outcome.Epochs.Select(e => (double)e.Epoch)),
                ["train_loss"] = Array(Outcome.Epochs.Select(e => e.TrainLoss)),
                ["train_error"] = Array(Outcome.Epochs.Select(e => e.TrainError)),
                ["test_error"] = Array(Outcome.Epochs.Select(e => e.TestError ?? double.NaN)),
                ["lr"] = Array(Outcome.Epochs.Select(e => e.LearningRate)),
                ["seconds"] = Array(Outcome.Epochs.Select(e => Round(e.Seconds))),
            };
        }
        return o;
    }

    /// <summary>
    /// A full record made compact, as <see cref="ToJson"/> with <c>curves: false</c> would have written it: the per-epoch
    /// curves give way to the checkpoints (the epochs that have a test error). A record without curves is left as it is.
    /// </summary>
    public static void MakeCompact(JsonObject record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record["curves"] is not JsonObject c) return;
        record.Remove("curves");
        if (c["epoch"] is not JsonArray epochs || c["train_loss"] is not JsonArray losses || c["test_error"] is not JsonArray tests) return;
        var at = Enumerable.Range(0, Math.Min(epochs.Count, Math.Min(losses.Count, tests.Count)))
            .Where(i => tests[i] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number).ToList();
        if (at.Count <= 1) return;
        record["checkpoints"] = new JsonObject
        {
            ["epoch"] = new JsonArray(at.Select(i => epochs[i]?.DeepClone()).ToArray()),
            ["train_loss"] = new JsonArray(at.Select(i => losses[i]?.DeepClone()).ToArray()),
            ["test_error"] = new JsonArray(at.Select(i => tests[i]?.DeepClone()).ToArray()),
        };
    }

    private static JsonArray Array(IEnumerable<double> xs) => Json.Nums(xs);

    private static double Round(double x) => Math.Round(x, 4);

    /// <summary>Indented JSON text.</summary>
    public string ToJsonString(bool curves = true) => ToJson(curves).ToJsonString(new JsonSerializerOptions { WriteIndented = false });

    /// <summary>Provenance of this process: RhmLab version, git commit (when run from a checkout), machine, runtime.</summary>
    public static JsonObject CurrentProvenance()
    {
        return new JsonObject
        {
            ["rhmlab_version"] = typeof(RunResult).Assembly.GetName().Version?.ToString(3),
            ["git_commit"] = GitCommit(),
            ["machine"] = Environment.MachineName,
            ["processors"] = Environment.ProcessorCount,
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            ["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            ["cpu"] = CpuModel(),
            ["started_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>
    /// The commit the running build was made from: HEAD of the nearest repository above the binaries, read from the
    /// files (no git process). A linked worktree has a .git file naming its own folder (HEAD) and the shared one
    /// (refs), so both layouts are followed.
    /// </summary>
    internal static string? GitCommit(string? start = null)
    {
        try
        {
            for (var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                string dotGit = Path.Combine(dir.FullName, ".git");
                string gitDir, commonDir;
                if (Directory.Exists(dotGit)) gitDir = commonDir = dotGit;
                else if (File.Exists(dotGit))
                {
                    string text = File.ReadAllText(dotGit).Trim();
                    if (!text.StartsWith("gitdir: ", StringComparison.Ordinal)) return null;
                    gitDir = Path.GetFullPath(text[8..].Trim(), dir.FullName);
                    string common = Path.Combine(gitDir, "commondir");
                    commonDir = File.Exists(common) ? Path.GetFullPath(File.ReadAllText(common).Trim(), gitDir) : gitDir;
                }
                else continue;
                string head = File.ReadAllText(Path.Combine(gitDir, "HEAD")).Trim();
                if (!head.StartsWith("ref: ", StringComparison.Ordinal)) return head;
                string name = head[5..];
                foreach (string root in new[] { gitDir, commonDir })
                {
                    string refPath = Path.Combine(root, name);
                    if (File.Exists(refPath)) return File.ReadAllText(refPath).Trim();
                }
                string packed = Path.Combine(commonDir, "packed-refs");
                if (File.Exists(packed))
                    foreach (var line in File.ReadLines(packed))
                        if (line.EndsWith(" " + name, StringComparison.Ordinal)) return line[..line.IndexOf(' ')];
                return null;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        catch (ArgumentException) { }
        return null;
    }

    internal static string? CpuModel()
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return null;
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        return null;
    }
}
