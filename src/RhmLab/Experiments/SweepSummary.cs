using System.Text.Json.Nodes;

namespace RhmLab.Experiments;

/// <summary>The outcome of a sweep.</summary>
public sealed class SweepSummary
{
    /// <summary>Points in the plan.</summary>
    public required int PlanPoints { get; init; }
    /// <summary>Runs in this sweep (the shard's share).</summary>
    public required int Total { get; init; }
    /// <summary>Runs executed here to the end.</summary>
    public required int Executed { get; init; }
    /// <summary>Of those, runs that diverged.</summary>
    public required int Diverged { get; init; }
    /// <summary>Runs already done.</summary>
    public required int Skipped { get; init; }
    /// <summary>Of the skipped runs, those copied from another results folder (<c>--reuse</c>).</summary>
    public int Reused { get; init; }
    /// <summary>Runs that threw (here, or in another process during this sweep).</summary>
    public required int Failed { get; init; }
    /// <summary>Runs left to another live process (only when not waiting for them).</summary>
    public required int Elsewhere { get; init; }
    /// <summary>Runs not finished because the sweep was stopped.</summary>
    public required int NotRun { get; init; }
    /// <summary>Whether the sweep was stopped before the end by its caller (a signal).</summary>
    public required bool Cancelled { get; init; }
    /// <summary>
    /// Why the sweep stopped early because the results folder refused a write (full, read-only, removed), or null.
    /// Runs finished before it are intact; their records were written whole or not at all.
    /// </summary>
    public string? StorageError { get; init; }
    /// <summary>Wall time.</summary>
    public required TimeSpan Elapsed { get; init; }
    /// <summary>Failed runs: hash, grid values and the error message.</summary>
    public required IReadOnlyList<(string Hash, string Label, string Message)> Failures { get; init; }

    /// <summary>The summary as JSON (the output of <c>rhmlab sweep --json</c>).</summary>
    public JsonObject ToJson() => new()
    {
        ["format"] = "rhmlab-sweep-summary",
        ["plan_points"] = PlanPoints,
        ["total"] = Total,
        ["finished"] = Executed,
        ["diverged"] = Diverged,
        ["skipped"] = Skipped,
        ["reused"] = Reused,
        ["failed"] = Failed,
        ["elsewhere"] = Elsewhere,
        ["not_run"] = NotRun,
        ["cancelled"] = Cancelled,
        ["storage_error"] = StorageError,
        ["seconds"] = Math.Round(Elapsed.TotalSeconds, 3),
        ["failures"] = new JsonArray(Failures.Select(f => (JsonNode?)new JsonObject
        {
            ["hash"] = f.Hash, ["point"] = f.Label, ["error"] = f.Message,
        }).ToArray()),
    };
}
