using System.Numerics;
using System.Text.Json.Nodes;
using RhmLab.Analysis;
using RhmLab.Analysis.Figures;
using RhmLab.Data;
using RhmLab.Experiments;
using RhmLab.Rhm;

namespace RhmLab.Paper;

/// <summary>One drawing of a reproduced figure: which figure of the catalogue, with which options, into which file.</summary>
/// <param name="Figure">A <see cref="FigureCatalog"/> name.</param>
/// <param name="File">File name without extension; PNG and SVG are written.</param>
/// <param name="Options">Figure options (rule filter, measure).</param>
public sealed record Drawing(string Figure, string File, FigureOptions Options);

/// <summary>
/// A figure of the paper as a preset: the sweep plans that produce its data (each a JSON plan for
/// <see cref="SweepPlan"/>), the folder they share, the drawings, and the qualitative claim the figure supports.
/// </summary>
/// <param name="Id">fig3, fig4, …</param>
/// <param name="Claim">What the paper's figure shows and the reproduction must show.</param>
/// <param name="Folder">Results sub-folder; figures whose runs overlap share one, so shared runs are run once.</param>
/// <param name="Plans">The sweep plans.</param>
/// <param name="Drawings">What to draw from the folder.</param>
public sealed record FigurePreset(string Id, string Claim, string Folder, IReadOnlyList<JsonObject> Plans, IReadOnlyList<Drawing> Drawings)
{
    /// <summary>quick or paper.</summary>
    public string? Scale { get; init; }

    /// <summary>The results sub-folder of each plan, when the plans do not all run into <see cref="Folder"/>.</summary>
    public IReadOnlyList<string>? PlanFolders { get; init; }

    /// <summary>
    /// The results sub-folders whose records the figure is drawn and judged from, when they are not just
    /// <see cref="Folder"/>: at paper scale the P* figures read the campaign's folders, Fig. 11 its checks too.
    /// </summary>
    public IReadOnlyList<string>? RecordFolders { get; init; }

    /// <summary>The results sub-folder plan <paramref name="index"/> runs into.</summary>
    public string PlanFolder(int index) => PlanFolders is { } f ? f[index] : Folder;

    /// <summary>The results sub-folders the figure reads.</summary>
    public IReadOnlyList<string> ReadFolders => RecordFolders ?? [Folder];

    /// <summary>The records of <paramref name="all"/> (read under <paramref name="outDir"/>) that lie in the figure's folders.</summary>
    public IReadOnlyList<RunRecord> RecordsIn(string outDir, IEnumerable<RunRecord> all)
    {
        var folders = ReadFolders.Select(f => Path.GetFullPath(Path.Combine(outDir, f)) + Path.DirectorySeparatorChar).ToList();
        return all.Where(r => folders.Any(f => Path.GetFullPath(r.Path).StartsWith(f, StringComparison.Ordinal))).ToList();
    }
}

/// <summary>
/// The presets of <c>rhmlab reproduce</c> (docs/METHODS.md §5). <c>quick</c> uses small RHMs, one or two seeds and short
/// budgets so that every figure finishes in minutes on two cores and already shows its qualitative claim; <c>paper</c>
/// uses the paper's configurations (§1.11) with ≥ 5 seeds, the P grid of §4.3 and the default budgets, and is meant
/// for a cluster (<c>rhmlab slurm</c> on the same plans).
/// </summary>
public static class Reproduction
{
    /// <summary>The figures that can be reproduced.</summary>
    public static IReadOnlyList<string> Figures { get; } = ["fig3", "fig4", "fig5", "fig6", "fig7", "fig8", "fig9", "fig10", "fig11"];

    /// <summary>The preset of a figure at a scale (<c>quick</c> or <c>paper</c>).</summary>
    public static FigurePreset Preset(string figure, string scale)
    {
        bool paper = scale switch
        {
            "quick" => false,
            "paper" => true,
            _ => throw new ArgumentException($"--scale must be quick or paper (got '{scale}')"),
        };
        var preset = figure switch
        {
            "fig3" => Fig3(paper),
            "fig7" => Fig7(paper),
            "fig8" => Fig8(paper),
            "fig4" => PStar("fig4", "clapp", "CLAPP's probe error falls below 10 % of chance at P of order n_c·m^L, like BP; P* grows like D* with slope ≈ 1 (Fig. 4B, C)", paper),
            "fig9" => PStar("fig9", "e2e-clapp", "End-to-end SSL (the CLAPP loss at the top, backpropagated) also reaches the threshold with P* ∝ D* (Fig. 9)", paper),
            "fig10" => PStar("fig10", "clapp-pos", "CLAPP without negatives is also data-efficient (Fig. 10; the anti-collapse option is recorded)", paper),
            "fig5" => Fig5(paper),
            "fig6" => Fig6(paper),
            "fig11" => Fig11(paper),
            _ => throw new ArgumentException($"figure must be one of {string.Join(", ", Figures)} or all (got '{figure}')"),
        };
        return preset with { Scale = scale };
    }

