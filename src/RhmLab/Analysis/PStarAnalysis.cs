using System.Globalization;
using System.Text.Json.Nodes;
using RhmLab.IO;

namespace RhmLab.Analysis;

/// <summary>
/// P* per rule and configuration (docs/METHODS.md §4.3), its bootstrap over seeds, the ratio to BP on the same task,
/// and per rule family the fit of log P* against log D* (§4.4).
/// </summary>
public sealed class PStarAnalysis
{
    /// <summary>The settings used.</summary>
    public required PStarOptions Options { get; init; }
    /// <summary>One result per group that has the measure.</summary>
    public required IReadOnlyList<PStarGroupResult> Groups { get; init; }
    /// <summary>One fit per rule family.</summary>
    public required IReadOnlyList<PStarFitResult> Fits { get; init; }
    /// <summary>What was left out or adjusted, one line each.</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>Runs the analysis over <paramref name="records"/>.</summary>
    public static PStarAnalysis Run(IEnumerable<RunRecord> records, PStarOptions options)
    {
        if (!(options.ThresholdFraction > 0 && options.ThresholdFraction < 1))
            throw new ArgumentException($"--threshold must be in (0, 1) (got {options.ThresholdFraction.ToString(CultureInfo.InvariantCulture)})");
        if (options.Resamples < 1) throw new ArgumentException($"--bootstrap must be >= 1 (got {options.Resamples})");
        var notes = new List<string>();
        var partial = new List<PStarGroupResult>();
        foreach (var g in RunGrouping.Group(records))
        {
            var curve = SeedCurve.Build(g.Runs, options.Measure);
            if (curve.Missing > 0)
                notes.Add($"{g.Label}: {curve.Missing} run(s) without the {options.Measure.Name()} error left out");
            if (curve.DivergedAtChance > 0)
                notes.Add($"{g.Label}: {curve.DivergedAtChance} diverged run(s) counted at chance error");
            var mean = curve.Mean();
            if (mean.All(double.IsNaN)) continue;
            double threshold = options.ThresholdFraction * g.ChanceError;
            partial.Add(new PStarGroupResult
            {
                Group = g,
                Curve = curve,
                Mean = mean,
                Threshold = threshold,
                Estimate = PStarEstimator.FirstCrossing(curve.Ps, mean, threshold),
                Bootstrap = PStarBootstrap.Run(curve, threshold, options.Resamples, options.Seed, g.Key),
                ExtraDataRead = g.Runs.Max(r => r.ExtraDataRead),
            });
        }
        var groups = partial.Select(r => WithBpRatio(r, partial)).ToList();
        foreach (var g in groups.Where(g => g.UnequalData))
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"{g.Group.Label}: its runs read {g.ExtraDataRead} data outside their training sets and BP's ({g.Bp!.Label}) {groups.First(b => ReferenceEquals(b.Group, g.Bp)).ExtraDataRead}: P*/P*_BP compares rules given different data (marked !)"));
        var fits = groups.GroupBy(r => r.Group.FamilyKey, StringComparer.Ordinal)
            .Select(f => FitFamily(f.ToList()))
            .OrderBy(f => f.Rule, StringComparer.Ordinal).ThenBy(f => f.FamilyOptions, StringComparer.Ordinal).ToList();
        return new PStarAnalysis { Options = options, Groups = groups, Fits = fits, Notes = notes };
    }

    /// <summary>
    /// Pairs a group with the BP group on the same task (RHM, generator, widths, architecture); when several BP
    /// groups qualify, one that read as many data outside its training sets wins (a fair comparison), then the one
    /// sharing the most other options, then the first label. A pair that read different amounts is flagged.
    /// </summary>
    private static PStarGroupResult WithBpRatio(PStarGroupResult r, List<PStarGroupResult> all)
    {
        var bp = all.Where(b => b.Group.Rule == "bp" && b.Group.TaskKey == r.Group.TaskKey)
            .OrderBy(b => b.ExtraDataRead == r.ExtraDataRead ? 0 : 1)
            .ThenBy(b => b.Group.Options.Count(kv => r.Group.Options.GetValueOrDefault(kv.Key) != kv.Value))
            .ThenBy(b => b.Group.Label, StringComparer.Ordinal)
            .FirstOrDefault();
        if (bp == null) return r;
        var (ratio, text) = Ratio(r.Estimate, bp.Estimate);
        return new PStarGroupResult
        {
            Group = r.Group, Curve = r.Curve, Mean = r.Mean, Threshold = r.Threshold, Estimate = r.Estimate,
            Bootstrap = r.Bootstrap, Bp = bp.Group, RatioToBp = ratio, ExtraDataRead = r.ExtraDataRead,
            UnequalData = bp.ExtraDataRead != r.ExtraDataRead, RatioText = bp.ExtraDataRead != r.ExtraDataRead ? text + " !" : text,
        };
    }

    /// <summary>The ratio of two P* estimates; a censored side turns it into a bound.</summary>
    internal static (double Ratio, string Text) Ratio(PStarValue rule, PStarValue bp)
    {
        var ci = CultureInfo.InvariantCulture;
        string F(double x) => x.ToString("0.###", ci);
        return (rule.Censoring, bp.Censoring) switch
        {
            (Censoring.None, Censoring.None) => (rule.Value / bp.Value, F(rule.Value / bp.Value)),
            (Censoring.AboveLast, Censoring.None) => (double.NaN, "> " + F(rule.Bound / bp.Value)),
            (Censoring.AtOrBelowFirst, Censoring.None) => (double.NaN, "≤ " + F(rule.Bound / bp.Value)),
            (Censoring.None, Censoring.AboveLast) => (double.NaN, "< " + F(rule.Value / bp.Bound)),
            (Censoring.None, Censoring.AtOrBelowFirst) => (double.NaN, "≥ " + F(rule.Value / bp.Bound)),
            (Censoring.AboveLast, Censoring.AtOrBelowFirst) => (double.NaN, "> " + F(rule.Bound / bp.Bound)),
            (Censoring.AtOrBelowFirst, Censoring.AboveLast) => (double.NaN, "< " + F(rule.Bound / bp.Bound)),
            _ => (double.NaN, "-"),
        };
    }

    private static PStarFitResult FitFamily(List<PStarGroupResult> members)
    {
        var points = members.Where(m => m.Estimate.IsValue).OrderBy(m => m.Group.DStar).ToList();
        var fit = LogLogFit.Fit(points.Select(p => p.Group.DStar).ToList(), points.Select(p => p.Estimate.Value).ToList());
        double lo = double.NaN, hi = double.NaN;
        int used = 0;
        if (points.Count >= 2)
        {
            int resamples = points.Min(p => p.Bootstrap.Replicates.Length);
            var xs = points.Select(p => p.Group.DStar).ToList();
            var slopes = new List<double>();
            for (int b = 0; b < resamples; b++)
            {
                if (points.Any(p => !p.Bootstrap.Replicates[b].IsValue)) continue;
                double s = LogLogFit.Fit(xs, points.Select(p => p.Bootstrap.Replicates[b].Value).ToList()).Slope;
                if (!double.IsNaN(s)) slopes.Add(s);
            }
            used = slopes.Count;
            if (used > 0)
            {
                var sorted = slopes.Order().ToArray();
                lo = QuantileOf(sorted, 0.025);
                hi = QuantileOf(sorted, 0.975);
            }
        }
        var first = members[0].Group;
        return new PStarFitResult
        {
            Rule = first.Rule,
            FamilyOptions = string.Join(' ', first.Distinct.Select(kv => $"{kv.Key}={kv.Value}")),
            Members = members.OrderBy(m => m.Group.DStar).ToList(),
            Points = points,
            Censored = members.Count - points.Count,
            Fit = fit,
            BootstrapSlopeLow = lo,
            BootstrapSlopeHigh = hi,
            BootstrapUsed = used,
        };
    }

    private static double QuantileOf(double[] sorted, double q)
    {
        double h = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(h), hi = (int)Math.Ceiling(h);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /// <summary>The analysis as one JSON object.</summary>
    public JsonObject ToJson() => new()
    {
        ["measure"] = Options.Measure.Name(),
        ["measure_label"] = Options.Measure.Label(),
        ["threshold_fraction"] = Options.ThresholdFraction,
        ["bootstrap_resamples"] = Options.Resamples,
        ["bootstrap_seed"] = Options.Seed,
        ["configurations"] = new JsonArray(Groups.Select(g => (JsonNode)new JsonObject
        {
            ["rule"] = g.Group.Rule,
            ["label"] = g.Group.Label,
            ["nc"] = g.Group.First.Nc, ["m"] = g.Group.First.M, ["v"] = g.Group.First.V,
            ["s"] = g.Group.First.S, ["L"] = g.Group.First.L,
            ["widths"] = new JsonArray(g.Group.First.Widths.Select(w => (JsonNode)w).ToArray()),
            ["options"] = new JsonObject(g.Group.Distinct.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["d_star"] = g.Group.DStar,
            ["n_c_m_L"] = g.Group.SampleScale,
            ["threshold_error"] = g.Threshold,
            ["p"] = Json.Nums(g.Curve.Ps),
            ["mean_error"] = Json.Nums(g.Mean),
            ["sd_error"] = Json.Nums(g.Curve.StandardDeviation()),
            ["seeds_per_p"] = new JsonArray(g.Curve.SeedCounts().Select(c => (JsonNode)c).ToArray()),
            ["seeds"] = g.Curve.Seeds.Length,
            ["p_star"] = g.Estimate.ToJson(),
            ["p_star_over_n_c_m_L"] = Json.Num(g.Estimate.Value / g.Group.SampleScale),
            ["bootstrap"] = g.Bootstrap.ToJson(),
            ["bp_label"] = g.Bp?.Label,
            ["ratio_to_bp"] = Json.Num(g.RatioToBp),
            ["ratio_to_bp_text"] = g.RatioText,
            ["extra_data_read"] = g.ExtraDataRead,
            ["unequal_data"] = g.UnequalData,
        }).ToArray()),
        ["fits"] = new JsonArray(Fits.Select(f =>
        {
            var o = f.Fit.ToJson();
            o["rule"] = f.Rule;
            o["family"] = f.FamilyOptions;
            o["censored_configurations"] = f.Censored;
            o["slope_ci95_bootstrap"] = new JsonArray(Json.Num(f.BootstrapSlopeLow), Json.Num(f.BootstrapSlopeHigh));
            o["bootstrap_replicates_used"] = f.BootstrapUsed;
            return (JsonNode)o;
        }).ToArray()),
        ["notes"] = new JsonArray(Notes.Select(n => (JsonNode)n).ToArray()),
    };
}
