using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using RhmLab.Experiments;
using Spectre.Console;

namespace RhmLab.Cli;

/// <summary><c>rhmlab sweep</c>: run every point of a plan into a results folder, resumably and in parallel.</summary>
internal static class SweepCommand
{
    /// <summary>Exit code when some run failed.</summary>
    public const int RunsFailed = 1;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var plan = new Argument<string>("plan") { Description = "Sweep plan (JSON; see docs/SWEEPS.md)" };
        var output = new Option<string>("--out") { Description = "Results folder (sweep.json, runs/<hash>/result.json)", Required = true };
        var jobs = new Option<int>("--jobs") { Description = "Runs executed at once (each on one thread)", DefaultValueFactory = _ => 1 };
        var shard = new Option<string?>("--shard") { Description = "Run only shard i of n (i/n, 1 <= i <= n): the points with index mod n = i-1" };
        var json = new Option<bool>("--json") { Description = "Print one JSON summary on stdout (progress goes to stderr)" };
        var staleAfter = new Option<double>("--stale-after") { Description = "Seconds after which a lock without heartbeat is taken over", DefaultValueFactory = _ => 600 };
        var noWait = new Option<bool>("--no-wait") { Description = "Do not wait for runs that other processes are executing" };
        var dryRun = new Option<bool>("--dry-run") { Description = "List the runs and their state; run nothing" };
        var compact = new Option<bool>("--compact") { Description = "Write compact run records (no learning curves, no indentation), e.g. for results kept in a repository" };
        var reuse = ReuseOption();