    private static JsonObject Plan(string description, JsonObject grid, JsonObject fixedOptions) =>
        new() { ["description"] = description, ["grid"] = grid, ["fixed"] = fixedOptions };

    private static JsonArray Arr(params object[] xs) => new(xs.Select(x => x switch
    {
        int i => (JsonNode?)JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        string s => JsonValue.Create(s),
        JsonNode n => n,
        _ => throw new ArgumentException("unsupported plan value"),
    }).ToArray());

    private static JsonArray Seeds(int n) => new(Enumerable.Range(1, n).Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());

    private static FigurePreset Fig3(bool paper)
    {
        // The masking contrast: BP against direct feedback, FA, the oracle and BP with removed or averaged upper masks.
        // At n_c = m = v = 4 every ablation still learns (measured: bp-nomask and lga reach ~0 test error), so even
        // the quick preset uses n_c = m = v = 6, where the contrast shows.
        int nmv = paper ? 8 : 6;
        var rules = Arr("bp", "fa", "dfa", "lga", "bp-nomask", "bp-avgmask");
        var plan = Plan($"Fig. 3: masking (n_c = m = v = {nmv}, L = 3, P = 4 n_c m^L)",
            new JsonObject { ["rule"] = rules, ["seed"] = Seeds(paper ? 3 : 1) },
            new JsonObject { ["nmv"] = nmv, ["L"] = 3, ["train-x"] = 4, ["epochs"] = paper ? 500 : 150, ["eval-every"] = paper ? 10 : 5, ["width"] = paper ? 128 : 72 });
        return new FigurePreset("fig3", "BP reaches low training loss and high test accuracy; DFA-type feedback and BP without input-specific upper masks do not (Fig. 3B, C)",
            "fig3", [plan], [new Drawing("curves", "fig3-curves", new FigureOptions { Measure = ErrorMeasure.Network })]);
    }

    private static FigurePreset Fig7(bool paper)
    {
        // Fig. 3's setting with the mean squared error and no biases: the linear oracle fails while BP learns, the
        // paper's point being that no input-independent linear feedback suffices. FA and sign symmetry (true masks)
        // run beside it; the paper does not say how they fare.
        int nmv = paper ? 8 : 6;
        var plan = Plan($"Fig. 7: MSE loss, no biases (n_c = m = v = {nmv}, L = 3, P = 4 n_c m^L)",
            new JsonObject { ["rule"] = Arr("bp", "fa", "sign", "dfa", "lga"), ["seed"] = Seeds(paper ? 3 : 1) },
            new JsonObject
            {
                ["nmv"] = nmv, ["L"] = 3, ["train-x"] = 4, ["loss"] = "mse", ["bias"] = "none",
                ["epochs"] = paper ? 500 : 200, ["eval-every"] = paper ? 10 : 5, ["width"] = paper ? 128 : 72,
            });
        return new FigurePreset("fig7", "With MSE and no biases, direct feedback and the linear gradient approximation keep a high loss and test error while BP learns (Fig. 7)",
            "fig7", [plan], [new Drawing("curves", "fig7-curves", new FigureOptions { Measure = ErrorMeasure.Network })]);
    }

    private static FigurePreset Fig8(bool paper)
    {
        // Fig. 3 on an RHM with four levels of hierarchy.
        int nmv = paper ? 6 : 4;
        var plan = Plan($"Fig. 8: masking at L = 4 (n_c = m = v = {nmv}, P = 4 n_c m^L)",
            new JsonObject { ["rule"] = Arr("bp", "fa", "dfa", "lga", "bp-nomask", "bp-avgmask"), ["seed"] = Seeds(paper ? 3 : 1) },
            new JsonObject { ["nmv"] = nmv, ["L"] = 4, ["train-x"] = 4, ["epochs"] = paper ? 500 : 150, ["eval-every"] = paper ? 10 : 5, ["width"] = 2 * nmv * nmv });
        return new FigurePreset("fig8", "With four levels of hierarchy, BP learns while DFA-type feedback and BP without input-specific upper masks do not (Fig. 8)",
            "fig8", [plan], [new Drawing("curves", "fig8-curves", new FigureOptions { Measure = ErrorMeasure.Network })]);
    }

