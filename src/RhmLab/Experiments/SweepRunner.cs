using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RhmLab.Experiments;

/// <summary>How a sweep runs: where results go, how many runs at once, which shard, and the claim timeouts.</summary>
public sealed class SweepOptions
{
    /// <summary>Results folder: <c>sweep.json</c> and <c>runs/&lt;hash&gt;/</c>.</summary>
    public required string OutDir { get; init; }

    /// <summary>Runs executed at once (each run is single-threaded unless the plan sets <c>threads</c>).</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>The part of the plan to run (null: all of it).</summary>
    public SweepShard? Shard { get; init; }

    /// <summary>A claim whose heartbeat is older than this is abandoned, whatever host wrote it.</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often a held claim's heartbeat is rewritten (null: a quarter of <see cref="StaleAfter"/>, at most a minute).</summary>
    public TimeSpan? Heartbeat { get; init; }

    /// <summary>How often a run claimed by another process is looked at again.</summary>
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

    /// <summary>Whether the sweep writes the plan's manifest (a search writes its own once, not one per step).</summary>
    internal bool WriteManifest { get; init; } = true;

    /// <summary>Called on every change of a run's state, from the worker threads.</summary>
    public Action<SweepEvent>? OnEvent { get; init; }

    internal TimeSpan EffectiveHeartbeat =>
        Heartbeat ?? TimeSpan.FromTicks(Math.Clamp(StaleAfter.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromMinutes(1).Ticks));
}

/// <summary>What happened to a run in a sweep.</summary>
public enum SweepRunState
{
    /// <summary>A valid result was already there.</summary>
    Skipped,
    /// <summary>This process claimed it and started it.</summary>
    Started,
    /// <summary>It took over an abandoned claim (the detail says why).</summary>
    TakenOver,
    /// <summary>It finished here (possibly diverged: see the detail).</summary>
    Finished,
    /// <summary>It threw; error.json says why.</summary>
    Failed,
    /// <summary>The sweep was stopped while it ran; it will run again next time.</summary>
    Cancelled,
    /// <summary>Another live process holds its claim.</summary>
    Busy,
    /// <summary>Its result.json exists but is not a valid record (the detail names the file and the problem); it runs again.</summary>
    Invalid,
    /// <summary>The results folder refused a write (the detail says which); the sweep stops.</summary>
    StorageFailed,
}

/// <summary>A change of a run's state.</summary>
public sealed record SweepEvent(SweepPoint Point, SweepRunState State, string? Detail);

/// <summary>Live counters of a sweep, safe to read from another thread while it runs.</summary>
public sealed class SweepProgress
{
    private int _executed, _diverged, _skipped, _failed, _running, _busy;
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
    /// <summary>Runs that threw.</summary>
    public int Failed => Volatile.Read(ref _failed);
    /// <summary>Runs executing now in this process.</summary>
    public int Running => Volatile.Read(ref _running);
    /// <summary>Runs left to another process's claim (only when not waiting for them).</summary>
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
    internal void AddFailed() => Interlocked.Increment(ref _failed);
    internal void AddElsewhere() => Interlocked.Increment(ref _busy);
}

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

/// <summary>
/// Executes a plan's runs into a results folder, several at once, skipping finished runs and coordinating with other
/// processes through per-run claims (<see cref="RunClaim"/>), so any number of sweeps, shards or cluster jobs can
/// work on one folder and each run is executed once. A run that diverges is a finished run; a run that throws is
/// recorded in error.json and the sweep goes on. A results folder that cannot be written (full, read-only, gone)
/// stops the whole sweep: every later run would fail the same way, after computing for nothing.
/// </summary>
public sealed class SweepRunner
{
    private readonly SweepPlan _plan;
    private readonly SweepOptions _options;
    private readonly List<SweepPoint> _points;
    private readonly ConcurrentQueue<(string Hash, string Label, string Message)> _failures = new();
    private readonly ConcurrentDictionary<string, bool> _warned = new(StringComparer.Ordinal);
    private DateTime _startUtc;
    private CancellationTokenSource? _stop;
    private string? _storageError;

