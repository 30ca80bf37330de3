using System.Text.Json.Nodes;

namespace RhmLab.Experiments;

/// <summary>One configuration of a search plan: its grid values without the seed, and one plan point per seed.</summary>
/// <param name="Index">Position among the plan's configurations (shards split configurations, not runs).</param>
/// <param name="Label">"rule=bp nmv=4": the grid values other than the seed.</param>
/// <param name="Seeds">The plan's points of this configuration, one per seed, at the first P.</param>
/// <param name="Start">The first P.</param>
/// <param name="Min">The smallest P.</param>
/// <param name="Max">The largest P.</param>
public sealed record SearchUnit(int Index, string Label, IReadOnlyList<SweepPoint> Seeds, long Start, long Min, long Max);

/// <summary>What the results folder says of one configuration's search.</summary>
/// <param name="Unit">The configuration.</param>
/// <param name="Levels">Every P whose runs have all finished, with its seed-mean error, in the order run.</param>
/// <param name="Step">Where the search stands.</param>
/// <param name="Threshold">The absolute error threshold, threshold·(1 − 1/n_c).</param>
public sealed record SearchState(SearchUnit Unit, IReadOnlyList<SearchLevel> Levels, SearchStep Step, double Threshold);

/// <summary>
/// Runs a plan with <c>"search"</c>: for each configuration (the grid less the seed) it replays the search from the
/// finished records (<see cref="PStarSearch.Next"/>), runs every seed at the next P through <see cref="SweepRunner"/>
/// (locks, exactly-once, resumption and storage checks as in any sweep), and repeats until every configuration's
/// bracket is narrow or censored. All state is in the results folder: a killed search, a second process or another
/// shard (shards split configurations) continues from what is there, and the runs are ordinary run records.
/// </summary>
public sealed class SearchRunner
{
    private readonly SweepPlan _plan;
    private readonly SweepOptions _options;

    /// <summary>Prepares the search of a plan that has a <c>search</c> block.</summary>
    public SearchRunner(SweepPlan plan, SweepOptions options)
    {
        _plan = plan ?? throw new ArgumentNullException(nameof(plan));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        if (plan.Search is null) throw new ArgumentException("plan: has no \"search\" block");
        Units = UnitsOf(plan).Where(u => options.Shard is null || options.Shard.Contains(u.Index)).ToList();
    }

    /// <summary>The configurations this process searches (the shard's share).</summary>
    public IReadOnlyList<SearchUnit> Units { get; }

    /// <summary>The plan's configurations: its points grouped by every grid value except the seed, in plan order.</summary>
    public static IReadOnlyList<SearchUnit> UnitsOf(SweepPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var search = plan.Search ?? throw new ArgumentException("plan: has no \"search\" block");
        // Plan order, with a lookup by configuration: a plan may have up to 100 000 points.
        var groups = new List<(string Label, List<SweepPoint> Points)>();
        var byKey = new Dictionary<string, List<SweepPoint>>(StringComparer.Ordinal);
        foreach (var p in plan.Points)
        {
            var values = (JsonObject)p.Values.DeepClone();
            values.Remove("seed");
            string key = RunHash.Canonical(values);
            if (byKey.TryGetValue(key, out var points)) { points.Add(p); continue; }
            byKey[key] = points = [p];
            groups.Add((SweepPlan.Label(values), points));
        }
        return groups.Select((g, i) =>
        {
            var run = g.Points[0].Run;
            var (start, min, max, _) = PStarSearch.Range(run.Rhm, search, run.Test, run.ProbeStop ? run.Config.Training.ProbeStop.Data : 0);
            return new SearchUnit(i, g.Label, g.Points, start, min, max);
        }).ToList();
    }

    /// <summary>The runs of a configuration at one P: every seed's point with <c>train</c> = P.</summary>
    public static IReadOnlyList<SweepPoint> RunsAt(SearchUnit unit, long train)
    {
        ArgumentNullException.ThrowIfNull(unit);
        return unit.Seeds.Select(p =>
        {
            var config = p.Config.Clone();
            config.Data.Train = train;
            var values = (JsonObject)p.Values.DeepClone();
            values["train"] = train;
            return new SweepPoint(p.Index, values, config, ResolvedRun.Resolve(config), RunHash.Of(config), SweepPlan.Label(values));
        }).ToList();
    }

    /// <summary>
    /// Replays a configuration's search from the finished records in <paramref name="outDir"/>: from the first P, each
    /// size whose seeds have all finished gives a level and the next size; the first size not finished is the next
    /// step. A run without the searched error (a record with no probe, say) stops with an error naming it.
    /// </summary>
    public static SearchState State(SearchUnit unit, PStarSearchOptions search, string outDir)
    {
        ArgumentNullException.ThrowIfNull(unit);
        ArgumentNullException.ThrowIfNull(search);
        var run0 = unit.Seeds[0].Run;
        double threshold = search.Threshold * run0.ChanceError;
        var levels = new List<SearchLevel>();
        while (true)
        {
            var step = PStarSearch.Next(levels, threshold, unit.Start, unit.Min, unit.Max, search.Factor, search.Ratio);
            if (step.Next is not long p) return new SearchState(unit, levels, step, threshold);
            double sum = 0;
            foreach (var point in RunsAt(unit, p))
            {
                var record = SweepStore.TryReadResult(SweepStore.RunDir(outDir, point.Hash), point.Hash);
                if (record is null) return new SearchState(unit, levels, step, threshold);
                sum += ErrorOf(record, search.Measure, point);
            }
            levels.Add(new SearchLevel(p, sum / unit.Seeds.Count));
        }
    }