    /// <summary>The P grid of §4.3 for one RHM: round(p·n_c·m^L) for p in 1/8..16, dropping P > P_max − T.</summary>
    public static (double[] Multiples, long Test) Grid(RhmParameters rhm, double[] multiples, long maxTest = 20000)
    {
        ArgumentNullException.ThrowIfNull(rhm);
        ArgumentNullException.ThrowIfNull(multiples);
        var pMax = rhm.PMax;
        // Keep the largest P with at least 1/4 of P_max (or 20 000 data) left for the test set.
        var kept = multiples.Where(p => new BigInteger(Math.Round(p * rhm.SampleScale)) * 4 <= pMax * 3).ToArray();
        long top = (long)Math.Round(kept.DefaultIfEmpty(multiples[0]).Max() * rhm.SampleScale);
        var rest = pMax - top;
        long test = rest > maxTest ? maxTest : (long)rest;
        return (kept, test);
    }

    private static FigurePreset PStar(string id, string rule, string claim, bool paper)
    {
        // Error vs P for BP and one rule on several RHMs; every figure of this family shares one results folder.
        var rules = new[] { "bp", rule };
        var drawings = new List<Drawing>
        {
            new("error-vs-p", $"{id}-error-vs-p", new FigureOptions { Rules = rules }),
            new("pstar", $"{id}-pstar", new FigureOptions { Rules = rules }),
        };
        if (paper)
        {
            var (paperPlans, folders) = PaperPStarPlans(id, rule);
            return new FigurePreset(id, claim, "L3", paperPlans, drawings) { PlanFolders = folders, RecordFolders = folders.Distinct().ToList() };
        }
        var plans = new List<JsonObject>();
        foreach (var (nmv, depth) in new[] { (6, 2), (8, 2) })
        {
            var (kept, test) = Grid(new RhmParameters(nmv, nmv, nmv, 2, depth), [0.25, 0.5, 1, 2, 4]);
            var grid = new JsonObject { ["rule"] = Arr("bp", rule), ["train-x"] = Arr(kept.Cast<object>().ToArray()), ["seed"] = Seeds(2) };
            var common = new JsonObject { ["nmv"] = nmv, ["L"] = depth, ["test"] = test, ["eval-every"] = 100 };
            if (!SlowLearner(rule))
            {
                plans.Add(Plan($"{id}: BP and {rule}, n_c = m = v = {nmv}, L = {depth}", grid, common));
                continue;
            }
            // CLAPP without negatives learns more slowly than the other rules (docs/CLAPP-NO-NEGATIVES.md): at n_c = m = v = 6
            // its P* with triplets and 400 epochs lies at the top of this grid (about 850 over 5 seeds), so it gets the
            // paper campaign's budget, in-batch pairing and 10 000 updates. BP keeps the runs it shares with Figs. 4 and 9.
            grid["rule"] = Arr("bp");
            plans.Add(Plan($"{id}: BP, n_c = m = v = {nmv}, L = {depth}", grid, common));
            var ruleGrid = (JsonObject)grid.DeepClone();
            ruleGrid.Remove("rule");
            var budget = SelfSupervisedBudget(rule, depth);
            budget["nmv"] = nmv;
            budget["test"] = test;
            plans.Add(Plan($"{id}: {rule} with the campaign's budget, n_c = m = v = {nmv}, L = {depth}", ruleGrid, budget));
            // The strictly negative-free reading of the claim: no datum's gradient reads another datum of its batch.
            var strict = (JsonObject)budget.DeepClone();
            strict["anti-collapse"] = "running-centered";
            plans.Add(Plan($"{id}: {rule}, strictly negative-free (anti-collapse running-centered), n_c = m = v = {nmv}, L = {depth}", (JsonObject)ruleGrid.DeepClone(), strict));
        }
        return new FigurePreset(id, claim, "pstar", plans, drawings);
    }

    private static bool SlowLearner(string rule) => rule == "clapp-pos";

