using System.Globalization;
using System.Text.Json.Nodes;
using RhmLab.Analysis;
using RhmLab.Analysis.Figures;
using RhmLab.IO;

namespace RhmLab.Paper;

/// <summary>
/// The verdict on one figure's claim, computed from its runs: <c>holds</c>, <c>fails</c> or <c>inconclusive</c>, the
/// criterion in words and the numbers it rests on (one entry of <c>claims.json</c>).
/// </summary>
/// <param name="Figure">fig3, fig4, …</param>
/// <param name="Claim">The caption's statement in one sentence (<see cref="FigurePreset.Claim"/>).</param>
/// <param name="Verdict">holds, fails or inconclusive.</param>
/// <param name="Criterion">How the verdict is computed, in words, with its thresholds.</param>
/// <param name="Reason">Why this verdict: the part of the criterion that decided it.</param>
/// <param name="Numbers">The measured values the verdict rests on.</param>
public sealed record ClaimVerdict(string Figure, string Claim, string Verdict, string Criterion, string Reason, JsonObject Numbers)
{
    /// <summary>The entry of <c>claims.json</c>.</summary>
    public JsonObject ToJson() => new()
    {
        ["figure"] = Figure, ["claim"] = Claim, ["verdict"] = Verdict, ["criterion"] = Criterion, ["reason"] = Reason,
        ["numbers"] = Numbers.DeepClone(),
    };
}

/// <summary>
/// Checks each figure's claim against its runs, by a fixed criterion per kind of figure (docs/CLAIMS.md). Errors are
/// seed means; "chance" is 1 − 1/n_c and the threshold 0.1·chance, as for P*. A claim <c>holds</c> when every part of
/// its criterion is met, <c>fails</c> when a part is clearly contradicted, and is <c>inconclusive</c> otherwise
/// (missing runs, values between the two bounds, a P* outside the grid).
/// </summary>
public static class Claims
{
    /// <summary>Supervised figures: a feedback rule "fails" when its error stays at or above this fraction of chance.</summary>
    public const double FailingFraction = 0.5;
    /// <summary>P* figures: the rule's P* must be within this factor of BP's on every configuration.</summary>
    public const double PStarFactor = 3;
    /// <summary>Fig. 11: a layer counts as invariant to a level when its sensitivity is at most this, as sensitive when at least <see cref="SensitiveLevel"/>.</summary>
    public const double InvariantLevel = 0.2;
    /// <summary>Fig. 11: see <see cref="InvariantLevel"/>.</summary>
    public const double SensitiveLevel = 0.5;

    private const string Holds = "holds", Fails = "fails", Inconclusive = "inconclusive";

