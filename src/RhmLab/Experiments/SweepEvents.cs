namespace RhmLab.Experiments;

/// <summary>What happened to a run in a sweep.</summary>
public enum SweepRunState
{
    /// <summary>A valid result was already there.</summary>
    Skipped,
    /// <summary>
    /// A valid record of the same run (same key) was found in another results folder and copied here instead of running
    /// it (<c>--reuse</c>; the detail names the run folder it came from). It counts as skipped.
    /// </summary>
    Reused,
    /// <summary>This process locked it and started it.</summary>
    Started,
    /// <summary>It took over an abandoned lock (the detail says why).</summary>
    TakenOver,
    /// <summary>It finished here (possibly diverged: see the detail).</summary>
    Finished,
    /// <summary>It threw; error.json says why.</summary>
    Failed,
    /// <summary>The sweep was stopped while it ran; it will run again next time.</summary>
    Cancelled,
    /// <summary>Another live process holds its lock.</summary>
    Busy,
    /// <summary>Its result.json exists but is not a valid record (the detail names the file and the problem); it runs again.</summary>
    Invalid,
    /// <summary>The results folder refused a write (the detail says which); the sweep stops.</summary>
    StorageFailed,
}

/// <summary>A change of a run's state.</summary>
public sealed record SweepEvent(SweepPoint Point, SweepRunState State, string? Detail);