    /// <summary>
    /// The paper-scale P* plans: the data-exact campaign itself (plans/paper/L2-*.json, L3-*.json), so that
    /// <c>reproduce --scale paper --out results/paper</c> finds its committed records and reruns none of them. Per
    /// depth, an adaptive search of P* (§4.3's crossing, bracket ratio 1.5) instead of the eight-size grid, 5 seeds, BP
    /// with an update budget and the self-supervised rule with in-batch pairing, an update budget and, at L = 3,
    /// objective-stop; the runs of each depth go into its campaign folder (L2, L3). Fig. 4 also searches BP's own
    /// output, which mostly reuses the same runs; Fig. 10 adds the strictly negative-free variant on a grid
    /// (folder fig10-strict).
    /// </summary>
    internal static (IReadOnlyList<JsonObject> Plans, IReadOnlyList<string> Folders) PaperPStarPlans(string id, string rule)
    {
        var plans = new List<JsonObject>();
        var folders = new List<string>();
        var search = new JsonObject { ["measure"] = "probe", ["start-x"] = 1, ["factor"] = 4, ["ratio"] = 1.5 };
        foreach (int depth in new[] { 2, 3 })
        {
            var nmvs = depth == 2 ? Arr(6, 8, 10) : Arr(4, 5, 6, 8);
            string folder = $"L{depth}", sizes = depth == 2 ? "6, 8, 10" : "4, 5, 6, 8";
            void Add(JsonObject plan) { plans.Add(plan); folders.Add(folder); }
            Add(SearchPlan($"{id}: BP, P* of the top-layer probe, n_c = m = v in {sizes}, L = {depth}",
                new JsonObject { ["nmv"] = nmvs.DeepClone(), ["seed"] = Seeds(5) },
                new JsonObject { ["rule"] = "bp", ["L"] = depth, ["updates"] = 20000, ["eval-every"] = 0 }, search));
            if (id == "fig4")
            {
                var network = (JsonObject)search.DeepClone();
                network["measure"] = "network";
                Add(SearchPlan($"{id}: BP, P* of its own output, n_c = m = v in {sizes}, L = {depth}",
                    new JsonObject { ["nmv"] = nmvs.DeepClone(), ["seed"] = Seeds(5) },
                    new JsonObject { ["rule"] = "bp", ["L"] = depth, ["updates"] = 20000, ["eval-every"] = 0 }, network));
            }
            Add(SearchPlan($"{id}: {rule}, P* of the top-layer probe, n_c = m = v in {sizes}, L = {depth}",
                new JsonObject { ["rule"] = Arr(rule), ["nmv"] = nmvs.DeepClone(), ["seed"] = Seeds(5) },
                WithoutRule(SelfSupervisedBudget(rule, depth)), search));
        }
        if (id == "fig10")
        {
            // No datum's gradient reads another datum of its batch: the strict reading of "without negatives". It is
            // measured on a grid reaching far past BP's P* (4 and 16 n_c·m^L), since a search would climb to P_max.
            foreach (var (depth, nmvs, xs) in new[] { (2, Arr(6, 8), Arr(1, 4)), (3, Arr(4, 5), Arr(1, 4, 16)) })
            {
                var fixedOptions = SelfSupervisedBudget(rule, depth);
                fixedOptions["anti-collapse"] = "running-centered";
                plans.Add(Plan($"{id}: {rule} strictly negative-free (anti-collapse running-centered), L = {depth}",
                    new JsonObject { ["nmv"] = nmvs, ["train-x"] = xs, ["seed"] = Seeds(5) }, fixedOptions));
                folders.Add("fig10-strict");
            }
        }
        return (plans, folders);
    }

    private static JsonObject WithoutRule(JsonObject o)
    {
        o.Remove("rule");
        return o;
    }

    /// <summary>
    /// The paper-scale budget of a self-supervised rule, data-exact (it reads only the P training data, as BP's
    /// train-loss stop does; METHODS §1.10): in-batch pairing; at L ≥ 3 objective-stop (the rule's own objective on
    /// its training data, METHODS §2.5) within an update budget of 100 000 so that small training sets are not
    /// starved, with test-error checkpoints every 5 000 updates (reported, never used to stop); at L = 2, where runs
    /// take seconds, the default 400 epochs with an update budget of 10 000 (the objective-stop floor of 20 000 updates
    /// would exceed it at most P).
    /// </summary>
    internal static JsonObject SelfSupervisedBudget(string rule, int depth) => depth <= 2
        ? new() { ["rule"] = rule, ["L"] = depth, ["clapp-pairing"] = "in-batch", ["eval-every"] = 0, ["updates"] = 10000 }
        : new()
        {
            ["rule"] = rule, ["L"] = depth, ["clapp-pairing"] = "in-batch", ["eval-every"] = 0, ["eval-every-updates"] = 5000,
            ["objective-stop"] = "on", ["updates"] = 100000,
        };

