namespace RhmLab.Experiments;

/// <summary>Live counters of a sweep, safe to read from another thread while it runs.</summary>
public sealed class SweepProgress
{
    private int _executed, _diverged, _skipped, _reused, _failed, _running, _busy;
    private long _firstStartTicks;
    private readonly int _jobs;
    private readonly double _estimatedTotal;
    private double _estimatedSettled, _estimatedExecuted, _measuredExecuted;
    private readonly Lock _estimates = new();

    internal SweepProgress(int total, int jobs = 1, double estimatedTotal = double.NaN)
    {
        Total = total;
        _jobs = Math.Max(1, jobs);
        _estimatedTotal = estimatedTotal;
    }

    /// <summary>
    /// Records a settled run's estimate (and, when it ran here, its measured seconds), so that the ETA is the cost
    /// model's estimate of what is left, scaled by how the model did on the runs finished so far.
    /// </summary>
    internal void Settle(double estimated, double? measured)
    {
        if (double.IsNaN(_estimatedTotal) || double.IsNaN(estimated)) return;
        lock (_estimates)
        {
            _estimatedSettled += estimated;
            if (measured is double m) { _estimatedExecuted += estimated; _measuredExecuted += m; }
        }
    }

    /// <summary>Runs in this sweep (the shard's share of the plan).</summary>
    public int Total { get; }
    /// <summary>Runs executed to the end here (diverged ones included).</summary>
    public int Executed => Volatile.Read(ref _executed);
    /// <summary>Of those, runs that diverged.</summary>
    public int Diverged => Volatile.Read(ref _diverged);
    /// <summary>Runs whose result was already there (or was written meanwhile by another process).</summary>
    public int Skipped => Volatile.Read(ref _skipped);
    /// <summary>Of the skipped runs, those whose record was copied from another folder (<c>--reuse</c>).</summary>
    public int Reused => Volatile.Read(ref _reused);
    /// <summary>Runs that threw.</summary>
    public int Failed => Volatile.Read(ref _failed);
    /// <summary>Runs executing now in this process.</summary>
    public int Running => Volatile.Read(ref _running);
    /// <summary>Runs left to another process's lock (only when not waiting for them).</summary>
    public int Elsewhere => Volatile.Read(ref _busy);
    /// <summary>Runs with a result: executed here or skipped.</summary>
    public int Done => Executed + Skipped;
    /// <summary>Runs with an outcome (done or failed), for a progress bar.</summary>
    public int Settled => Done + Failed + Elsewhere;

    /// <summary>
    /// Time left, from this process's throughput since its first run started; null before any run has ended here.
    /// </summary>
    public TimeSpan? Eta
    {
        get
        {
            int ran = Executed + Failed;
            long first = Interlocked.Read(ref _firstStartTicks);
            if (!double.IsNaN(_estimatedTotal))
            {
                lock (_estimates)
                {
                    double scale = _estimatedExecuted > 0 ? _measuredExecuted / _estimatedExecuted : 1;
                    return TimeSpan.FromSeconds(Math.Max(0, _estimatedTotal - _estimatedSettled) * scale / _jobs);
                }
            }
            if (ran == 0 || first == 0) return null;
            double seconds = (DateTime.UtcNow.Ticks - first) / (double)TimeSpan.TicksPerSecond;
            int left = Math.Max(0, Total - Settled);
            return TimeSpan.FromSeconds(seconds / ran * left);
        }
    }

    internal void Started()
    {
        Interlocked.CompareExchange(ref _firstStartTicks, DateTime.UtcNow.Ticks, 0);
        Interlocked.Increment(ref _running);
    }
    internal void Stopped() => Interlocked.Decrement(ref _running);
    internal void AddExecuted(bool diverged) { Interlocked.Increment(ref _executed); if (diverged) Interlocked.Increment(ref _diverged); }
    internal void AddSkipped() => Interlocked.Increment(ref _skipped);
    internal void AddReused() { Interlocked.Increment(ref _skipped); Interlocked.Increment(ref _reused); }
    internal void AddFailed() => Interlocked.Increment(ref _failed);
    internal void AddElsewhere() => Interlocked.Increment(ref _busy);
}
