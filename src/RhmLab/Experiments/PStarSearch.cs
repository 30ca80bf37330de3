using System.Globalization;
using System.Text.Json.Nodes;

namespace RhmLab.Experiments;

/// <summary>
/// The <c>search</c> block of a sweep plan (docs/SWEEPS.md, "Finding P* adaptively"): which error is searched, the
/// threshold, where the search starts and how far it may go, how it brackets and when the bracket is narrow enough.
/// Training-set sizes are multiples of n_c·m^L, as <c>train-x</c> is.
/// </summary>
public sealed record PStarSearchOptions
{
    /// <summary><c>probe</c> (top-layer ridge probe, the paper's P*) or <c>network</c> (the network's own error).</summary>
    public required string Measure { get; init; }
    /// <summary>The crossing is at threshold·(1 − 1/n_c), as in docs/METHODS.md §4.3.</summary>
    public double Threshold { get; init; } = 0.1;
    /// <summary>The first P, as a multiple of n_c·m^L.</summary>
    public double StartX { get; init; } = 1;
    /// <summary>The step by which the bracket is sought (P is multiplied or divided by it).</summary>
    public double Factor { get; init; } = 4;
    /// <summary>The search ends when P_above / P_below of the bracket is at most this.</summary>
    public double Ratio { get; init; } = 1.5;
    /// <summary>The smallest P searched, as a multiple of n_c·m^L.</summary>
    public double MinX { get; init; } = 1.0 / 16;
    /// <summary>The largest P searched, as a multiple of n_c·m^L (and never above 3/4 of P_max).</summary>
    public double MaxX { get; init; } = 64;
    /// <summary>The test set of every run of a configuration: min(this, P_max − largest P) unless the plan sets <c>test</c>.</summary>
    public long MaxTest { get; init; } = 20000;

    private static readonly string[] Keys = ["measure", "threshold", "start-x", "factor", "ratio", "min-x", "max-x", "max-test"];

    /// <summary>Reads the block; errors name the field as <c>where: search.key: …</c>.</summary>
    public static PStarSearchOptions Parse(JsonNode? node, string where)
    {
        if (node is not JsonObject o) throw new ArgumentException($"{where}: search: expected an object such as {{\"measure\": \"probe\"}}");
        foreach (var (key, _) in o)
            if (!Keys.Contains(key)) throw new ArgumentException($"{where}: search.{key}: unknown key (expected {string.Join(", ", Keys)})");
        string measure = o["measure"] is JsonValue mv && mv.TryGetValue(out string? m) ? m
            : throw new ArgumentException($"{where}: search.measure: expected \"probe\" or \"network\"");
        if (measure is not ("probe" or "network")) throw new ArgumentException($"{where}: search.measure: expected \"probe\" or \"network\" (got '{measure}')");
        var s = new PStarSearchOptions
        {
            Measure = measure,
            Threshold = Num("threshold", 0.1),
            StartX = Num("start-x", 1),
            Factor = Num("factor", 4),
            Ratio = Num("ratio", 1.5),
            MinX = Num("min-x", 1.0 / 16),
            MaxX = Num("max-x", 64),
            MaxTest = (long)Num("max-test", 20000),
        };
        if (!(s.Threshold > 0 && s.Threshold < 1)) throw new ArgumentException($"{where}: search.threshold: must be in (0, 1) (got {Show(s.Threshold)})");
        if (!(s.Factor > 1)) throw new ArgumentException($"{where}: search.factor: must be > 1 (got {Show(s.Factor)})");
        if (!(s.Ratio > 1)) throw new ArgumentException($"{where}: search.ratio: must be > 1 (got {Show(s.Ratio)})");
        if (!(s.MinX > 0)) throw new ArgumentException($"{where}: search.min-x: must be > 0 (got {Show(s.MinX)})");
        if (!(s.MaxX >= s.MinX)) throw new ArgumentException($"{where}: search.max-x: must be >= min-x (got {Show(s.MaxX)})");
        if (!(s.StartX >= s.MinX && s.StartX <= s.MaxX)) throw new ArgumentException($"{where}: search.start-x: must be within min-x..max-x (got {Show(s.StartX)})");
        if (s.MaxTest < 1) throw new ArgumentException($"{where}: search.max-test: must be >= 1 (got {s.MaxTest})");
        return s;

        double Num(string key, double fallback)
        {
            var n = o[key];
            if (n is null) return fallback;
            // Values parsed from text hold a double; an integer written in memory holds a long.
            if (n is JsonValue v)
            {
                if (v.TryGetValue(out double d) && double.IsFinite(d)) return d;
                if (v.TryGetValue(out long l)) return l;
            }
            throw new ArgumentException($"{where}: search.{key}: expected a number, got {n.ToJsonString()}");
        }
    }