        var cmd = new Command("sweep", "Run a sweep plan: every point once, in parallel, resumable, shardable");
        cmd.Arguments.Add(plan);
        foreach (var o in new Option[] { output, jobs, shard, json, staleAfter, noWait, dryRun, compact, reuse, PluginOption.Create() }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            string planPath = parse.GetValue(plan)!;
            var sweepPlan = SweepPlan.Load(planPath);
            string? shardText = parse.GetValue(shard);
            var part = shardText is null ? null : SweepShard.Parse(shardText);
            int jobCount = parse.GetValue(jobs);
            if (jobCount < 1 || jobCount > 1024) throw new ArgumentException($"--jobs: must be in 1..1024 (got {jobCount})");
            double stale = parse.GetValue(staleAfter);
            if (!(stale > 0) || double.IsInfinity(stale)) throw new ArgumentException($"--stale-after: must be a positive number of seconds (got {stale})");
            string outDir = parse.GetValue(output)!;
            bool asJson = parse.GetValue(json);
            var reuseIndex = ReuseIndex(parse.GetValue(reuse));
            if (parse.GetValue(dryRun)) return DryRun(stdout, stderr, sweepPlan, part, outDir, asJson, reuseIndex);
            PrepareFolder(outDir);
            // The calibration only feeds the ETA: a sweep runs without it.
            CostCalibration? calibration = null;
            try { calibration = CostCalibration.LoadOrMeasure(asJson ? stderr : stdout); }
            catch (Exception e) when (e is not OperationCanceledException) { stderr.WriteLine($"sweep: no cost calibration ({CliApp.OneLine(e.Message)}); the ETA comes from throughput"); }
            return new SweepSession(stdout, stderr, asJson).Run(sweepPlan, planPath, part, new SweepOptions
            {
                OutDir = outDir, Jobs = jobCount, Shard = part, StaleAfter = TimeSpan.FromSeconds(stale),
                WaitForOthers = !parse.GetValue(noWait), Compact = parse.GetValue(compact), Reuse = reuseIndex,
                EstimateSeconds = calibration is null ? null : p => CostModel.Estimate(p.Run, calibration).Seconds,
            });
        });
        return cmd;
    }

    /// <summary><c>--reuse</c>, shared by sweep and reproduce.</summary>
    internal static Option<string[]> ReuseOption() => new("--reuse")
    {
        Description = "Another results folder (searched for runs/<hash>/ at any depth; repeatable): a run with no record here whose key has a valid record there is copied, not run again (the same key is the same configuration, and a run is deterministic for it)",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>The records of the <c>--reuse</c> folders, listed before anything runs; each must be an existing folder.</summary>
    internal static RecordIndex? ReuseIndex(string[]? folders)
    {
        if (folders is null || folders.Length == 0) return null;
        return new RecordIndex(folders);
    }

    internal static void PrepareFolder(string dir)
    {
        try { Directory.CreateDirectory(Path.Combine(dir, "runs")); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        { throw new ArgumentException($"--out: cannot create folder '{dir}' ({e.Message})"); }
        DataCommand.CheckWritable(Path.Combine(dir, SweepStore.ManifestFile), "--out");
    }

    private static int DryRun(TextWriter w, TextWriter log, SweepPlan plan, SweepShard? shard, string outDir, bool asJson, RecordIndex? reuse)
    {
        var calibration = CostCommand.LoadCalibration(log, out var calibrationNotes);
        var estimate = PlanEstimate.Of(plan, calibration, outDir, shard, reuse);
        if (plan.Search != null) return SearchDryRun(w, plan, shard, outDir, asJson, estimate, (calibration, calibrationNotes));
        var rows = new JsonArray();
        var seconds = estimate.Runs.ToDictionary(r => r.Point.Hash, r => r.Cost.Seconds, StringComparer.Ordinal);
        foreach (var p in plan.PointsOf(shard))
        {
            string dir = SweepStore.RunDir(outDir, p.Hash);
            string state = SweepStore.TryReadResult(dir, p.Hash, out string? problem) != null ? "done"
                : reuse?.Find(p.Hash, dir, out _) != null ? "reuse"
                : problem != null ? "invalid"
                : File.Exists(Path.Combine(dir, RunLock.FileName)) ? "claimed"
                : File.Exists(Path.Combine(dir, SweepStore.ErrorFile)) ? "failed" : "todo";
            rows.Add(new JsonObject { ["index"] = p.Index, ["hash"] = p.Hash, ["state"] = state, ["point"] = p.Values.DeepClone(), ["estimated_seconds"] = Math.Round(seconds[p.Hash], 2) });
            if (!asJson) w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.Index,5} {p.Hash} {state,-7} {seconds[p.Hash],8:F1}s {p.Label}"));
        }
        return FinishDryRun(w, asJson, plan, estimate, (calibration, calibrationNotes), "run_list", rows,
            $"sweep: {rows.Count} runs{(shard is null ? "" : $" in shard {shard} of {plan.Points.Count} points")}; nothing was run (--dry-run)");
    }

    /// <summary>A dry run's closing: the JSON object (estimate, plan size and the listed rows) or the summary lines.</summary>
    private static int FinishDryRun(TextWriter w, bool asJson, SweepPlan plan, PlanEstimate estimate, (CostCalibration Value, IReadOnlyList<string> Notes) calibration, string listKey, JsonArray rows, string summary)
    {
        if (asJson)
        {
            var o = EstimateJson(estimate);
            CostCommand.AddCalibration(o, calibration.Value, calibration.Notes);
            o["plan_points"] = plan.Points.Count;
            o[listKey] = rows;
            w.WriteLine(o.ToJsonString());
        }
        else
        {
            w.WriteLine(summary);
            w.WriteLine(EstimateLine(estimate));
        }
        return 0;
    }

    /// <summary>The estimate fields of a dry run's JSON: <c>runs</c>, <c>estimated_core_hours</c> and what is left.</summary>
    internal static JsonObject EstimateJson(PlanEstimate e) => new()
    {
        ["runs"] = e.Runs.Count,
        ["runs_done"] = e.Runs.Count(r => r.Done),
        ["estimated_core_hours"] = e.CoreHours,
        ["remaining_core_hours"] = e.RemainingCoreHours,
        ["expected_runs"] = e.Search,
    };

    internal static string EstimateLine(PlanEstimate e) => string.Create(CultureInfo.InvariantCulture,
        $"estimate: {e.Runs.Count} {(e.Search ? "expected " : "")}runs, {e.CoreHours:F2} core-hours ({e.RemainingCoreHours:F2} left, {e.Runs.Count(r => r.Done)} runs done); docs/COST.md says how it is made and how close it comes");

    /// <summary>A search plan's dry run: each configuration's finished sizes, seed-mean errors and next step.</summary>
    private static int SearchDryRun(TextWriter w, SweepPlan plan, SweepShard? shard, string outDir, bool asJson, PlanEstimate estimate, (CostCalibration Value, IReadOnlyList<string> Notes) calibration)
    {
        var search = plan.Search!;
        var rows = new JsonArray();
        var units = SearchRunner.UnitsOf(plan).Where(u => shard is null || shard.Contains(u.Index)).ToList();
        foreach (var unit in units)
        {
            var state = SearchRunner.State(unit, search, outDir);
            var step = state.Step;
            rows.Add(new JsonObject
            {
                ["index"] = unit.Index, ["configuration"] = unit.Label, ["seeds"] = unit.Seeds.Count,
                ["status"] = step.Status, ["next_train"] = step.Next, ["below"] = step.Below, ["above"] = step.Above,
                ["levels"] = new JsonArray(state.Levels.Select(l => (JsonNode?)new JsonObject { ["train"] = l.Train, ["mean_error"] = l.MeanError }).ToArray()),
            });
            if (!asJson)
            {
                string levels = string.Join(" ", state.Levels.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Train}:{l.MeanError:F3}")));
                w.WriteLine($"{unit.Index,5} {step.Status,-13} next={(step.Next?.ToString(CultureInfo.InvariantCulture) ?? "-"),-7} {unit.Label} [{levels}]");
            }
        }
        return FinishDryRun(w, asJson, plan, estimate, calibration, "configurations", rows,
            $"sweep: P* search of {rows.Count} configurations (threshold {search.Threshold.ToString(CultureInfo.InvariantCulture)} of chance, {search.Measure}); nothing was run (--dry-run)");
    }

    /// <summary>Compact durations for progress lines: 42s, 3m10s, 2h05m.</summary>
    internal static string Duration(TimeSpan? t)
    {
        if (t is not TimeSpan d) return "?";
        var ci = CultureInfo.InvariantCulture;
        if (d.TotalSeconds < 60) return ((int)Math.Round(d.TotalSeconds)).ToString(ci) + "s";
        if (d.TotalMinutes < 60) return string.Create(ci, $"{(int)d.TotalMinutes}m{d.Seconds:00}s");
        return string.Create(ci, $"{(int)d.TotalHours}h{d.Minutes:00}m");
    }

    /// <summary>One invocation: signal handling, the progress display and the summary.</summary>
    internal sealed class SweepSession
    {
        private readonly TextWriter _stdout;
        private readonly TextWriter _stderr;
        private readonly TextWriter _progress;
        private readonly bool _json;
        private readonly Lock _write = new();
        private readonly ConcurrentQueue<string> _notes = new();

        public SweepSession(TextWriter stdout, TextWriter stderr, bool json)
        {
            _stdout = stdout;
            _stderr = stderr;
            _json = json;
            _progress = json ? stderr : stdout;
        }

        public int Run(SweepPlan plan, string planPath, SweepShard? shard, SweepOptions baseOptions)
        {
            using var cts = new CancellationTokenSource();
            int signal = 0;
            void OnSignal(PosixSignalContext ctx)
            {
                // The first signal stops the sweep cleanly (locks released); a second one ends the process at once.
                if (Interlocked.CompareExchange(ref signal, (int)ctx.Signal, 0) != 0) return;
                ctx.Cancel = true;
                _notes.Enqueue($"sweep: {(ctx.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "interrupt")}: stopping; running runs are abandoned and their locks released");
                cts.Cancel();
            }
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

            var options = new SweepOptions
            {
                OutDir = baseOptions.OutDir, Jobs = baseOptions.Jobs, Shard = baseOptions.Shard, StaleAfter = baseOptions.StaleAfter,
                WaitForOthers = baseOptions.WaitForOthers, OnEvent = OnEvent, Compact = baseOptions.Compact,
                EstimateSeconds = baseOptions.EstimateSeconds, Reuse = baseOptions.Reuse,
            };
            SweepSummary? summary = null;
            Exception? error = null;
            Thread worker;
            if (plan.Search is { } search)
            {
                var searcher = new SearchRunner(plan, options);
                Line($"sweep: {planPath}: P* search ({search.Measure}) of {searcher.Units.Count} configurations{(shard is null ? "" : $" (shard {shard})")}, {plan.Points.Count / Math.Max(1, SearchRunner.UnitsOf(plan).Count)} seeds each; {options.Jobs} at once; results in {options.OutDir}");
                worker = new Thread(() =>
                {
                    try { summary = searcher.Run(cts.Token); }
                    catch (Exception e) { error = e; }
                }) { IsBackground = true, Name = "search" };
                worker.Start();
                ShowLines(worker, () => searcher.Status());
            }
            else
            {
                var runner = new SweepRunner(plan, options);
                var p = runner.Progress;
                Line($"sweep: {planPath}: {plan.Points.Count} points{(shard is null ? "" : $", shard {shard}: {p.Total} runs")}; {options.Jobs} at once; results in {options.OutDir}");
                worker = new Thread(() =>
                {
                    try { summary = runner.Run(cts.Token); }
                    catch (Exception e) { error = e; }
                }) { IsBackground = true, Name = "sweep" };
                worker.Start();
                if (Interactive()) ShowBar(worker, p);
                else ShowLines(worker, () => Status(p));
            }
            worker.Join();
            FlushNotes();
            if (error != null) throw error;
            return Finish(summary!, signal, baseOptions.OutDir);
        }

        private bool Interactive() =>
            !_json && ReferenceEquals(_stdout, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

        private void OnEvent(SweepEvent e)
        {
            string who = $"{e.Point.Hash} ({e.Point.Label})";
            switch (e.State)
            {
                case SweepRunState.Failed:
                    _notes.Enqueue($"sweep: run {who} failed: {e.Detail}");
                    break;
                case SweepRunState.Finished when e.Detail != null:
                    _notes.Enqueue($"sweep: run {who} {e.Detail}");
                    break;
                case SweepRunState.TakenOver:
                    _notes.Enqueue($"sweep: run {who}: took over an abandoned lock ({e.Detail})");
                    break;
                case SweepRunState.Invalid:
                    _notes.Enqueue($"sweep: warning: {e.Detail}");
                    break;
                case SweepRunState.StorageFailed:
                    _notes.Enqueue($"sweep: {e.Detail}: stopping");
                    break;
            }
        }

        private string Status(SweepProgress p) =>
            $"{p.Done}/{p.Total} done, {p.Running} running, {p.Failed} failed, eta {Duration(p.Total == p.Settled ? TimeSpan.Zero : p.Eta)}";

        /// <summary>Plain lines for logs and batch jobs: on change at most every 5 s, and at least every minute.</summary>
        private void ShowLines(Thread worker, Func<string> statusOf)
        {
            var last = DateTime.UtcNow;
            string lastStatus = "";
            while (!worker.Join(200))
            {
                FlushNotes();
                var now = DateTime.UtcNow;
                string status = statusOf();
                if ((status != lastStatus && now - last >= TimeSpan.FromSeconds(5)) || now - last >= TimeSpan.FromMinutes(1))
                {
                    Line("sweep: " + status);
                    last = now;
                    lastStatus = status;
                }
            }
        }

        private void ShowBar(Thread worker, SweepProgress p)
        {
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new ProgressBarColumn(), new PercentageColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new SpinnerColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask(Status(p), maxValue: Math.Max(1, p.Total));
                    while (!worker.Join(250))
                    {
                        while (_notes.TryDequeue(out string? note)) AnsiConsole.WriteLine(note);
                        task.Value = p.Settled;
                        task.Description = Markup.Escape(Status(p));
                        ctx.Refresh();
                    }
                    task.Value = p.Settled;
                    task.Description = Markup.Escape(Status(p));
                });
        }

        private int Finish(SweepSummary s, int signal, string outDir)
        {
            var parts = new List<string> { $"{s.Executed} finished{(s.Diverged > 0 ? $" ({s.Diverged} diverged)" : "")}", (s.Reused > 0 ? $"{s.Skipped} skipped (already done; {s.Reused} of them copied from --reuse folders)" : $"{s.Skipped} skipped (already done)"), $"{s.Failed} failed" };
            if (s.Elsewhere > 0) parts.Add($"{s.Elsewhere} running elsewhere");
            bool stopped = s.Cancelled || s.StorageError != null;
            Line($"sweep: {(stopped ? "stopped" : "done")} in {Duration(s.Elapsed)}: {string.Join(", ", parts)}");
            if (stopped && s.NotRun > 0) Line($"sweep: {s.NotRun} runs not finished; run the same command again to continue");
            if (s.Failures.Count > 0)
            {
                Line($"sweep: failed runs (details in {Path.Combine(outDir, "runs", "<hash>", SweepStore.ErrorFile)}):");
                foreach (var f in s.Failures) Line($"  {f.Hash} {f.Label}: {f.Message}");
            }
            if (_json)
            {
                lock (_write) { _stdout.WriteLine(s.ToJson().ToJsonString()); _stdout.Flush(); }
            }
            if (s.StorageError != null)
            {
                // One line, as for every error the user has to fix; what finished before is intact and is skipped next time.
                _stderr.WriteLine($"rhmlab: error: sweep stopped: {s.StorageError}; finished runs are intact: free space or fix permissions, then run the same command again");
                _stderr.Flush();
                return CliApp.UserError;
            }
            if (signal != 0) return 128 + (signal == (int)PosixSignal.SIGTERM ? 15 : 2);
            return s.Failed > 0 ? RunsFailed : 0;
        }

        private void FlushNotes()
        {
            while (_notes.TryDequeue(out string? note)) Line(note);
        }

        private void Line(string text)
        {
            lock (_write)
            {
                _progress.WriteLine(text);
                _progress.Flush();
            }
        }
    }
}