    /// <summary>The searched error of a finished record; a diverged run without one counts at chance, as in <c>rhmlab pstar</c>.</summary>
    internal static double ErrorOf(JsonObject record, string measure, SweepPoint point)
    {
        double? value = measure == "network"
            ? Number(record["network_test_error"])
            : record["probe_errors"] is JsonArray a && a.Count > 0 ? Number(a[^1]) : null;
        if (value is double v) return v;
        if (record["diverged"] is JsonValue d && d.TryGetValue(out bool diverged) && diverged) return point.Run.ChanceError;
        throw new InvalidOperationException($"search: run {point.Hash} ({point.Label}) has no {(measure == "network" ? "network test error (search.measure network is for supervised rules)" : "top-layer probe error (probe none?)")}");

        static double? Number(JsonNode? n) => n is JsonValue v && v.TryGetValue(out double x) ? x : null;
    }

    /// <summary>Configurations not settled when <see cref="Run"/> returned (stopped, or set aside after a failed run).</summary>
    public int Unsettled { get; private set; }

    private SweepProgress? _step;
    private int _settled, _steps;

    /// <summary>
    /// A progress line: configurations settled, the current step's runs (every unsettled configuration at its next
    /// P) and their estimated time left.
    /// </summary>
    public string Status()
    {
        var p = Volatile.Read(ref _step);
        string step = p is null ? "starting" : $"step {Volatile.Read(ref _steps)}: {p.Done}/{p.Total} runs done, {p.Running} running, {p.Failed} failed";
        return $"search: {Volatile.Read(ref _settled)}/{Units.Count} configurations settled; {step}";
    }

    /// <summary>Searches until every configuration is settled, the sweep is stopped, a run fails or the folder refuses a write.</summary>
    public SweepSummary Run(CancellationToken cancel = default)
    {
        var search = _plan.Search!;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Directory.CreateDirectory(Path.Combine(_options.OutDir, "runs"));
        SweepRunner.WriteManifest(_plan, _options, _options.OutDir);
        int executed = 0, diverged = 0, skipped = 0, reused = 0, failed = 0, elsewhere = 0, total = 0;
        var failures = new List<(string, string, string)>();
        string? storage = null;
        var inner = new SweepOptions
        {
            OutDir = _options.OutDir, Jobs = _options.Jobs, StaleAfter = _options.StaleAfter, Heartbeat = _options.Heartbeat,
            PollInterval = _options.PollInterval, WaitForOthers = _options.WaitForOthers, Execute = _options.Execute,
            OnEvent = _options.OnEvent, WriteManifest = false, Compact = _options.Compact, EstimateSeconds = _options.EstimateSeconds,
            Reuse = _options.Reuse,
        };
        // Configurations with a failed run are set aside (their size cannot finish), the others go on; a step that
        // settles nothing and leaves the same runs pending would repeat forever, and is an error.
        var blocked = new HashSet<int>();
        string? previous = null;
        int unsettled = 0;
        while (!cancel.IsCancellationRequested)
        {
            var pending = new List<SweepPoint>();
            var owner = new Dictionary<string, int>(StringComparer.Ordinal);
            unsettled = 0;
            foreach (var unit in Units)
            {
                var state = State(unit, search, _options.OutDir);
                if (state.Step.Next is not long p) continue;
                unsettled++;
                if (blocked.Contains(unit.Index)) continue;
                foreach (var point in RunsAt(unit, p)) { pending.Add(point); owner[point.Hash] = unit.Index; }
            }
            Volatile.Write(ref _settled, Units.Count - unsettled);
            if (pending.Count == 0) break;
            string step = string.Join(',', pending.Select(x => x.Hash));
            var runner = new SweepRunner(SweepPlan.FromPoints(_plan, pending), inner);
            Volatile.Write(ref _step, runner.Progress);
            Interlocked.Increment(ref _steps);
            var summary = runner.Run(cancel);
            total += summary.Total;
            skipped += summary.Skipped;
            reused += summary.Reused;
            executed += summary.Executed; diverged += summary.Diverged; failed += summary.Failed; elsewhere += summary.Elsewhere;
            failures.AddRange(summary.Failures);
            storage ??= summary.StorageError;
            foreach (var f in summary.Failures) if (owner.TryGetValue(f.Hash, out int u)) blocked.Add(u);
            // Runs held by another live process (without waiting), a stop or a refused write leave gaps this process
            // cannot fill: end here and report them.
            if (summary.StorageError != null || summary.Cancelled || summary.Elsewhere > 0 || summary.NotRun > 0) break;
            if (step == previous && summary.Executed == 0 && summary.Failed == 0)
                throw new InvalidOperationException($"search: a step settled none of its {pending.Count} runs and the same runs are pending again (records that do not validate?); see {_options.OutDir}");
            previous = step;
        }
        Unsettled = unsettled;
        return new SweepSummary
        {
            PlanPoints = _plan.Points.Count,
            Total = total,
            Executed = executed,
            Diverged = diverged,
            Skipped = skipped,
            Reused = reused,
            Failed = failed,
            Elsewhere = elsewhere,
            NotRun = unsettled * (Units.Count > 0 ? Units[0].Seeds.Count : 0),
            Cancelled = cancel.IsCancellationRequested,
            StorageError = storage,
            Elapsed = sw.Elapsed,
            Failures = failures,
        };
    }
}
