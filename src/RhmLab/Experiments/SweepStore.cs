using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RhmLab.Experiments;

/// <summary>
/// The files of a results folder: <c>sweep.json</c>, and per run <c>runs/&lt;hash&gt;/</c> with <c>config.json</c>,
/// <c>result.json</c> (written atomically, so present means complete), <c>error.json</c> after a failure,
/// <c>claim</c> while a process runs it, and <c>attempts.log</c>, one appended line per start and end of an attempt.
/// </summary>
public static class SweepStore
{
    /// <summary>The manifest: the plan and the hash of every point.</summary>
    public const string ManifestFile = "sweep.json";
    /// <summary>The run record.</summary>
    public const string ResultFile = "result.json";
    /// <summary>The run's config, written before it starts.</summary>
    public const string ConfigFile = "config.json";
    /// <summary>The last failure of the run.</summary>
    public const string ErrorFile = "error.json";
    /// <summary>Append-only log of attempts.</summary>
    public const string AttemptsFile = "attempts.log";

    /// <summary>The folder of a run.</summary>
    public static string RunDir(string outDir, string hash)
    {
        if (!RunHash.IsValid(hash)) throw new ArgumentException($"not a run hash: '{hash}'");
        return Path.Combine(outDir, "runs", hash);
    }

    /// <summary>
    /// The finished record of a run, or null when there is none: result.json must parse and pass
    /// <see cref="RecordProblem"/>. Anything else (missing, truncated, edited by hand, another run's record) means the
    /// run is not done.
    /// </summary>
    public static JsonObject? TryReadResult(string runDir, string hash) => TryReadResult(runDir, hash, out _);

    /// <summary>
    /// As <see cref="TryReadResult(string, string)"/>; when result.json exists but is not a valid record,
    /// <paramref name="problem"/> says why (null when the file is valid or absent).
    /// </summary>
    public static JsonObject? TryReadResult(string runDir, string hash, out string? problem)
    {
        string path = Path.Combine(runDir, ResultFile);
        problem = null;
        string text;
        try
        {
            if (!File.Exists(path)) return null;
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { problem = $"cannot be read ({OneLine(e.Message)})"; return null; }
        JsonNode? node;
        try { node = JsonNode.Parse(text, documentOptions: RunResult.RecordParsing); }
        catch (JsonException e) { problem = $"not valid JSON ({OneLine(e.Message)})"; return null; }
        problem = RecordProblem(node, hash);
        return problem is null ? (JsonObject)node! : null;
    }

    /// <summary>
    /// Why a parsed result.json is not the finished record of the run <paramref name="hash"/>, or null when it is.
    /// Besides the hash, it checks the config (which must hash to the run's hash, so an edited config is caught) and
    /// the types of the fields that readers of results rely on, because a record that parses but holds, say, a string
    /// where the loss should be would otherwise count as finished and break every later reader.
    /// </summary>
    public static string? RecordProblem(JsonNode? record, string hash)
    {
        if (record is not JsonObject o) return "not a JSON object";
        if (!(o["format"] is JsonValue f && f.TryGetValue(out string? format) && format == "rhmlab-run")) return "'format' is not \"rhmlab-run\"";
        if (!(o["run_hash"] is JsonValue hv && hv.TryGetValue(out string? h))) return "'run_hash' is missing or not a string";
        if (h != hash) return $"'run_hash' is '{h}', not this run's '{hash}'";
        if (o["config"] is not JsonObject config) return "'config' is missing or not an object";
        if (RunHash.OfConfigJson(config) != hash && RunHash.OfFullConfigJson(config) != hash) return "'config' does not match the run's hash (edited?)";
        if (!(o["diverged"] is JsonValue d && d.GetValueKind() is JsonValueKind.True or JsonValueKind.False)) return "'diverged' is not true or false";
        if (!(o["epochs_run"] is JsonValue e && e.TryGetValue(out int epochs) && epochs >= 0)) return "'epochs_run' is not a count";
        foreach (string key in (string[])["train_loss", "test_error"])
            if (!NumberOrNull(o[key])) return $"'{key}' is not a number or null";
        if (o["probe_errors"] is not JsonArray probes || !probes.All(NumberOrNull)) return "'probe_errors' is not a list of numbers";
        return null;

        static bool NumberOrNull(JsonNode? n) => n is null || (n is JsonValue v && v.GetValueKind() == JsonValueKind.Number);
    }

    /// <summary>Appends one line to a run's attempts.log (a single write, so concurrent lines do not interleave).</summary>
    public static void AppendAttempt(string runDir, string what, string? detail = null)
    {
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:o} {what} host={ProcessIdentity.Host} pid={Environment.ProcessId}{(detail is null ? "" : " " + detail)}\n");
        var bytes = Encoding.UTF8.GetBytes(line);
        using var fs = new FileStream(Path.Combine(runDir, AttemptsFile), FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        fs.Write(bytes);
    }

    /// <summary>The manifest of a plan.</summary>
    public static JsonObject Manifest(SweepPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new JsonObject
        {
            ["format"] = "rhmlab-sweep",
            ["plan"] = plan.ToJson(),
            ["points"] = plan.Points.Count,
            ["runs"] = new JsonArray(plan.Points.Select(p => (JsonNode?)new JsonObject
            {
                ["index"] = p.Index,
                ["hash"] = p.Hash,
                ["point"] = p.Values.DeepClone(),
            }).ToArray()),
        };
    }

    internal static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    internal static string OneLine(string s)
    {
        int nl = s.IndexOf('\n');
        return (nl >= 0 ? s[..nl] : s).TrimEnd('\r');
    }
}
