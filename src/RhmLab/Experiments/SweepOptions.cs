namespace RhmLab.Experiments;

/// <summary>How a sweep runs: where results go, how many runs at once, which shard, and the lock timeouts.</summary>
public sealed class SweepOptions
{
    /// <summary>Results folder: <c>sweep.json</c> and <c>runs/&lt;hash&gt;/</c>.</summary>
    public required string OutDir { get; init; }

    /// <summary>Runs executed at once (each run is single-threaded unless the plan sets <c>threads</c>).</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>The part of the plan to run (null: all of it).</summary>
    public SweepShard? Shard { get; init; }

    /// <summary>A lock whose heartbeat is older than this is abandoned, whatever host wrote it.</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often a held lock's heartbeat is rewritten (null: a quarter of <see cref="StaleAfter"/>, at most a minute).</summary>
    public TimeSpan? Heartbeat { get; init; }

    /// <summary>How often a run locked by another process is looked at again.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether to wait for runs another live process is executing (so that when the sweep returns, every run of the
    /// shard is finished or failed); otherwise they are reported as running elsewhere.
    /// </summary>
    public bool WaitForOthers { get; init; } = true;

    /// <summary>Executes one run (null: <see cref="RunExecutor.Execute"/>); tests substitute it to count or fail runs.</summary>
    public Func<ResolvedRun, CancellationToken, RunResult>? Execute { get; init; }

    /// <summary>
    /// Write compact records: no learning curves, no indentation (a tenth of the size), for results kept in a
    /// repository. Everything the analyses read is kept; the curves can be recomputed by running the config again.
    /// </summary>
    public bool Compact { get; init; }

    /// <summary>
    /// The estimated core-seconds of a run (<see cref="CostModel"/>), for the ETA; null: the ETA comes from this
    /// process's throughput alone.
    /// </summary>
    public Func<SweepPoint, double>? EstimateSeconds { get; init; }

    /// <summary>
    /// Records in other results folders that may stand for this sweep's runs (<c>--reuse</c>): a run with no record
    /// here whose key has a valid record there is copied, not run (<see cref="SweepRunState.Reused"/>). Null: none.
    /// </summary>
    public RecordIndex? Reuse { get; init; }

    /// <summary>Whether the sweep writes the plan's manifest (a search writes its own once, not one per step).</summary>
    internal bool WriteManifest { get; init; } = true;

    /// <summary>Called on every change of a run's state, from the worker threads.</summary>
    public Action<SweepEvent>? OnEvent { get; init; }

    internal TimeSpan EffectiveHeartbeat =>
        Heartbeat ?? TimeSpan.FromTicks(Math.Clamp(StaleAfter.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromMinutes(1).Ticks));
}
