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
    /// <summary>The variant a figure with several readings is judged in (Fig. 10: the anti-collapse), or null.</summary>
    public string? Variant { get; init; }
    /// <summary>The preset's scale (quick or paper), or null when unknown.</summary>
    public string? Scale { get; init; }
    /// <summary>The fewest seeds of any configuration judged (0 without runs).</summary>
    public int Seeds { get; init; }

    /// <summary>The entry of <c>claims.json</c>.</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject { ["figure"] = Figure };
        if (Variant != null) o["variant"] = Variant;
        o["claim"] = Claim;
        o["verdict"] = Verdict;
        o["criterion"] = Criterion;
        o["reason"] = Reason;
        o["scale"] = Scale;
        o["seeds"] = Seeds;
        o["numbers"] = Numbers.DeepClone();
        return o;
    }
}

/// <summary>
/// Checks each figure's claim against its runs, by a fixed criterion per kind of figure (docs/CLAIMS.md). "Chance" is
/// 1 − 1/n_c and the threshold 0.1·chance, as for P*. A claim <c>holds</c> when every part of its criterion is met,
/// <c>fails</c> when a part is clearly contradicted, and is <c>inconclusive</c> otherwise (missing runs or controls,
/// values between the two bounds, a P* outside the grid, runs cut while still learning), with the reason.
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
    /// <summary>Fig. 6: "far above CLAPP's P*" means at least this factor above it.</summary>
    public const double FarFactor = 4;
    /// <summary>Fig. 6: an RHM is judged when its P grid reaches at least this fraction of P_max (P can approach P_max).</summary>
    public const double NearPMax = 0.1;
    /// <summary>A run stopped by a plateau rule was still learning when its test error fell by more than this over the last fifth of its run.</summary>
    public const double StillFalling = 0.01;
    /// <summary>Fig. 5: a CLAPP setting is judged <c>fails</c> only on at least this many seeds (grammars).</summary>
    public const int SeedsToFail = 3;

    private const string Holds = "holds", Fails = "fails", Inconclusive = "inconclusive";

    /// <summary>The direct-feedback rules and the masking ablations, which Figs. 3 and 8 say fail.</summary>
    private static bool LacksInputSpecificMasks(string rule) =>
        rule == "dfa" || rule.EndsWith("-nomask", StringComparison.Ordinal) || rule.EndsWith("-avgmask", StringComparison.Ordinal)
        || rule.EndsWith("-shufmask", StringComparison.Ordinal);

    /// <summary>The primary verdict on a preset's claim from the records of its results folder (the first of <see cref="CheckAll"/>).</summary>
    public static ClaimVerdict Check(FigurePreset preset, IReadOnlyList<RunRecord> records) => CheckAll(preset, records)[0];

    /// <summary>
    /// Every verdict on a preset's claim: one per figure, except Fig. 10, which has one per anti-collapse variant (the
    /// default <c>centered</c> first, and always one for a strictly negative-free variant).
    /// </summary>
    public static IReadOnlyList<ClaimVerdict> CheckAll(FigurePreset preset, IReadOnlyList<RunRecord> records)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(records);
        IReadOnlyList<(ClaimVerdict Verdict, IEnumerable<RunRecord> Judged)> verdicts = preset.Id switch
        {
            "fig3" or "fig7" or "fig8" => [FeedbackFails(preset, records)],
            "fig4" => [PStarLikeBp(preset, records, "clapp", null)],
            "fig9" => [PStarLikeBp(preset, records, "e2e-clapp", null)],
            "fig10" => NoNegativesVariants(preset, records),
            "fig5" => [DepthNeeded(preset, records)],
            "fig6" => [IcaNeedsDataAndNeurons(preset, records)],
            "fig11" => [InvarianceAboveLevel(preset, records)],
            _ => [(new ClaimVerdict(preset.Id, preset.Claim, Inconclusive, "no criterion", "no criterion is defined for this figure", new JsonObject()), [])],
        };
        return verdicts.Select(v => v.Verdict with { Scale = preset.Scale, Seeds = FewestSeeds(v.Judged) }).ToList();
    }

    /// <summary>The fewest seeds of any configuration (runs grouped as for P*, at every P).</summary>
    private static int FewestSeeds(IEnumerable<RunRecord> runs)
    {
        var groups = RunGrouping.Group(runs);
        return groups.Count == 0 ? 0 : groups.Min(g => g.Runs.GroupBy(r => r.Train).Min(p => p.Select(r => r.Seed).Distinct().Count()));
    }

    /// <summary>The text of <c>claims.json</c>: indented, readable.</summary>
    public static string FileText(JsonArray claims) => (claims ?? throw new ArgumentNullException(nameof(claims))).ToJsonString(Json.Readable) + "\n";

    /// <summary>Writes the verdicts into <c>claims.json</c>, keeping the entries of figures not checked this time.</summary>
    public static JsonArray Merge(JsonArray? existing, IEnumerable<ClaimVerdict> verdicts)
    {
        var fresh = verdicts.ToList();
        var checkedFigures = fresh.Select(v => v.Figure).ToHashSet(StringComparer.Ordinal);
        var byFigure = new SortedDictionary<(int, string, string), JsonObject>();
        foreach (var node in existing ?? [])
            if (node is JsonObject o && o["figure"] is JsonValue v && v.TryGetValue(out string? f) && !checkedFigures.Contains(f))
                byFigure[Order(f, (string?)o["variant"])] = (JsonObject)o.DeepClone();
        foreach (var v in fresh) byFigure[Order(v.Figure, v.Variant)] = v.ToJson();
        return new JsonArray(byFigure.Values.Select(o => (JsonNode?)o).ToArray());

        // The paper's order (fig3 … fig11), whatever the order of the runs; a figure's variants in the order given.
        (int, string, string) Order(string figure, string? variant)
        {
            int i = Reproduction.Figures.ToList().IndexOf(figure);
            int k = fresh.FindIndex(x => x.Figure == figure && x.Variant == variant);
            return (i < 0 ? int.MaxValue : i, figure, $"{(k < 0 ? 99 : k):00}{variant}");
        }
    }

    // Figs. 3, 7, 8: BP's own output learns, every judged rule's stays far from it, seed by seed.
    private static (ClaimVerdict, IEnumerable<RunRecord>) FeedbackFails(FigurePreset preset, IReadOnlyList<RunRecord> records)
    {
        // Figs. 3 and 8 judge the direct feedback rules and the ablations without input-specific upper masks; Fig. 7,
        // Fig. 3's setting with MSE and no biases, adds the linear gradient approximation, its named target (the other
        // rules of Fig. 7 are not named by the paper). FA and sign symmetry keep true masks, and the paper does not say
        // how they fare in either setting: they are measured and reported, not judged.
        bool fig7 = preset.Id == "fig7";
        bool Judged(string rule) => rule != "bp" && (LacksInputSpecificMasks(rule) || (fig7 && rule == "lga"));
        string judgedText = fig7 ? "DFA, every masking ablation and the linear gradient approximation" : "DFA and every masking ablation (-nomask, -avgmask, -shufmask)";
        string criterion = Text($"network test error at the largest P, seed by seed (a diverged run counts as not learning): holds if every BP seed is at most 0.1·chance and every seed of {judgedText} at least {FailingFraction}·chance; fails if BP's seed mean is above 0.1·chance or a seed of a judged rule is at most 0.1·chance; otherwise inconclusive.")
            + " FA and sign symmetry (true masks; outcome not stated by the paper) are reported, not judged"
            + (fig7 ? "." : "; the linear gradient approximation belongs to Fig. 7 and is reported here as a caveat.");
        var numbers = new JsonObject();
        double chance = records.Count > 0 ? records[0].ChanceError : double.NaN;
        double threshold = 0.1 * chance;
        numbers["chance"] = Num(chance);
        var perSeed = new Dictionary<string, List<(long Seed, double Error)>>(StringComparer.Ordinal);
        var diverged = new JsonArray();
        var missing = new List<string>();
        foreach (var g in records.GroupBy(r => r.Rule, StringComparer.Ordinal))
        {
            var list = new List<(long, double)>();
            foreach (var r in AtLargestP(g).OrderBy(r => r.Seed))
            {
                double e = r.NetworkTestError;
                if (double.IsNaN(e) && r.Diverged) { e = r.ChanceError; diverged.Add(Text($"{r.Rule} seed {r.Seed}")); }
                if (double.IsNaN(e)) { missing.Add(Text($"{r.Rule} seed {r.Seed}")); continue; }
                list.Add((r.Seed, e));
            }
            if (list.Count > 0) perSeed[g.Key] = list;
        }
        var means = new JsonObject();
        var seeds = new JsonObject();
        foreach (var (rule, list) in perSeed.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            means[rule] = Num(list.Average(x => x.Error));
            seeds[rule] = new JsonArray(list.Select(x => (JsonNode?)new JsonObject { ["seed"] = x.Seed, ["error"] = Num(x.Error) }).ToArray());
        }
        numbers["network_test_error"] = means;
        numbers["seeds"] = seeds;
        numbers["diverged"] = diverged;
        numbers["judged"] = new JsonArray(perSeed.Keys.Where(Judged).Order(StringComparer.Ordinal).Select(r => (JsonNode?)r).ToArray());
        numbers["reported_not_judged"] = new JsonArray(perSeed.Keys.Where(r => r != "bp" && !Judged(r)).Order(StringComparer.Ordinal).Select(r => (JsonNode?)r).ToArray());
        var judgedRules = perSeed.Keys.Where(Judged).ToList();
        if (!perSeed.TryGetValue("bp", out var bp) || judgedRules.Count == 0)
            return (new(preset.Id, preset.Claim, Inconclusive, criterion, "BP or the judged rules have no runs", numbers), records);
        string caveat = "";
        if (!fig7 && perSeed.TryGetValue("lga", out var lga))
            caveat = Text($"; caveat: the linear gradient approximation (judged in Fig. 7) ends at {string.Join(", ", lga.Select(x => $"{x.Error:0.###} (seed {x.Seed})"))}");
        if (missing.Count > 0) caveat += $"; without an error: {string.Join(", ", missing)}";
        double bpMean = bp.Average(x => x.Error);
        if (bpMean > threshold)
            return (new(preset.Id, preset.Claim, Fails, criterion, Text($"BP's mean error {bpMean:0.###} is above the threshold {threshold:0.###}") + caveat, numbers), records);
        var learnt = judgedRules.SelectMany(r => perSeed[r].Where(x => x.Error <= threshold).Select(x => Text($"{r} seed {x.Seed} ({x.Error:0.###})"))).ToList();
        if (learnt.Count > 0)
            return (new(preset.Id, preset.Claim, Fails, criterion, $"{string.Join(", ", learnt)} reach{(learnt.Count == 1 ? "es" : "")} the threshold" + caveat, numbers), records);
        var reasons = new List<string>();
        var bpAbove = bp.Where(x => x.Error > threshold).ToList();
        if (bpAbove.Count > 0) reasons.Add(Text($"BP seed(s) {string.Join(", ", bpAbove.Select(x => x.Seed))} above the threshold (mean {bpMean:0.###})"));
        var between = judgedRules.SelectMany(r => perSeed[r].Where(x => x.Error < FailingFraction * chance).Select(x => Text($"{r} seed {x.Seed} ({x.Error:0.###})"))).ToList();
        if (between.Count > 0) reasons.Add(Text($"{string.Join(", ", between)} between the threshold and {FailingFraction}·chance"));
        if (reasons.Count > 0) return (new(preset.Id, preset.Claim, Inconclusive, criterion, string.Join("; ", reasons) + caveat, numbers), records);
        return (new(preset.Id, preset.Claim, Holds, criterion,
            Text($"every BP seed ≤ {threshold:0.###} (mean {bpMean:0.###}); every seed of {string.Join(", ", judgedRules.Order(StringComparer.Ordinal))} ≥ {FailingFraction * chance:0.###}") + caveat, numbers), records);
    }

    // Fig. 10: one verdict per anti-collapse variant of clapp-pos, each named and labelled by whether it couples the batch.
    private static IReadOnlyList<(ClaimVerdict, IEnumerable<RunRecord>)> NoNegativesVariants(FigurePreset preset, IReadOnlyList<RunRecord> records)
    {
        string VariantOf(RunRecord r) => r.Config["anti-collapse"] is JsonValue v && v.TryGetValue(out string? s) ? s : Rules.AntiCollapseOptions.DefaultMechanism;
        var bp = records.Where(r => r.Rule == "bp").ToList();
        var variants = records.Where(r => r.Rule == "clapp-pos").GroupBy(VariantOf, StringComparer.Ordinal)
            .OrderBy(g => g.Key == Rules.AntiCollapseOptions.DefaultMechanism ? 0 : 1).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        var result = new List<(ClaimVerdict, IEnumerable<RunRecord>)>();
        bool anyStrict = false;
        foreach (var g in variants)
        {
            bool couples = Rules.NoNegativesModes.CouplesBatch(Rules.NoNegativesModes.Parse(g.Key));
            anyStrict |= !couples;
            var (v, judged) = PStarLikeBp(preset, bp.Concat(g).ToList(), "clapp-pos", g.Key);
            var numbers = (JsonObject)v.Numbers.DeepClone();
            numbers["anti_collapse"] = g.Key;
            numbers["gradient_couples_batch"] = couples;
            string label = couples
                ? $" (anti-collapse {g.Key}: the gradient of one datum's loss depends on the other data of its batch, an implicit in-batch contrast)"
                : $" (anti-collapse {g.Key}: strictly negative-free, the gradient of one datum's loss depends on no other datum of its batch)";
            result.Add((v with { Claim = v.Claim + label, Numbers = numbers, Variant = g.Key }, judged));
        }
        if (!anyStrict)
            result.Add((new ClaimVerdict(preset.Id, preset.Claim + " (a strictly negative-free anti-collapse variant)", Inconclusive,
                "as the other Fig. 10 entries, for a variant whose gradient of one datum's loss depends on no other datum of its batch",
                "no runs of a strictly negative-free variant (e.g. anti-collapse running-centered)", new JsonObject()) { Variant = "strictly-negative-free" }, []));
        if (result.Count == 0)
            result.Add((new ClaimVerdict(preset.Id, preset.Claim, Inconclusive, "see docs/CLAIMS.md", "clapp-pos has no runs", new JsonObject()), []));
        return result;
    }

    // Figs. 4, 9, 10: the rule's probe P* is within a factor of BP's probe P* on every configuration.
    private static (ClaimVerdict, IEnumerable<RunRecord>) PStarLikeBp(FigurePreset preset, IReadOnlyList<RunRecord> records, string rule, string? variant)
    {
        string criterion = Text($"holds if, on every RHM with runs of both, the P* of {rule}'s top-layer probe is within a factor {PStarFactor} of BP's (P* of the seed-mean error at 0.1·chance, interpolated in log P), both rules having read the same data (extra_data_read); fails if some ratio exceeds {PStarFactor} or {rule} never reaches the threshold where BP does; the slope of log P* against log D* is reported, not judged, below three RHMs");
        var judged = records.Where(r => r.Rule == rule || r.Rule == "bp").ToList();
        var analysis = PStarAnalysis.Run(judged, new PStarOptions { Measure = ErrorMeasure.Probe, Resamples = 200 });
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
                ["pstar_bp"] = bp?.Estimate.ToJson(), ["ratio"] = Num(g.RatioToBp), ["seeds"] = g.Curve.Seeds.Length,
                ["extra_data_read"] = g.ExtraDataRead, ["extra_data_read_bp"] = bp?.ExtraDataRead,
            });
            if (bp is null || !bp.Estimate.IsValue) { verdict = Worst(verdict, Inconclusive); reasons.Add($"{g.Group.ConfigLabel}: BP has no P*"); continue; }
            if (g.UnequalData)
            {
                verdict = Worst(verdict, Inconclusive);
                reasons.Add(Text($"{g.Group.ConfigLabel}: {rule} read {g.ExtraDataRead} data outside its training sets and BP {bp.ExtraDataRead}, so P*/P*_BP = {g.RatioText} compares rules given different data"));
                continue;
            }
            compared++;
            if (g.Estimate.Censoring == Censoring.AboveLast)
            {
                bool farEnough = g.Estimate.Bound >= PStarFactor * bp.Estimate.Value;
                verdict = Worst(verdict, farEnough ? Fails : Inconclusive);
                // A bound below BP's own P* says nothing yet about the ratio: the search has not reached the P that decides.
                string where = farEnough ? Text($", {g.Estimate.Bound / bp.Estimate.Value:0.#} × BP's P* ({bp.Estimate.Value:0})")
                    : g.Estimate.Bound < bp.Estimate.Value ? Text($", below BP's P* ({bp.Estimate.Value:0}): its search has not reached the P that decides")
                    : Text($", {g.Estimate.Bound / bp.Estimate.Value:0.#} × BP's P* ({bp.Estimate.Value:0}), less than the factor {PStarFactor}");
                reasons.Add(Text($"{g.Group.ConfigLabel}: {rule} stays above the threshold up to P = {g.Estimate.Bound:0}") + where);
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
        if (fit != null) numbers["slope"] = new JsonObject { ["value"] = Num(fit.Fit.Slope), ["points"] = fit.Fit.Points, ["t95_low"] = Num(fit.Fit.SlopeLow), ["t95_high"] = Num(fit.Fit.SlopeHigh) };
        if (compared == 0) { verdict = Worst(verdict, Inconclusive); reasons.Add($"no RHM has a P* for both BP and {rule} on the same data"); }
        string reason = reasons.Count > 0 ? string.Join("; ", reasons) : Text($"every ratio within a factor {PStarFactor} ({compared} RHM{(compared == 1 ? "" : "s")})");
        // The criterion judges the RHMs with runs of both; those where only BP has runs (a campaign still running, or a
        // plan that leaves them out) are named, so that a verdict on part of the figure says so.
        static (int, int, int, int) Task(RunRecord r) => (r.Nc, r.M, r.V, r.L);
        var ruleTasks = analysis.Groups.Where(g => g.Group.Rule == rule).Select(g => Task(g.Group.First)).ToHashSet();
        var bpOnly = analysis.Groups.Where(g => g.Group.Rule == "bp" && !ruleTasks.Contains(Task(g.Group.First)))
            .Select(g => g.Group.First).Select(r => Text($"nc={r.Nc} m={r.M} v={r.V} L={r.L}")).Distinct().ToList();
        numbers["bp_only"] = new JsonArray(bpOnly.Select(x => (JsonNode?)x).ToArray());
        if (bpOnly.Count > 0) reason += Text($"; not compared (no {rule} runs): {string.Join(", ", bpOnly)}");
        return (new(preset.Id, preset.Claim, verdict, criterion, reason, numbers) { Variant = variant }, judged);
    }

    /// <summary>
    /// Whether a run ended while its top-layer test error was still falling: false for a run that used its budget,
    /// reached its train-loss criterion, diverged or reached zero probe error; for a plateau stop, true when its
    /// checkpoints show a fall of more than <see cref="StillFalling"/> over the last fifth of its epochs, null when it has
    /// no checkpoints to tell.
    /// </summary>
    public static bool? CutWhileFalling(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.StopReason is not ("probe-plateau" or "objective-plateau")) return false;
        var c = run.Checkpoints;
        if (c.Count < 3) return null;
        double last = c[^1].Epoch, from = 0.8 * last;
        double earlier = c.Where(x => x.Epoch <= from).Select(x => x.TestError).DefaultIfEmpty(c[0].TestError).Last();
        return earlier - c[^1].TestError > StillFalling;
    }

    // Fig. 5: the input stays near chance, the top layer (depth L) decodes the class, the layers below decode worse;
    // "fails" needs BP as the control on the same RHM, widths and P, and CLAPP seeds that were not cut while learning.
    private static (ClaimVerdict, IEnumerable<RunRecord>) DepthNeeded(FigurePreset preset, IReadOnlyList<RunRecord> records)
    {
        string criterion = Text($"per CLAPP setting (RHM, widths, rep, batch, P; seed means of the ridge probe of networks as deep as the RHM), and per RHM its best setting (the paper leaves widths, P and the representation open; every setting is reported): holds if the raw input's error is at least {FailingFraction}·chance, layer L's at most 0.1·chance, and every layer below L at least twice layer L's error; fails only if CLAPP's layer L stays above {FailingFraction}·chance (or a layer below L is as good as layer L) while BP at the same RHM, widths and P reaches 0.1·chance with its top-layer probe, and every CLAPP seed, at least {SeedsToFail} of them, ran its budget or stopped on a curve no longer falling (by more than {StillFalling} over its last fifth, from its checkpoints); otherwise inconclusive, with the reason");
        var numbers = new JsonArray();
        var judged = new List<RunRecord>();
        // Each setting's status and reason; an RHM takes its best setting.
        var settings = new List<((int, int, int, int) Rhm, string Status, string Reason)>();
        // The one-network reading: networks as deep as their RHM (the separate shallower ones are drawn, not judged).
        var configs = records.Where(r => r.Rule == "clapp" && r.ProbeErrors.Length > 0 && r.ProbeErrors.Length >= r.L)
            .GroupBy(r => (r.Nc, r.M, r.V, r.L, Widths: r.WidthsText, Rep: OptionText(r, "rep"), Batch: OptionText(r, "batch"), P: r.Train)).ToList();
        foreach (var c in configs)
        {
            // P is part of a setting: each P is reported with the fraction of grammars that reach the threshold there.
            var at = c.ToList();
            judged.AddRange(at);
            long p = at[0].Train;
            double chance = at[0].ChanceError, threshold = 0.1 * chance;
            double input = Mean(at.Select(r => r.InputProbeError));
            int layerCount = at.Min(r => r.ProbeErrors.Length);
            var layers = Enumerable.Range(0, layerCount).Select(k => Mean(at.Select(r => r.ProbeErrors[k]))).ToArray();
            string name = Text($"nc={c.Key.Nc} m={c.Key.M} v={c.Key.V} L={c.Key.L} widths={c.Key.Widths} P={p}") + (c.Key.Rep.Length > 0 ? $" rep={c.Key.Rep}" : "") + (c.Key.Batch.Length > 0 ? $" batch={c.Key.Batch}" : "");
            var bpRuns = records.Where(r => r.Rule == "bp" && r.Nc == c.Key.Nc && r.M == c.Key.M && r.V == c.Key.V && r.L == c.Key.L && r.WidthsText == c.Key.Widths && r.Train == p).ToList();
            judged.AddRange(bpRuns);
            double bpTop = bpRuns.Count > 0 ? Mean(bpRuns.Select(r => r.Error(ErrorMeasure.Probe))) : double.NaN;
            var cut = at.Where(r => CutWhileFalling(r) == true).Select(r => r.Seed).ToList();
            var unknown = at.Where(r => CutWhileFalling(r) is null).Select(r => r.Seed).ToList();
            numbers.Add(new JsonObject
            {
                ["configuration"] = name, ["train"] = p, ["seeds"] = at.Count, ["chance"] = Num(chance), ["input"] = Num(input),
                ["layers"] = new JsonArray(layers.Select(x => (JsonNode?)Num(x)).ToArray()),
                ["seeds_at_threshold"] = at.Count(r => r.Error(ErrorMeasure.Probe) <= threshold),
                // A seed fixes the grammar: each grammar's raw-input decodability beside what each rule reaches on it.
                ["grammars"] = new JsonArray(at.OrderBy(r => r.Seed).Select(r => (JsonNode?)new JsonObject
                {
                    ["seed"] = r.Seed, ["input"] = Num(r.InputProbeError), ["clapp_top"] = Num(r.Error(ErrorMeasure.Probe)),
                    ["bp_top"] = bpRuns.FirstOrDefault(b => b.Seed == r.Seed) is { } b ? Num(b.Error(ErrorMeasure.Probe)) : null,
                    ["stop_reason"] = r.StopReason,
                }).ToArray()),
                ["bp_top_layer"] = Num(bpTop), ["bp_seeds"] = bpRuns.Count,
                ["cut_while_falling"] = new JsonArray(cut.Select(x => (JsonNode?)x).ToArray()),
                ["stop_unverifiable"] = new JsonArray(unknown.Select(x => (JsonNode?)x).ToArray()),
            });
            string status = Holds, why = name + ": as stated";
            void Set(string s, string text) { status = s; why = text; }
            int top = Math.Min(c.Key.L, layers.Length) - 1;
            double topError = layers[top];
            double bestBelow = top > 0 ? layers[..top].Min() : double.PositiveInfinity;
            if (topError > FailingFraction * chance || bestBelow <= topError)
            {
                string what = Text($"{name}: layer {top + 1} error {topError:0.###}, best layer below {bestBelow:0.###}");
                if (bpRuns.Count == 0) Set(Inconclusive, what + "; no BP control at this RHM, widths and P");
                else if (!(bpTop <= threshold)) Set(Inconclusive, what + Text($"; BP's top layer also stays above the threshold ({bpTop:0.###}): this RHM at this P is hard for both"));
                else if (cut.Count > 0) Set(Inconclusive, what + $"; seed(s) {string.Join(", ", cut)} stopped while their error was still falling");
                else if (unknown.Count > 0) Set(Inconclusive, what + $"; seed(s) {string.Join(", ", unknown)} stopped by a plateau rule without checkpoints to show the curve had flattened");
                else if (at.Count < SeedsToFail) Set(Inconclusive, what + Text($"; BP reaches {bpTop:0.###}, but CLAPP has {at.Count} seed(s) here so far and a verdict of fails needs {SeedsToFail}"));
                else Set(Fails, what + Text($"; BP reaches {bpTop:0.###} at the same RHM, widths and P"));
            }
            else if (input < FailingFraction * chance || topError > threshold || bestBelow < 2 * topError)
                Set(Inconclusive, Text($"{name}: input {input:0.###}, layer {top + 1} {topError:0.###}, best layer below {bestBelow:0.###} (chance {chance:0.###})"));
            else why = Text($"{name}: input {input:0.###}, layer {top + 1} {topError:0.###}, best layer below {bestBelow:0.###}");
            ((JsonObject)numbers[^1]!)["status"] = status;
            settings.Add(((c.Key.Nc, c.Key.M, c.Key.V, c.Key.L), status, why));
        }
        string verdict = configs.Count == 0 ? Inconclusive : Holds;
        var reasons = new List<string>();
        if (configs.Count == 0) reasons.Add("no CLAPP runs with probe errors");
        static int Rank(string s) => s == Holds ? 0 : s == Inconclusive ? 1 : 2;
        foreach (var rhm in settings.GroupBy(x => x.Rhm))
        {
            string best = rhm.MinBy(x => Rank(x.Status)).Status;
            verdict = Worst(verdict, best);
            reasons.AddRange(rhm.Select(x => (x.Status == best ? "" : "(not the RHM's verdict) ") + x.Reason));
        }
        return (new(preset.Id, preset.Claim, verdict, criterion, reasons.Count > 0 ? string.Join("; ", reasons) : "every RHM as stated", new JsonObject { ["configurations"] = numbers }), judged);
    }

    private static string OptionText(RunRecord r, string key) => r.Config[key] is JsonValue v ? v.ToString() : "";

    // Fig. 6: on an RHM where P can approach P_max, ICA reaches the threshold only with wide layers and far above
    // CLAPP's P*; RHMs whose grid stays far below P_max are reported as the picture, not judged.
    private static (ClaimVerdict, IEnumerable<RunRecord>) IcaNeedsDataAndNeurons(FigurePreset preset, IReadOnlyList<RunRecord> records)
    {
        string criterion = Text($"judged on each RHM whose P grid reaches {NearPMax}·P_max, with at least three ICA widths: holds if some ICA network reaches the threshold 0.1·chance, every ICA network that does has a probe P* at least {FarFactor} × CLAPP's, and the narrowest ICA network does not reach it; fails if an ICA network reaches it within {FarFactor} × CLAPP's P*, or the narrowest reaches it too; inconclusive when no ICA network reaches it, CLAPP has no P*, fewer than three widths, or no RHM comes near P_max. RHMs far from P_max are reported as the picture");
        var judged = new List<RunRecord>();
        var picture = new JsonArray();
        var panels = new JsonArray();
        string verdict = Holds;
        var reasons = new List<string>();
        int judgedPanels = 0;
        foreach (var rhm in records.Where(r => r.Rule is "ica" or "clapp").GroupBy(r => (r.Nc, r.M, r.V, r.S, r.L)))
        {
            var parameters = new Rhm.RhmParameters(rhm.Key.Nc, rhm.Key.M, rhm.Key.V, rhm.Key.S, rhm.Key.L);
            double pMax = (double)parameters.PMax;
            long largest = rhm.Max(r => r.Train);
            var analysis = PStarAnalysis.Run(rhm, new PStarOptions { Measure = ErrorMeasure.Probe, Resamples = 200 });
            var ica = analysis.Groups.Where(g => g.Group.Rule == "ica").OrderBy(g => g.Group.First.Widths.Sum()).ToList();
            var clapp = analysis.Groups.FirstOrDefault(g => g.Group.Rule == "clapp");
            // With n_c = m = v every tuple of every level occurs: the inputs are uniform over all v^(s^L) strings.
            bool uniform = rhm.Key.M == rhm.Key.V && rhm.Key.Nc == rhm.Key.V;
            var panel = new JsonObject
            {
                ["rhm"] = Text($"nc={rhm.Key.Nc} m={rhm.Key.M} v={rhm.Key.V} L={rhm.Key.L}"), ["p_max"] = pMax, ["largest_p"] = largest,
                ["inputs_uniform"] = uniform, ["clapp_pstar"] = clapp?.Estimate.ToJson(),
                ["ica"] = new JsonArray(ica.Select(g => (JsonNode?)new JsonObject
                {
                    ["widths"] = g.Group.First.WidthsText, ["pstar"] = g.Estimate.ToJson(), ["error_largest_p"] = Num(g.Mean[^1]),
                    ["error_smallest_p"] = Num(g.Mean[0]), ["seeds"] = g.Curve.Seeds.Length,
                }).ToArray()),
            };
            if (largest < NearPMax * pMax) { picture.Add(panel); continue; }
            panels.Add(panel);
            judged.AddRange(rhm);
            judgedPanels++;
            string name = (string)panel["rhm"]!;
            if (ica.Count < 3) { verdict = Worst(verdict, Inconclusive); reasons.Add($"{name}: {ica.Count} ICA width(s), three are needed"); continue; }
            if (clapp is null || !clapp.Estimate.IsValue && clapp.Estimate.Censoring != Censoring.AtOrBelowFirst) { verdict = Worst(verdict, Inconclusive); reasons.Add($"{name}: CLAPP has no P*"); continue; }
            double clappP = clapp.Estimate.IsValue ? clapp.Estimate.Value : clapp.Estimate.Bound;
            var reaching = ica.Where(g => g.Estimate.IsValue || g.Estimate.Censoring == Censoring.AtOrBelowFirst).ToList();
            if (reaching.Count == 0)
            {
                verdict = Worst(verdict, Inconclusive);
                reasons.Add(Text($"{name}: no ICA network reaches the threshold up to P = {largest} ({largest / pMax:0.##}·P_max); the widest ends at {ica[^1].Mean[^1]:0.###}"));
                continue;
            }
            var close = reaching.Where(g => (g.Estimate.IsValue ? g.Estimate.Value : g.Estimate.Bound) < FarFactor * clappP).ToList();
            if (close.Count > 0) { verdict = Worst(verdict, Fails); reasons.Add(Text($"{name}: ICA {string.Join(", ", close.Select(g => g.Group.First.WidthsText + " " + g.Estimate))} within {FarFactor} × CLAPP's P* {clappP:0}")); }
            if (reaching.Contains(ica[0])) { verdict = Worst(verdict, Fails); reasons.Add($"{name}: the narrowest ICA network ({ica[0].Group.First.WidthsText}) reaches the threshold too"); }
            if (close.Count == 0 && !reaching.Contains(ica[0]))
                reasons.Add(Text($"{name}: ICA reaches the threshold only at widths {string.Join(", ", reaching.Select(g => g.Group.First.WidthsText + " (P* " + g.Estimate + ")"))}, ≥ {FarFactor} × CLAPP's P* {clappP:0}; inputs uniform: {uniform}"));
        }
        if (judgedPanels == 0) { verdict = Inconclusive; reasons.Add("no RHM with ICA and CLAPP runs whose P grid comes near P_max"); }
        var numbers = new JsonObject { ["judged"] = panels, ["picture"] = picture };
        return (new(preset.Id, preset.Claim, verdict, criterion, string.Join("; ", reasons), numbers), judged);
    }

    // Fig. 11: past P*, layer k is invariant to exchanges at levels l < k, and becomes so as P passes P*.
    private static (ClaimVerdict, IEnumerable<RunRecord>) InvarianceAboveLevel(FigurePreset preset, IReadOnlyList<RunRecord> records)
    {
        string criterion = Text($"distance sensitivity S[k][l], seed means, hidden layers k = 1..L and levels l = 1..L; judged are the entries with k ≥ l + 1 (the diagonal and k < l are reported, not judged): holds if at the largest P every judged entry is at most {InvariantLevel}, none is {SensitiveLevel} or more at any P ≥ P*, and their mean falls from the largest P below P* to the smallest P ≥ P* (P* of the same runs' top-layer probe); fails if a judged entry is {SensitiveLevel} or more at some P ≥ P*, or their mean does not fall across P*; inconclusive without runs on both sides of P* or with a judged entry between {InvariantLevel} and {SensitiveLevel} at the largest P");
        // The figure is about CLAPP's representations; other rules' tables (BP's, for comparison) are not judged.
        var runs = records.Where(r => r.Rule == "clapp" && r.Sensitivity.Any(t => t.Definition == "sens-distance")).ToList();
        if (runs.Count == 0) return (new(preset.Id, preset.Claim, Inconclusive, criterion, "no runs with sensitivities", new JsonObject()), []);
        int depth = runs[0].L;
        var curve = SeedCurve.Build(runs, ErrorMeasure.Probe);
        var pstar = PStarEstimator.FirstCrossing(curve.Ps, curve.Mean(), 0.1 * runs[0].ChanceError);
        double[,] At(long p)
        {
            var tables = runs.Where(r => r.Train == p).Select(r => r.Sensitivity.First(t => t.Definition == "sens-distance")).ToList();
            var m = new double[depth, depth];
            for (int k = 1; k <= depth; k++)
                for (int l = 1; l <= depth; l++) m[k - 1, l - 1] = Mean(tables.Select(t => t.At(k, l)));
            return m;
        }
        JsonArray AsJson(double[,] m) => new(Enumerable.Range(0, depth).Select(k => (JsonNode?)new JsonArray(Enumerable.Range(0, depth).Select(l => Num(m[k, l])).ToArray())).ToArray());
        var judgedEntries = Enumerable.Range(1, depth).SelectMany(k => Enumerable.Range(1, k - 1).Select(l => (k, l))).ToList();
        double JudgedMean(double[,] m) => judgedEntries.Average(e => m[e.k - 1, e.l - 1]);
        var ps = runs.Select(r => r.Train).Distinct().Order().ToList();
        long largest = ps[^1];
        var numbers = new JsonObject
        {
            ["pstar"] = pstar.ToJson(), ["train"] = largest, ["seeds"] = runs.Where(r => r.Train == largest).Select(r => r.Seed).Distinct().Count(),
            ["judged_entries"] = "k >= l + 1", ["distance_sensitivity_layer_by_level"] = AsJson(At(largest)),
        };
        double crossing = pstar.IsValue ? pstar.Value : pstar.Censoring == Censoring.AtOrBelowFirst ? pstar.Bound : double.PositiveInfinity;
        var below = ps.Where(p => p < crossing).ToList();
        var above = ps.Where(p => p >= crossing).ToList();
        if (below.Count == 0 || above.Count == 0)
            return (new(preset.Id, preset.Claim, Inconclusive, criterion, $"runs on both sides of P* are needed (P* {pstar}; P = {string.Join(", ", ps)})", numbers), runs);
        var before = At(below[^1]);
        var after = At(above[0]);
        numbers["below_pstar"] = new JsonObject { ["train"] = below[^1], ["distance_sensitivity_layer_by_level"] = AsJson(before), ["judged_mean"] = Num(JudgedMean(before)) };
        numbers["above_pstar"] = new JsonObject { ["train"] = above[0], ["distance_sensitivity_layer_by_level"] = AsJson(after), ["judged_mean"] = Num(JudgedMean(after)) };
        string verdict = Holds;
        var reasons = new List<string>();
        foreach (long p in above)
        {
            var m = At(p);
            foreach (var (k, l) in judgedEntries)
                if (m[k - 1, l - 1] >= SensitiveLevel) { verdict = Fails; reasons.Add(Text($"P = {p}: layer {k} to level {l}: {m[k - 1, l - 1]:0.##}")); }
        }
        if (!(JudgedMean(after) < JudgedMean(before)))
        {
            verdict = Fails;
            reasons.Add(Text($"the judged entries do not fall across P*: mean {JudgedMean(before):0.###} at P = {below[^1]}, {JudgedMean(after):0.###} at P = {above[0]}"));
        }
        var last = At(largest);
        foreach (var (k, l) in judgedEntries)
            if (last[k - 1, l - 1] > InvariantLevel && last[k - 1, l - 1] < SensitiveLevel)
            { verdict = Worst(verdict, Inconclusive); reasons.Add(Text($"P = {largest}: layer {k} to level {l}: {last[k - 1, l - 1]:0.##}")); }
        string reason = reasons.Count > 0 ? string.Join("; ", reasons)
            : Text($"every layer k ≥ l + 1 at most {InvariantLevel} at P = {largest}; their mean falls from {JudgedMean(before):0.###} (P = {below[^1]}) to {JudgedMean(after):0.###} (P = {above[0]}) across P* {pstar}");
        return (new(preset.Id, preset.Claim, verdict, criterion, reason, numbers), runs);
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
    private static JsonNode? Num(double x) => Json.Num(Math.Round(x, 6));

    private static string Text(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