    /// <summary>At paper scale and L ≥ 3, a CLAPP plan's fixed options with <see cref="SelfSupervisedBudget"/> added.</summary>
    private static JsonObject WithBudget(JsonObject fixedOptions, bool paper, int depth)
    {
        if (!paper || depth < 3) return fixedOptions;
        foreach (var (key, value) in SelfSupervisedBudget((string)fixedOptions["rule"]!, depth))
            if (!fixedOptions.ContainsKey(key)) fixedOptions[key] = value?.DeepClone();
        return fixedOptions;
    }

    private static JsonObject SearchPlan(string description, JsonObject grid, JsonObject fixedOptions, JsonObject search) =>
        new() { ["description"] = description, ["grid"] = grid, ["fixed"] = fixedOptions, ["search"] = search.DeepClone() };

    private static FigurePreset Fig5(bool paper)
    {
        // Decoding from every depth, in both readings of "networks of different depths": the layers of one CLAPP
        // network whose depth matches L, and separate CLAPP networks trained with 1..L−1 layers (the full-depth one is
        // the first plan's run). The separate networks get one seed: for a layer-local rule they equal the lower layers
        // of the full network with the same seed (LayerLocalityTests), so they check that identity at scale rather
        // than add information; SeparateDepths says why the paper scale keeps one depth.
        var plans = new List<JsonObject>();
        // Quick: P = 4·n_c·m^L, where CLAPP is past its P* (about 2·n_c·m^L at L = 2, 3·n_c·m^L at L = 3); n_c = m = v
        // = 6 at L = 2 because P_max = 256 at 4 leaves no test set at that P.
        var configs = paper ? new[] { (3, 5), (6, 4), (8, 3) } : new[] { (6, 2), (4, 3) };
        foreach (var (nmv, depth) in configs)
        {
            var (kept, test) = Grid(new RhmParameters(nmv, nmv, nmv, 2, depth), [4]);
            JsonObject Fixed() => Fig5Clapp(nmv, depth, kept.DefaultIfEmpty(1).Max(), test, paper);
            plans.Add(Plan($"Fig. 5: CLAPP, n_c = m = v = {nmv}, L = {depth}", new JsonObject { ["seed"] = Seeds(paper ? 5 : 1) }, Fixed()));
            plans.Add(Plan($"Fig. 5, separate networks: CLAPP with {string.Join(", ", SeparateDepths(depth, paper))} layer(s), n_c = m = v = {nmv}, L = {depth}",
                new JsonObject { ["layers"] = Arr(SeparateDepths(depth, paper).Cast<object>().ToArray()), ["seed"] = Seeds(1) }, Fixed()));
            if (!paper) continue;
            // The control: BP on the same grammars (a seed fixes the grammar), widths and P, with CLAPP's budget of
            // 100 000 updates (and its own train-loss stop): at L = 4 and 5 some BP seeds sit on the initial plateau
            // through the 20 000 updates that suffice at L ≤ 3. Without a control "CLAPP fails" and "this RHM at this P
            // is hard for every rule" cannot be told apart.
            JsonObject Bp() => BpControl(nmv, depth, kept.DefaultIfEmpty(1).Max(), test);
            plans.Add(Plan($"Fig. 5 control: BP, n_c = m = v = {nmv}, L = {depth}", new JsonObject { ["seed"] = Seeds(5) }, Bp()));
        }
        // At L = 5 (narrow networks, minutes a run) the settings the paper leaves open: 16 and 64·n_c·m^L, widths 4v² and 8v²,
        // the per-position representation and a larger batch (more in-batch negatives per anchor). They come after
        // every RHM's main runs and controls, so that a reproduction cut part-way has all three depths to judge.
        if (paper)
        {
            const int nmv = 3, depth = 5;
            var rhm = new RhmParameters(nmv, nmv, nmv, 2, depth);
            var (kept, test) = Grid(rhm, [4]);
            JsonObject Fixed() => Fig5Clapp(nmv, depth, kept.DefaultIfEmpty(1).Max(), test, paper);
            JsonObject Bp() => BpControl(nmv, depth, kept.DefaultIfEmpty(1).Max(), test);
            long ncmL = (long)Math.Round(rhm.SampleScale);
            var variants = new (string What, Action<JsonObject> Set, bool Bp)[]
            {
                ("P = 16 n_c m^L", o => AbsoluteTrain(o, 16 * ncmL), true),
                ("P = 64 n_c m^L", o => AbsoluteTrain(o, 64 * ncmL), true),
                ("widths 4v^2", o => o["width"] = 4 * nmv * nmv, true),
                ("rep per-position", o => o["rep"] = "per-position", false),
                ("batch 512", o => o["batch"] = 512, false),
                ("widths 8v^2", o => o["width"] = 8 * nmv * nmv, true),
            };
            foreach (var (what, set, withBp) in variants)
            {
                var clapp = Fixed();
                set(clapp);
                plans.Add(Plan($"Fig. 5 setting: CLAPP, {what}, n_c = m = v = {nmv}, L = {depth}", new JsonObject { ["seed"] = Seeds(5) }, clapp));
                if (!withBp) continue;
                var bp = Bp();
                set(bp);
                plans.Add(Plan($"Fig. 5 control: BP, {what}, n_c = m = v = {nmv}, L = {depth}", new JsonObject { ["seed"] = Seeds(5) }, bp));
            }
        }
        return new FigurePreset("fig5", "Linear decodability of the class is high only once the depth reaches L; the raw input stays near chance (Fig. 5)",
            "fig5", plans,
        [
            new Drawing("depth", "fig5-depth", new FigureOptions()),
            new Drawing("depth", "fig5-depth-separate-networks", new FigureOptions { DepthReading = DepthReading.SeparateNetworks }),
        ]);
    }