    /// <summary>The verdict on a preset's claim from the records of its results folder.</summary>
    public static ClaimVerdict Check(FigurePreset preset, IReadOnlyList<RunRecord> records)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(records);
        return preset.Id switch
        {
            "fig3" or "fig7" or "fig8" => FeedbackFails(preset, records),
            "fig4" => PStarLikeBp(preset, records, "clapp"),
            "fig9" => PStarLikeBp(preset, records, "e2e-clapp"),
            "fig10" => PStarLikeBp(preset, records, "clapp-pos"),
            "fig5" => DepthNeeded(preset, records),
            "fig6" => IcaNeedsDataAndNeurons(preset, records),
            "fig11" => InvarianceAboveLevel(preset, records),
            _ => new ClaimVerdict(preset.Id, preset.Claim, Inconclusive, "no criterion", "no criterion is defined for this figure", new JsonObject()),
        };
    }

    /// <summary>The text of <c>claims.json</c>: indented, readable.</summary>
    public static string FileText(JsonArray claims) => (claims ?? throw new ArgumentNullException(nameof(claims))).ToJsonString(Json.Readable) + "\n";

    /// <summary>Writes the verdicts into <c>claims.json</c>, keeping the entries of figures not checked this time.</summary>
    public static JsonArray Merge(JsonArray? existing, IEnumerable<ClaimVerdict> verdicts)
    {
        var byFigure = new SortedDictionary<(int, string), JsonObject>();
        foreach (var node in existing ?? [])
            if (node is JsonObject o && o["figure"] is JsonValue v && v.TryGetValue(out string? f)) byFigure[Order(f)] = (JsonObject)o.DeepClone();
        foreach (var v in verdicts) byFigure[Order(v.Figure)] = v.ToJson();
        return new JsonArray(byFigure.Values.Select(o => (JsonNode?)o).ToArray());

        // The paper's order (fig3 … fig11), whatever the order of the runs.
        static (int, string) Order(string figure)
        {
            int i = Reproduction.Figures.ToList().IndexOf(figure);
            return (i < 0 ? int.MaxValue : i, figure);
        }
    }

    // Figs. 3, 7, 8: BP's own output learns, every other rule's stays far from it.
    private static ClaimVerdict FeedbackFails(FigurePreset preset, IReadOnlyList<RunRecord> records)
    {
        string criterion = string.Create(CultureInfo.InvariantCulture,
            $"holds if BP's network test error (seed mean, largest P) is at most 0.1·chance and every other rule's is at least {FailingFraction}·chance; fails if BP's is above 0.1·chance or another rule's is at most 0.1·chance");
        var numbers = new JsonObject();
        var byRule = records.Where(r => double.IsFinite(r.NetworkTestError)).GroupBy(r => r.Rule, StringComparer.Ordinal).ToList();
        double chance = records.Count > 0 ? records[0].ChanceError : double.NaN;
        numbers["chance"] = Rounded(chance);
        // Seed means at each rule's largest P; the verdict reads these, claims.json their rounded copies.
        var mean = byRule.ToDictionary(g => g.Key, g => AtLargestP(g).Average(r => r.NetworkTestError), StringComparer.Ordinal);
        var errors = new JsonObject();
        foreach (var (rule, error) in mean) errors[rule] = Rounded(error);
        numbers["network_test_error"] = errors;
        if (!mean.TryGetValue("bp", out double bpError) || mean.Count < 2)
            return new(preset.Id, preset.Claim, Inconclusive, criterion, "BP or the feedback rules have no runs", numbers);
        double threshold = 0.1 * chance;
        var others = mean.Where(kv => kv.Key != "bp").Select(kv => (Rule: kv.Key, Error: kv.Value)).ToList();
        if (bpError > threshold)
            return new(preset.Id, preset.Claim, Fails, criterion, Text($"BP's error {bpError:0.###} is above the threshold {threshold:0.###}"), numbers);
        var learning = others.Where(o => o.Error <= threshold).Select(o => o.Rule).ToList();
        if (learning.Count > 0)
            return new(preset.Id, preset.Claim, Fails, criterion, $"{string.Join(", ", learning)} also reach{(learning.Count == 1 ? "es" : "")} the threshold", numbers);
        var between = others.Where(o => o.Error < FailingFraction * chance).Select(o => o.Rule).ToList();
        if (between.Count > 0)
            return new(preset.Id, preset.Claim, Inconclusive, criterion, Text($"{string.Join(", ", between)} end{(between.Count == 1 ? "s" : "")} between the threshold and {FailingFraction}·chance"), numbers);
        return new(preset.Id, preset.Claim, Holds, criterion, Text($"BP {bpError:0.###} ≤ {threshold:0.###}; every other rule ≥ {FailingFraction * chance:0.###}"), numbers);
    }

    // Figs. 4, 9, 10: the rule's probe P* is within a factor of BP's probe P* on every configuration.
    private static ClaimVerdict PStarLikeBp(FigurePreset preset, IReadOnlyList<RunRecord> records, string rule)
    {
        string criterion = Text($"holds if, on every RHM with runs of both, the P* of {rule}'s top-layer probe is within a factor {PStarFactor} of BP's (P* of the seed-mean error at 0.1·chance, interpolated in log P); fails if some ratio exceeds {PStarFactor} or {rule} never reaches the threshold where BP does; the slope of log P* against log D* is reported, not judged, below three RHMs");
        var analysis = PStarAnalysis.Run(records.Where(r => r.Rule == rule || r.Rule == "bp"), new PStarOptions { Measure = ErrorMeasure.Probe, Resamples = 200 });
        var numbers = new JsonObject();
        var rows = new JsonArray();
        string verdict = Holds;
        var reasons = new List<string>();
        int compared = 0;
        foreach (var g in analysis.Groups.Where(g => g.Group.Rule == rule))
        {
            // The analysis has already paired each group with BP's on the same task (PStarGroupResult.Bp).
            var bp = g.Bp is null ? null : analysis.Groups.FirstOrDefault(b => ReferenceEquals(b.Group, g.Bp));
            rows.Add(new JsonObject
            {
                ["configuration"] = g.Group.ConfigLabel, ["d_star"] = g.Group.DStar, ["pstar"] = g.Estimate.ToJson(),
                ["pstar_bp"] = bp?.Estimate.ToJson(), ["ratio"] = Rounded(g.RatioToBp), ["seeds"] = g.Curve.Seeds.Length,
            });
            if (bp is null || !bp.Estimate.IsValue) { verdict = Worst(verdict, Inconclusive); reasons.Add($"{g.Group.ConfigLabel}: BP has no P*"); continue; }
            compared++;
            if (g.Estimate.Censoring == Censoring.AboveLast)
            {
                bool farEnough = g.Estimate.Bound >= PStarFactor * bp.Estimate.Value;
                verdict = Worst(verdict, farEnough ? Fails : Inconclusive);
                reasons.Add(Text($"{g.Group.ConfigLabel}: {rule} stays above the threshold up to P = {g.Estimate.Bound:0}"));
            }
            else if (!g.Estimate.IsValue && g.Estimate.Censoring != Censoring.AtOrBelowFirst) { verdict = Worst(verdict, Inconclusive); reasons.Add($"{g.Group.ConfigLabel}: no P*"); }
            else
            {
                double ratio = g.Estimate.IsValue ? g.RatioToBp : g.Estimate.Bound / bp.Estimate.Value;
                if (ratio > PStarFactor || ratio < 1 / PStarFactor)
                {
                    verdict = Worst(verdict, ratio > PStarFactor ? Fails : Inconclusive);
                    reasons.Add(Text($"{g.Group.ConfigLabel}: P*/P*_BP = {ratio:0.##}"));
                }
            }
        }
        numbers["configurations"] = rows;
        var fit = analysis.Fits.FirstOrDefault(f => f.Rule == rule);
        if (fit != null) numbers["slope"] = new JsonObject { ["value"] = Rounded(fit.Fit.Slope), ["points"] = fit.Fit.Points, ["t95_low"] = Rounded(fit.Fit.SlopeLow), ["t95_high"] = Rounded(fit.Fit.SlopeHigh) };
        if (compared == 0) { verdict = Worst(verdict, Inconclusive); reasons.Add($"no RHM has a P* for both BP and {rule}"); }
        string reason = reasons.Count > 0 ? string.Join("; ", reasons) : Text($"every ratio within a factor {PStarFactor}");
        return new(preset.Id, preset.Claim, verdict, criterion, reason, numbers);
    }

    // Fig. 5: the input stays near chance, the top layer (depth L) decodes the class, the layers below decode worse.
    private static ClaimVerdict DepthNeeded(FigurePreset preset, IReadOnlyList<RunRecord> records)
    {
        string criterion = Text($"per RHM (largest P, seed means of the ridge probe): holds if the raw input's error is at least {FailingFraction}·chance, layer L's at most 0.1·chance, and every layer below L at least twice layer L's error; fails if layer L's error is above {FailingFraction}·chance or some layer below L is at least as good as layer L");
        var numbers = new JsonArray();
        string verdict = Holds;
        var reasons = new List<string>();
        // The one-network reading: networks as deep as their RHM (the separate shallower ones are drawn, not judged).
        var configs = records.Where(r => r.ProbeErrors.Length > 0 && r.ProbeErrors.Length >= r.L).GroupBy(r => (r.Rule, r.Nc, r.M, r.V, r.L, Layers: r.ProbeErrors.Length)).ToList();
        foreach (var c in configs)
        {
            var at = AtLargestP(c).ToList();
            long p = at[0].Train;
            double chance = at[0].ChanceError;
            double input = Mean(at.Select(r => r.InputProbeError));
            var layers = Enumerable.Range(0, c.Key.Layers).Select(k => Mean(at.Select(r => r.ProbeErrors[k]))).ToArray();
            string name = Text($"{c.Key.Rule} nc={c.Key.Nc} m={c.Key.M} v={c.Key.V} L={c.Key.L}");
            numbers.Add(new JsonObject
            {
                ["configuration"] = name, ["train"] = p, ["seeds"] = at.Count, ["chance"] = Rounded(chance), ["input"] = Rounded(input),
                ["layers"] = new JsonArray(layers.Select(x => (JsonNode?)Rounded(x)).ToArray()),
            });
            int top = Math.Min(c.Key.L, layers.Length) - 1;
            double topError = layers[top];
            double bestBelow = top > 0 ? layers[..top].Min() : double.PositiveInfinity;
            if (topError > FailingFraction * chance || bestBelow <= topError)
            {
                verdict = Worst(verdict, Fails);
                reasons.Add(Text($"{name}: layer {top + 1} error {topError:0.###}, best layer below {bestBelow:0.###}"));
            }
            else if (input < FailingFraction * chance || topError > 0.1 * chance || bestBelow < 2 * topError)
            {
                verdict = Worst(verdict, Inconclusive);
                reasons.Add(Text($"{name}: input {input:0.###}, layer {top + 1} {topError:0.###}, best layer below {bestBelow:0.###} (chance {chance:0.###})"));
            }
        }
        if (configs.Count == 0) { verdict = Inconclusive; reasons.Add("no runs with probe errors"); }
        return new(preset.Id, preset.Claim, verdict, criterion, reasons.Count > 0 ? string.Join("; ", reasons) : "every RHM as stated", new JsonObject { ["configurations"] = numbers });
    }

    // Fig. 6: ICA improves with P and with width; CLAPP reaches the threshold at a smaller P than any ICA network.
    private static ClaimVerdict IcaNeedsDataAndNeurons(FigurePreset preset, IReadOnlyList<RunRecord> records)
    {
        const double gain = 0.02;
        string criterion = Text($"holds if (a) CLAPP's probe P* is below that of every ICA network (an ICA P* above the grid counts as larger), (b) the widest ICA network's error at the largest P is lower than at the smallest P by at least {gain}, and (c) at the largest P the widest ICA network's error is lower than the narrowest's by at least {gain}; fails if any part is contradicted");
        var analysis = PStarAnalysis.Run(records.Where(r => r.Rule is "ica" or "clapp"), new PStarOptions { Measure = ErrorMeasure.Probe, Resamples = 200 });
        var numbers = new JsonObject();
        var ica = analysis.Groups.Where(g => g.Group.Rule == "ica").ToList();
        var clapp = analysis.Groups.FirstOrDefault(g => g.Group.Rule == "clapp");
        numbers["pstar"] = new JsonArray(analysis.Groups.Select(g => (JsonNode?)new JsonObject { ["group"] = g.Group.Label, ["pstar"] = g.Estimate.ToJson() }).ToArray());
        if (ica.Count == 0 || clapp is null) return new(preset.Id, preset.Claim, Inconclusive, criterion, "ICA or CLAPP has no runs", numbers);
        var reasons = new List<string>();
        string verdict = Holds;
        double clappKey = clapp.Estimate.SortKey;
        bool aHolds = ica.All(g => g.Estimate.SortKey > clappKey) && clapp.Estimate.Censoring != Censoring.AboveLast;
        if (!aHolds) { verdict = Worst(verdict, Fails); reasons.Add($"(a) CLAPP's P* {clapp.Estimate} is not below every ICA network's ({string.Join(", ", ica.Select(g => g.Estimate.ToString()))})"); }
        int Units(RunGroup g) => g.Runs[0].Widths.Sum();
        var widest = ica.MaxBy(g => Units(g.Group))!;
        var narrowest = ica.MinBy(g => Units(g.Group))!;
        double first = widest.Mean[0], last = widest.Mean[^1];
        numbers["widest_error_smallest_p"] = Rounded(first);
        numbers["widest_error_largest_p"] = Rounded(last);
        if (!(first - last >= gain)) { verdict = Worst(verdict, Fails); reasons.Add(Text($"(b) the widest ICA network goes from {first:0.###} to {last:0.###} over the P grid")); }
        double narrowLast = narrowest.Mean[^1];
        numbers["narrowest_error_largest_p"] = Rounded(narrowLast);
        if (ReferenceEquals(widest, narrowest)) { verdict = Worst(verdict, Inconclusive); reasons.Add("(c) only one ICA width"); }
        else if (!(narrowLast - last >= gain)) { verdict = Worst(verdict, Fails); reasons.Add(Text($"(c) at the largest P the widest ICA network has {last:0.###}, the narrowest {narrowLast:0.###}")); }
        return new(preset.Id, preset.Claim, verdict, criterion, reasons.Count > 0 ? string.Join("; ", reasons) : "(a), (b) and (c) as stated", numbers);
    }

    // Fig. 11: at the largest P, layer k is invariant to exchanges at levels l ≤ k.
    private static ClaimVerdict InvarianceAboveLevel(FigurePreset preset, IReadOnlyList<RunRecord> records)
    {
        string criterion = Text($"at the largest P (seed means of the distance sensitivity, hidden layers k = 1..L, levels l = 1..L): holds if every S[k][l] with k ≥ l is at most {InvariantLevel}; fails if one is at least {SensitiveLevel}");
        var runs = records.Where(r => r.Sensitivity.Any(t => t.Definition == "sens-distance")).ToList();
        if (runs.Count == 0) return new(preset.Id, preset.Claim, Inconclusive, criterion, "no runs with sensitivities", new JsonObject());
        var largest = AtLargestP(runs).ToList();
        long p = largest[0].Train;
        var at = largest.Select(r => r.Sensitivity.First(t => t.Definition == "sens-distance")).ToList();
        int depth = runs[0].L;
        var matrix = new JsonArray();
        string verdict = Holds;
        var reasons = new List<string>();
        for (int k = 1; k <= depth; k++)
        {
            var row = new JsonArray();
            for (int l = 1; l <= depth; l++)
            {
                double s = Mean(at.Select(t => t.At(k, l)));
                row.Add(Rounded(s));
                if (k < l) continue;
                if (s >= SensitiveLevel) { verdict = Worst(verdict, Fails); reasons.Add(Text($"layer {k} to level {l}: {s:0.##}")); }
                else if (!(s <= InvariantLevel)) { verdict = Worst(verdict, Inconclusive); reasons.Add(Text($"layer {k} to level {l}: {s:0.##}")); }
            }
            matrix.Add(row);
        }
        var numbers = new JsonObject { ["train"] = p, ["seeds"] = at.Count, ["distance_sensitivity_layer_by_level"] = matrix };
        return new(preset.Id, preset.Claim, verdict, criterion, reasons.Count > 0 ? string.Join("; ", reasons) : "every layer invariant to the levels at and below it", numbers);

    }

    /// <summary>The runs at the largest P among <paramref name="runs"/> (never empty for non-empty runs).</summary>
    private static IEnumerable<RunRecord> AtLargestP(IEnumerable<RunRecord> runs)
    {
        var list = runs.ToList();
        long p = list.Max(r => r.Train);
        return list.Where(r => r.Train == p);
    }

    private static string Worst(string a, string b) => a == Fails || b == Fails ? Fails : a == Inconclusive || b == Inconclusive ? Inconclusive : Holds;

    private static double Mean(IEnumerable<double> xs) => FigureData.MeanSd(xs).Mean;

    // Six decimals are more than any verdict reads and keep claims.json legible.
    private static JsonNode? Rounded(double x) => Json.Num(Math.Round(x, 6));

    private static string Text(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