    /// <summary>Prepares a sweep of <paramref name="plan"/> (the shard's share of it).</summary>
    public SweepRunner(SweepPlan plan, SweepOptions options)
    {
        _plan = plan ?? throw new ArgumentNullException(nameof(plan));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        if (options.Jobs < 1 || options.Jobs > 1024) throw new ArgumentException($"--jobs: must be in 1..1024 (got {options.Jobs})");
        if (options.StaleAfter <= TimeSpan.Zero) throw new ArgumentException("--stale-after: must be positive");
        _points = plan.PointsOf(options.Shard).ToList();
        Progress = new SweepProgress(_points.Count, options.Jobs,
            options.EstimateSeconds is { } estimate ? _points.Sum(p => estimate(p)) : double.NaN);
    }

    /// <summary>Live counters.</summary>
    public SweepProgress Progress { get; }

    /// <summary>The runs of this sweep, in plan order.</summary>
    public IReadOnlyList<SweepPoint> Points => _points;

    /// <summary>Runs the sweep until every run is settled or <paramref name="cancel"/> fires; claims are always released.</summary>
    public SweepSummary Run(CancellationToken cancel = default)
    {
        _startUtc = DateTime.UtcNow;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        string outDir = _options.OutDir;
        Directory.CreateDirectory(Path.Combine(outDir, "runs"));
        if (_options.WriteManifest) WriteManifest(_plan, _options, outDir);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        _stop = stop;
        var queue = new ConcurrentQueue<SweepPoint>(_points);
        var waiting = new ConcurrentQueue<SweepPoint>();
        var workers = new Thread[Math.Min(_options.Jobs, Math.Max(1, _points.Count))];
        Exception? crash = null;
        for (int w = 0; w < workers.Length; w++)
        {
            workers[w] = new Thread(() =>
            {
                try { Work(queue, waiting, stop.Token); }
                catch (Exception e) { Interlocked.CompareExchange(ref crash, e, null); }
            })
            { IsBackground = true, Name = $"sweep-{w + 1}" };
            workers[w].Start();
        }
        foreach (var t in workers) t.Join();
        if (crash != null) throw new InvalidOperationException($"sweep: {crash.Message}", crash);

        var p = Progress;
        return new SweepSummary
        {
            PlanPoints = _plan.Points.Count,
            Total = p.Total,
            Executed = p.Executed,
            Diverged = p.Diverged,
            Skipped = p.Skipped,
            Failed = p.Failed,
            Elsewhere = p.Elsewhere,
            NotRun = Math.Max(0, p.Total - p.Settled),
            Cancelled = cancel.IsCancellationRequested,
            StorageError = Volatile.Read(ref _storageError),
            Elapsed = sw.Elapsed,
            Failures = _failures.OrderBy(f => f.Hash, StringComparer.Ordinal).ToList(),
        };
    }

    /// <summary>Writes sweep.json (every shard writes the same bytes, so concurrent writers are harmless).</summary>
    internal static void WriteManifest(SweepPlan plan, SweepOptions options, string outDir)
    {
        AtomicFile.DeleteAbandoned(outDir, SweepStore.ManifestFile, WriterGone, options.StaleAfter);
        try { AtomicFile.WriteAllText(Path.Combine(outDir, SweepStore.ManifestFile), SweepStore.Manifest(plan).ToJsonString(SweepStore.Indented) + "\n"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The temporary file's name in the system message would only confuse: say which file, and what to do.
            throw new IOException($"cannot write {SweepStore.ManifestFile} in '{outDir}' ({Reason(e)}); nothing was run: free space or fix permissions, then run the same command again", e);
        }
    }

    private void Work(ConcurrentQueue<SweepPoint> queue, ConcurrentQueue<SweepPoint> waiting, CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            if (queue.TryDequeue(out var point))
            {
                if (!Handle(point, cancel))
                {
                    if (_options.WaitForOthers) waiting.Enqueue(point);
                    else { Progress.AddElsewhere(); Emit(point, SweepRunState.Busy, null); }
                }
                continue;
            }
            if (!waiting.TryDequeue(out point)) return;
            if (!Handle(point, cancel))
            {
                waiting.Enqueue(point);
                cancel.WaitHandle.WaitOne(_options.PollInterval);
            }
        }
    }

    /// <summary>Settles one run if it can; false when another live process holds it.</summary>
    private bool Handle(SweepPoint point, CancellationToken cancel)
    {
        try { return TryHandle(point, cancel); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            StorageFailed(point, "its run folder", e);
            return true;
        }
    }