    // The larger P of Fig. 5's L = 5 settings as an absolute `train`, the way the depth searches (plans/paper/depth)
    // write it: the run then has the same configuration, and so the same run key, as the search's run at that P, and
    // the records can be shared between the two folders instead of computed twice (docs/RESULTS.md, Fig. 5).
    private static void AbsoluteTrain(JsonObject o, long train)
    {
        o.Remove("train-x");
        o["train"] = train;
    }

    private static JsonObject Fig5Clapp(int nmv, int depth, double trainX, long test, bool paper) =>
        WithBudget(new JsonObject { ["rule"] = "clapp", ["nmv"] = nmv, ["L"] = depth, ["train-x"] = trainX, ["test"] = test }, paper, depth);

    private static JsonObject BpControl(int nmv, int depth, double trainX, long test) =>
        new() { ["rule"] = "bp", ["nmv"] = nmv, ["L"] = depth, ["train-x"] = trainX, ["test"] = test, ["updates"] = 100000, ["eval-every"] = 0 };

    /// <summary>
    /// The depths of Fig. 5's separate networks: every depth below L at quick scale; at paper scale one layer only, so
    /// that the separate reading's curve has the raw input, a one-layer network and the full network. A network's cost
    /// hardly falls with its depth (the first layer, with the most positions, dominates), and every further depth would
    /// put the paper preset above its 48 core-hour goal (docs/COST.md).
    /// </summary>
    private static int[] SeparateDepths(int depth, bool paper) => paper ? [1] : [.. Enumerable.Range(1, depth - 1)];

