using System.Collections.Concurrent;
using RhmLab.IO;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RhmLab.Experiments;

/// <summary>
/// Executes a plan's runs into a results folder, several at once, skipping finished runs and coordinating with other
/// processes through per-run locks (<see cref="RunLock"/>), so any number of sweeps, shards or cluster jobs can
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

    /// <summary>Runs the sweep until every run is settled or <paramref name="cancel"/> fires; locks are always released.</summary>
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
            Reused = p.Reused,
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
        var runLock = RunLock.TryAcquire(dir, _options.StaleAfter, _options.EffectiveHeartbeat, out var holder, out string? takenOver);
        if (runLock is null)
        {
            Emit(point, SweepRunState.Busy, holder is null ? null : $"{holder.Host}:{holder.Pid}");
            return false;
        }
        using (runLock)
        {
            // It may have been finished between the first look and the lock.
            if (Finished(dir, point)) { Skip(point, dir); return true; }
            if (FailedElsewhere(dir, point)) return true;
            if (takenOver != null) Emit(point, SweepRunState.TakenOver, takenOver);
            // Only the lock holder writes in the folder, so temporary files found now were left by a killed writer.
            foreach (string file in (string[])[SweepStore.ResultFile, SweepStore.ConfigFile, SweepStore.ErrorFile])
                AtomicFile.DeleteAbandoned(dir, file, WriterGone, _options.StaleAfter);
            SetAsideInvalidResult(dir);
            if (TryReuse(point, dir)) return true;
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
    /// under the lock, because only then can no other process be writing a valid record at the same moment.
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
        // A process killed after writing the result but before deleting its lock leaves the lock behind; taking it
        // over and releasing it at once removes it, and a lock of a live process is left alone.
        if (File.Exists(Path.Combine(dir, RunLock.FileName)))
        {
            try { RunLock.TryAcquire(dir, _options.StaleAfter, _options.EffectiveHeartbeat, out _, out _)?.Dispose(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        Progress.AddSkipped();
        Progress.Settle(Estimate(point), null);
        Emit(point, SweepRunState.Skipped, null);
    }

    /// <summary>
    /// Copies the record of the same run from another results folder (<see cref="SweepOptions.Reuse"/>), if there is
    /// one, as this folder's record: the same fields but for <c>sweep_point</c>, which becomes this plan's, and
    /// <c>reused_from</c>, the run folder it came from (relative to this results folder); under <c>--compact</c> a full
    /// record's curves become checkpoints. Called under the lock, like a run.
    /// </summary>
    private bool TryReuse(SweepPoint point, string dir)
    {
        if (_options.Reuse is not { IsEmpty: false } index) return false;
        var record = index.Find(point.Hash, dir, out string? source);
        if (record is null) return false;
        record["sweep_point"] = point.Values.DeepClone();
        // Relative to this results folder, so that the record names no path of the machine that copied it.
        record["reused_from"] = Path.GetRelativePath(_options.OutDir, source!).Replace('\\', '/');
        if (_options.Compact) RunResult.MakeCompact(record);
        string text = _options.Compact ? record.ToJsonString() : record.ToJsonString(SweepStore.Indented);
        try
        {
            AtomicFile.WriteAllText(Path.Combine(dir, SweepStore.ResultFile), text + "\n");
            SweepStore.AppendAttempt(dir, "reused", $"from={source}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            StorageFailed(point, SweepStore.ResultFile, e);
            return true;
        }
        TryDelete(Path.Combine(dir, SweepStore.ErrorFile));
        Progress.AddReused();
        Progress.Settle(Estimate(point), null);
        Emit(point, SweepRunState.Reused, source);
        return true;
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
    /// on Ctrl-C and their locks released) and becomes <see cref="SweepSummary.StorageError"/>.
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