    private bool TryHandle(SweepPoint point, CancellationToken cancel)
    {
        string dir = SweepStore.RunDir(_options.OutDir, point.Hash);
        if (Finished(dir, point)) { Skip(point, dir); return true; }
        if (FailedElsewhere(dir, point)) return true;
        Directory.CreateDirectory(dir);
        var claim = RunClaim.TryAcquire(dir, _options.StaleAfter, _options.EffectiveHeartbeat, out var holder, out string? takenOver);
        if (claim is null)
        {
            Emit(point, SweepRunState.Busy, holder is null ? null : $"{holder.Host}:{holder.Pid}");
            return false;
        }
        using (claim)
        {
            // It may have been finished between the first look and the claim.
            if (Finished(dir, point)) { Skip(point, dir); return true; }
            if (FailedElsewhere(dir, point)) return true;
            if (takenOver != null) Emit(point, SweepRunState.TakenOver, takenOver);
            // Only the claim holder writes in the folder, so temporary files found now were left by a killed writer.
            foreach (string file in (string[])[SweepStore.ResultFile, SweepStore.ConfigFile, SweepStore.ErrorFile])
                AtomicFile.DeleteAbandoned(dir, file, WriterGone, _options.StaleAfter);
            SetAsideInvalidResult(dir);
            Execute(point, dir, cancel);
        }
        return true;
    }

    /// <summary>Whether the run has a valid record. A result.json that is not one is reported once, by name.</summary>
    private bool Finished(string dir, SweepPoint point)
    {
        if (SweepStore.TryReadResult(dir, point.Hash, out string? problem) != null) return true;
        if (problem != null && _warned.TryAdd(point.Hash, true))
            Emit(point, SweepRunState.Invalid, $"{Path.Combine(dir, SweepStore.ResultFile)}: {problem}; the run is not counted as finished and runs again");
        return false;
    }