    private static FigurePreset Fig6(bool paper)
    {
        // Layer-wise ICA needs many samples and many neurons; CLAPP as the reference. The ICA is reconstruction ICA
        // (ica-overcomplete = rica), the overcomplete ICA of Le et al. (2011): under FastICA's `cap` a layer cannot
        // use more units than its patches' rank (10 at v = 6), so width could not matter. Narrow, constant and growing
        // widths, as the caption's pale and dark curves.
        int nmv = paper ? 8 : 6, depth = paper ? 3 : 2;
        var rhm = new RhmParameters(nmv, nmv, nmv, 2, depth);
        var (kept, test) = Grid(rhm, paper ? [0.5, 1, 2, 4, 8, 16] : [0.5, 1, 2, 4]);
        int v2 = nmv * nmv;
        JsonArray Widths(params int[] perLayer) => Arr(perLayer.Cast<object>().ToArray());
        var widths = paper
            ? Arr(Widths(v2, v2, v2), Widths(4 * v2, 4 * v2, 4 * v2), Widths(2 * v2, 4 * v2, 8 * v2))
            : Arr(Widths(v2 / 2, v2 / 2), Widths(2 * v2, 2 * v2), Widths(v2, 4 * v2));
        var icaFixed = new JsonObject { ["rule"] = "ica", ["ica-overcomplete"] = "rica", ["nmv"] = nmv, ["L"] = depth, ["test"] = test };
        // At paper scale each layer fits on 10 000 patches and two seeds: an L-BFGS evaluation costs four products of
        // patches × rank × H, and a run at the largest widths takes about 200 core-seconds (docs/RESULTS.md).
        if (paper) icaFixed["ica-max-patches"] = 10000;
        var ica = Plan($"Fig. 6: layer-wise reconstruction ICA, n_c = m = v = {nmv}, L = {depth}",
            new JsonObject { ["widths"] = widths, ["train-x"] = Arr(kept.Cast<object>().ToArray()), ["seed"] = Seeds(2) }, icaFixed);
        var clapp = Plan($"Fig. 6 reference: CLAPP, n_c = m = v = {nmv}, L = {depth}",
            new JsonObject { ["train-x"] = Arr(kept.Cast<object>().ToArray()), ["seed"] = Seeds(paper ? 3 : 2) },
            new JsonObject { ["rule"] = "clapp", ["nmv"] = nmv, ["L"] = depth, ["test"] = test });
        var plans = new List<JsonObject> { ica, clapp };
        if (paper)
        {
            // With n_c = m = v the inputs are uniform over all strings and carry no trace of the classes (METHODS
            // §3.12): ICA can only help a probe read a wide generic representation, which needs P near P_max. At
            // n_c = m = v = 4, L = 3 (P_max = 65 536) the grid reaches half of P_max, so the claim is judged there; the
            // n_c = m = v = 8 panel above (P_max ≈ 1.7·10^7) is the paper-scale picture.
            var small = new RhmParameters(4, 4, 4, 2, 3);
            var (smallKept, smallTest) = Grid(small, [1, 4, 16, 64, 128]);
            var xs = Arr(smallKept.Cast<object>().ToArray());
            plans.Add(Plan("Fig. 6, near P_max: layer-wise reconstruction ICA at constant widths v², 4v², 16v² and growing v²-4v²-16v², n_c = m = v = 4, L = 3",
                new JsonObject { ["widths"] = Arr(Widths(16, 16, 16), Widths(64, 64, 64), Widths(256, 256, 256), Widths(16, 64, 256)), ["train-x"] = xs, ["seed"] = Seeds(3) },
                new JsonObject { ["rule"] = "ica", ["ica-overcomplete"] = "rica", ["ica-max-patches"] = 10000, ["nmv"] = 4, ["L"] = 3, ["test"] = smallTest }));
            plans.Add(Plan("Fig. 6, near P_max, reference: CLAPP, n_c = m = v = 4, L = 3",
                new JsonObject { ["train-x"] = xs.DeepClone(), ["seed"] = Seeds(3) },
                new JsonObject { ["rule"] = "clapp", ["nmv"] = 4, ["L"] = 3, ["test"] = smallTest }));
        }
        return new FigurePreset("fig6", "ICA improves only with many samples and many neurons; CLAPP reaches the threshold at far smaller P (Fig. 6)",
            "fig6", plans, [new Drawing("ica", "fig6-ica", new FigureOptions())]);
    }

    private static FigurePreset Fig11(bool paper)
    {
        // Synonymic sensitivity of CLAPP representations across P (the Fig. 11A example has m = 3, v = 4, L = 3).
        var rhm = paper ? new RhmParameters(4, 3, 4, 2, 3) : new RhmParameters(3, 3, 3, 2, 3);
        var (kept, test) = Grid(rhm, paper ? [0.5, 1, 2, 4, 8, 16] : [1, 4, 16]);
        var plan = Plan($"Fig. 11: sensitivity of CLAPP, n_c = {rhm.Classes}, m = {rhm.Synonyms}, v = {rhm.Vocabulary}, L = 3",
            new JsonObject { ["train-x"] = Arr(kept.Cast<object>().ToArray()), ["seed"] = Seeds(paper ? 3 : 1) },
            new JsonObject
            {
                ["rule"] = "clapp", ["nc"] = rhm.Classes, ["m"] = rhm.Synonyms, ["v"] = rhm.Vocabulary, ["L"] = 3, ["test"] = test,
                ["sensitivity"] = true,
            });
        // At paper scale the figure also reads the check above the preset's largest P (docs/RESULTS.md, Fig. 11).
        return new FigurePreset("fig11", "For P ≥ P*, layer k becomes insensitive to level-l synonym exchanges from k = l + 1 on, more so as P grows past P* (Fig. 11B; the diagonal k = l stays sensitive)",
            "fig11", [plan],
        [
            new Drawing("sensitivity", "fig11-sensitivity-distance", new FigureOptions { Definition = "sens-distance" }),
            new Drawing("sensitivity", "fig11-sensitivity-correlation", new FigureOptions { Definition = "sens-correlation" }),
        ]) { RecordFolders = paper ? ["fig11", "checks/fig11-largeP"] : null };
    }

    /// <summary>Saves the drawings of a section (built once, by <see cref="Section"/>) into <paramref name="outDir"/> as PNG and SVG.</summary>
    public static IReadOnlyList<string> Save(ReportSection section, string outDir)
    {
        ArgumentNullException.ThrowIfNull(section);
        var written = new List<string>();
        foreach (var f in section.Figures)
            foreach (var ext in new[] { ".png", ".svg" })
            {
                string path = Path.Combine(outDir, f.File + ext);
                FigureRenderer.Save(f.Figure, path);
                written.Add(path);
            }
        return written;
    }