    private static string Show(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>The seed-mean error of one training-set size of a searched configuration.</summary>
/// <param name="Train">P.</param>
/// <param name="MeanError">Mean over the seeds of the searched error.</param>
public readonly record struct SearchLevel(long Train, double MeanError);

/// <summary>Where a search stands: the next P to run, or why it is over.</summary>
/// <param name="Next">The P whose runs come next; null when the search is over.</param>
/// <param name="Below">The largest finished P above the threshold under the crossing (the bracket's lower end), if any.</param>
/// <param name="Above">The smallest finished P at or below the threshold (the bracket's upper end), if any.</param>
/// <param name="Status"><c>start</c>, <c>bracketing</c>, <c>bisecting</c>, <c>done</c>, <c>censored-low</c> (P* ≤ the smallest P) or <c>censored-high</c> (P* above the largest).</param>
public sealed record SearchStep(long? Next, long? Below, long? Above, string Status);

/// <summary>
/// The adaptive P* search (docs/METHODS.md §4.3's crossing, found without a fixed grid): a pure function from the finished
/// sizes of one configuration to the next size. It brackets the first crossing of the seed-mean error (P × or ÷
/// <see cref="PStarSearchOptions.Factor"/> from the start) and bisects the bracket in log P until
/// P_above / P_below ≤ <see cref="PStarSearchOptions.Ratio"/>. Because it depends only on the finished runs, any
/// process that reads the results folder takes the same next step, which makes the search resumable and shardable.
/// </summary>
public static class PStarSearch
{
    /// <summary>The next step from the finished levels (any order). <paramref name="minTrain"/> ≤ P ≤ <paramref name="maxTrain"/>.</summary>
    public static SearchStep Next(IReadOnlyCollection<SearchLevel> levels, double threshold, long start, long minTrain, long maxTrain, double factor, double ratio)
    {
        ArgumentNullException.ThrowIfNull(levels);
        if (minTrain < 1 || maxTrain < minTrain) throw new ArgumentException("search: the P range is empty");
        start = Math.Clamp(start, minTrain, maxTrain);
        if (levels.Count == 0) return new SearchStep(start, null, null, "start");
        var sorted = levels.OrderBy(l => l.Train).ToArray();
        // The first crossing, as PStarEstimator reads it: the smallest size at or below the threshold, and the
        // largest size under it (all of which are above the threshold).
        int first = Array.FindIndex(sorted, l => l.MeanError <= threshold);
        if (first < 0)
        {
            long top = sorted[^1].Train;
            if (top >= maxTrain) return new SearchStep(null, top, null, "censored-high");
            return new SearchStep(Math.Min(maxTrain, Step(top, factor)), top, null, "bracketing");
        }
        long above = sorted[first].Train;
        if (first == 0)
        {
            if (above <= minTrain) return new SearchStep(null, null, above, "censored-low");
            return new SearchStep(Math.Max(minTrain, Step(above, 1 / factor)), null, above, "bracketing");
        }
        long below = sorted[first - 1].Train;
        if ((double)above / below <= ratio) return new SearchStep(null, below, above, "done");
        long mid = (long)Math.Round(Math.Sqrt((double)below * above));
        if (mid <= below || mid >= above) return new SearchStep(null, below, above, "done");
        return new SearchStep(mid, below, above, "bisecting");
    }

    /// <summary>
    /// The sizes a search of one configuration may use: P from round(min-x·n_c·m^L) to round(max-x·n_c·m^L), at most
    /// 3/4 of P_max and at most P_max − T; the first P; and the test size T shared by all its runs (the plan's
    /// <c>test</c>, else min(max-test, P_max − the largest P)), fixed so that the test set, drawn first, is the same
    /// at every P and the training sets of one seed are nested. With probe-stop, <paramref name="validation"/> fresh
    /// data must fit beside train and test too (P ≤ P_max − T − validation), so every size the search may choose
    /// resolves.
    /// </summary>
    public static (long Start, long Min, long Max, long Test) Range(RhmLab.Rhm.RhmParameters rhm, PStarSearchOptions search, long? planTest, long validation = 0)
    {
        ArgumentNullException.ThrowIfNull(rhm);
        ArgumentNullException.ThrowIfNull(search);
        rhm.Validate();
        double scale = rhm.SampleScale;
        double pMax = (double)rhm.PMax;
        long max = (long)Math.Min(Math.Round(search.MaxX * scale), Math.Floor(0.75 * pMax));
        if (planTest is long t) max = (long)Math.Min(max, pMax - t);
        long min = Math.Max(1, (long)Math.Round(search.MinX * scale));
        if (max < min) throw new ArgumentException($"search: no P between min-x and max-x fits P_max = {rhm.PMax} of {rhm}");
        long test = planTest ?? (long)Math.Min(search.MaxTest, Math.Max(0, pMax - max - validation));
        if (validation > 0) max = (long)Math.Min(max, pMax - test - validation);
        if (max < min) throw new ArgumentException($"search: no P between min-x and max-x leaves room for test = {test} and probe-stop-data = {validation} in P_max = {rhm.PMax} of {rhm}");
        long start = Math.Clamp((long)Math.Round(search.StartX * scale), min, max);
        return (start, min, max, test);
    }

    private static long Step(long p, double factor)
    {
        long next = (long)Math.Round(p * factor);
        // Always move, even where rounding would stay on the same integer.
        return factor > 1 ? Math.Max(next, p + 1) : Math.Max(1, Math.Min(next, p - 1));
    }
}