    /// <summary>
    /// Renames an invalid result.json (one that is there although the run is not finished) to result.json.invalid, so
    /// that it stays for a look while no reader of results takes it for a record, even if the rerun fails. Called
    /// under the claim, because only then can no other process be writing a valid record at the same moment.
    /// </summary>
    private static void SetAsideInvalidResult(string dir)
    {
        string path = Path.Combine(dir, SweepStore.ResultFile);
        if (!File.Exists(path)) return;
        try { File.Move(path, path + ".invalid", overwrite: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private void Skip(SweepPoint point, string dir)
    {
        // A process killed after writing the result but before deleting its claim leaves the claim behind; taking it
        // over and releasing it at once removes it, and a claim of a live process is left alone.
        if (File.Exists(Path.Combine(dir, RunClaim.FileName)))
        {
            try { RunClaim.TryAcquire(dir, _options.StaleAfter, _options.EffectiveHeartbeat, out _, out _)?.Dispose(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        Progress.AddSkipped();
        Progress.Settle(Estimate(point), null);
        Emit(point, SweepRunState.Skipped, null);
    }

    /// <summary>
    /// A failure recorded by another process since this sweep began is that run's outcome for this sweep: running it
    /// again at once would execute it twice. Older failures are retried.
    /// </summary>
    private bool FailedElsewhere(string dir, SweepPoint point)
    {
        string path = Path.Combine(dir, SweepStore.ErrorFile);
        if (!File.Exists(path) || File.GetLastWriteTimeUtc(path) < _startUtc) return false;
        string message = "failed in another process";
        try
        {
            if (JsonNode.Parse(File.ReadAllText(path)) is JsonObject o && o["message"] is JsonValue m && m.TryGetValue(out string? text))
                message = text;
        }
        catch (Exception e) when (e is IOException or JsonException or FormatException or InvalidOperationException) { }
        Progress.AddFailed();
        Progress.Settle(Estimate(point), null);
        _failures.Enqueue((point.Hash, point.Label, message));
        Emit(point, SweepRunState.Failed, message);
        return true;
    }

    private void Execute(SweepPoint point, string dir, CancellationToken cancel)
    {
        Progress.Started();
        try
        {
            try
            {
                AtomicFile.WriteAllText(Path.Combine(dir, SweepStore.ConfigFile), new JsonObject
                {
                    ["format"] = "rhmlab-run-config",
                    ["run_hash"] = point.Hash,
                    ["point"] = point.Values.DeepClone(),
                    ["config"] = point.Config.ToJson(),
                }.ToJsonString(SweepStore.Indented) + "\n");
                SweepStore.AppendAttempt(dir, "started");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                StorageFailed(point, SweepStore.ConfigFile, e);
                return;
            }
            Emit(point, SweepRunState.Started, null);
            RunResult result;
            try
            {
                var execute = _options.Execute ?? ((run, ct) => RunExecutor.Execute(run, null, ct));
                result = execute(point.Run, cancel);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                TryAppend(dir, "cancelled");
                Emit(point, SweepRunState.Cancelled, null);
                return;
            }
            catch (Exception e)
            {
                string message = OneLine(e.Message);
                TryWriteError(dir, point, e);
                TryAppend(dir, "failed", $"error={e.GetType().Name}");
                Progress.AddFailed();
                Progress.Settle(Estimate(point), null);
                _failures.Enqueue((point.Hash, point.Label, message));
                Emit(point, SweepRunState.Failed, message);
                return;
            }
            var record = result.ToJson(curves: !_options.Compact);
            record["run_hash"] = point.Hash;
            record["sweep_point"] = point.Values.DeepClone();
            string text = _options.Compact ? record.ToJsonString() : record.ToJsonString(SweepStore.Indented);
            try { AtomicFile.WriteAllText(Path.Combine(dir, SweepStore.ResultFile), text + "\n"); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                TryAppend(dir, "failed", "error=result-not-written");
                StorageFailed(point, SweepStore.ResultFile, e);
                return;
            }
            TryDelete(Path.Combine(dir, SweepStore.ErrorFile));
            bool diverged = result.Outcome.Diverged;
            Progress.Settle(Estimate(point), result.WallSeconds);
            Progress.AddExecuted(diverged);
            Emit(point, SweepRunState.Finished, diverged ? $"diverged at epoch {result.Outcome.DivergedEpoch}" : null);
            // The record is safe; a log line that cannot be written only matters because the next write will fail too.
            try { SweepStore.AppendAttempt(dir, "finished", diverged ? "diverged=true" : "diverged=false"); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { StorageFailed(point, SweepStore.AttemptsFile, e); }
        }
        finally { Progress.Stopped(); }
    }

    /// <summary>
    /// The results folder refused a write: the first such failure stops the sweep (runs in progress are abandoned as
    /// on Ctrl-C and their claims released) and becomes <see cref="SweepSummary.StorageError"/>.
    /// </summary>
    private void StorageFailed(SweepPoint point, string what, Exception e)
    {
        string message = $"cannot write {what} of run {point.Hash} in '{_options.OutDir}' ({Reason(e)})";
        if (Interlocked.CompareExchange(ref _storageError, message, null) == null)
            Emit(point, SweepRunState.StorageFailed, message);
        try { _stop?.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    /// <summary>Whether the process with this PID is known to be gone (on this machine).</summary>
    private static bool WriterGone(int pid) => pid != Environment.ProcessId && ProcessIdentity.StartOf(pid) is null;

    private static void TryWriteError(string dir, SweepPoint point, Exception e)
    {
        try
        {
            AtomicFile.WriteAllText(Path.Combine(dir, SweepStore.ErrorFile), new JsonObject
            {
                ["format"] = "rhmlab-run-error",
                ["run_hash"] = point.Hash,
                ["point"] = point.Values.DeepClone(),
                ["error_type"] = e.GetType().FullName,
                ["message"] = OneLine(e.Message),
                ["detail"] = e.ToString(),
                ["host"] = ProcessIdentity.Host,
                ["pid"] = Environment.ProcessId,
                ["time_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            }.ToJsonString(SweepStore.Indented) + "\n");
        }
        catch (Exception we) when (we is IOException or UnauthorizedAccessException) { }
    }

    private static void TryAppend(string dir, string what, string? detail = null)
    {
        try { SweepStore.AppendAttempt(dir, what, detail); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private double Estimate(SweepPoint point) => _options.EstimateSeconds?.Invoke(point) ?? double.NaN;

    private void Emit(SweepPoint point, SweepRunState state, string? detail) => _options.OnEvent?.Invoke(new SweepEvent(point, state, detail));

    private static string OneLine(string s) => SweepStore.OneLine(s);

    /// <summary>
    /// The system's reason for a failed write ("No space left on device") without the " : 'path'" that .NET appends,
    /// because that path is usually a hidden temporary file; the caller names the real one.
    /// </summary>
    private static string Reason(Exception e)
    {
        string message = OneLine(e.Message);
        int at = message.LastIndexOf(" : '", StringComparison.Ordinal);
        return at > 0 && message.EndsWith('\'') ? message[..at] : message;
    }
}