    /// <summary>What a drawing's lines and error bars are, for its caption.</summary>
    public static string Caption(Drawing drawing)
    {
        ArgumentNullException.ThrowIfNull(drawing);
        return drawing.Figure switch
        {
            "curves" => "Training loss and network test error against the epoch: one line per rule at one P, the seed mean epoch by epoch (no error bars).",
            "error-vs-p" => "Top-layer probe test error against P: one line per rule and RHM, the seed mean with ± one standard deviation over seeds; dashed: the threshold 0.1·(1 − 1/n_c).",
            "pstar" => "P* against D* = n_c·v^L: error bars are bootstrap 2.5–97.5 % intervals over seeds; dashed: the least-squares fit of each rule; grey: n_c·m^L; open triangles: censored estimates at their bound.",
            "depth" => drawing.Options.DepthReading == DepthReading.SeparateNetworks
                ? "Separate networks: the top-layer ridge probe test error of CLAPP networks trained with 1, 2, …, L layers (0 = the raw input, marked *), one line per RHM, the seed mean with ± one standard deviation over seeds."
                : "One network: the ridge probe test error of each layer of a network of depth L (0 = the raw input, marked *), one line per RHM at its largest P, the seed mean with ± one standard deviation over seeds.",
            "ica" => "Top-layer probe test error against P, one line per network widths: the seed mean with ± one standard deviation over seeds; dashed: the threshold.",
            "sensitivity" => $"Synonymic sensitivity ({drawing.Options.Definition ?? "sens-distance"}) against P, one panel per RHM level and one colour per layer: the seed mean with ± one standard deviation over seeds; "
                + (drawing.Options.Definition == "sens-correlation" ? "the ratio rises as a layer becomes invariant to a level." : "a layer that has learnt a level falls towards 0."),
            _ => drawing.Figure,
        };
    }

    /// <summary>
    /// Whether a folder's records hold runs of every rule the preset draws: Figs. 4, 9 and 10 share a folder and BP's
    /// runs, so BP's runs alone do not make Fig. 4 reproduced there.
    /// </summary>
    public static bool HasEveryRule(FigurePreset preset, IReadOnlyList<RunRecord> folderRecords)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(folderRecords);
        if (folderRecords.Count == 0) return false;
        var rules = preset.Drawings.Where(d => d.Options.Rules != null).SelectMany(d => d.Options.Rules!).Distinct(StringComparer.Ordinal);
        return rules.All(rule => folderRecords.Any(r => r.Rule == rule));
    }

    /// <summary>
    /// The report section and the claim verdict of a preset from the records of its folder (the preset's rules only,
    /// where figures share a folder): its drawings alone, captions that say what error bars are, the plans'
    /// descriptions and the seed counts.
    /// </summary>
    public static (ReportSection Section, IReadOnlyList<ClaimVerdict> Verdicts) Section(FigurePreset preset, IReadOnlyList<RunRecord> folderRecords)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(folderRecords);
        var rules = preset.Drawings.Select(d => d.Options.Rules).Where(r => r != null).SelectMany(r => r!).ToHashSet(StringComparer.Ordinal);
        var records = rules.Count == 0 ? folderRecords : folderRecords.Where(r => rules.Contains(r.Rule)).ToList();
        var verdicts = Claims.CheckAll(preset, records);
        var figures = new List<SectionFigure>();
        var missing = new List<string>();
        foreach (var d in preset.Drawings)
        {
            try { figures.Add(new SectionFigure(d.File, FigureCatalog.Build(d.Figure, records, d.Options), Caption(d))); }
            catch (InvalidDataException e) { missing.Add($"{d.File}: {e.Message}"); }
        }
        var seeds = RunGrouping.Group(records).Select(g => g.Runs.Select(r => r.Seed).Distinct().Count()).DefaultIfEmpty(0).ToList();
        var section = new ReportSection
        {
            Id = preset.Id, Title = "Fig. " + preset.Id[3..], Claim = preset.Claim,
            Verdicts = verdicts.Select(v => new SectionVerdict(v.Variant, v.Claim, v.Verdict, v.Reason, v.Criterion, v.Numbers)).ToList(),
            Figures = figures, Missing = missing,
            Configurations = preset.Plans.Select(p => (string?)p["description"] ?? "").ToList(), Seeds = (seeds.Min(), seeds.Max()),
        };
        return (section, verdicts);
    }
}
