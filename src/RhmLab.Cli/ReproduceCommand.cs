using RhmLab.IO;
using RhmLab.Paper;
using System.Text.Json.Nodes;
using System.CommandLine;
using System.Text.Json;
using RhmLab.Analysis;
using RhmLab.Analysis.Figures;
using RhmLab.Experiments;

namespace RhmLab.Cli;

/// <summary><c>rhmlab reproduce</c>: runs the preset sweep of a figure of the paper and draws it.</summary>
internal static class ReproduceCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var figure = new Argument<string>("figure") { Description = $"Which figure: {string.Join(", ", Reproduction.Figures)} or all" };
        var scale = new Option<string>("--scale") { Description = "quick (minutes on a laptop) or paper (the paper's configurations; for a cluster)", DefaultValueFactory = _ => "quick" };
        var output = new Option<string>("--out") { Description = "Results folder (runs, figures, claims.json, report.html); default results/<scale>, so a quick reproduction never mixes with the paper-scale records" };
        var jobs = new Option<int>("--jobs") { Description = "Runs in parallel", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount) };
        var dryRun = new Option<bool>("--dry-run") { Description = "List the figures' runs and estimate their cost (core-hours on this machine); run nothing" };
        var json = new Option<bool>("--json") { Description = "With --dry-run: one JSON object on stdout (runs, estimated_core_hours, per figure and plan)" };
        var compact = new Option<bool>("--compact") { Description = "Write compact records (no per-epoch curves; test-error checkpoints kept), as for results kept in the repository" };
        var fromRecords = new Option<bool>("--from-records") { Description = "Run nothing: draw the figures and write claims.json and report.html from the records already in the folder" };
        var reuse = SweepCommand.ReuseOption();
        var cmd = new Command("reproduce", "Run the preset sweep of a figure of the paper and draw it (resumable)");
        cmd.Arguments.Add(figure);
        foreach (var o in new Option[] { scale, output, jobs, dryRun, json, fromRecords, compact, reuse, PluginOption.Create() }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            string which = parse.GetValue(figure)!;
            string sc = parse.GetValue(scale)!;
            var figures = which == "all" ? Reproduction.Figures : [which];
            var presets = figures.Select(f => Reproduction.Preset(f, sc)).ToArray();
            string outDir = parse.GetValue(output) ?? Path.Combine("results", sc);
            int nJobs = parse.GetValue(jobs);
            if (nJobs < 1) throw new ArgumentException($"--jobs must be >= 1 (got {nJobs})");
            var reuseIndex = SweepCommand.ReuseIndex(parse.GetValue(reuse));
            if (parse.GetValue(dryRun)) return DryRun(stdout, stderr, presets, sc, outDir, parse.GetValue(json), reuseIndex);
            if (parse.GetValue(json)) throw new ArgumentException("--json: only with --dry-run (a reproduction prints its progress)");
            try { Directory.CreateDirectory(outDir); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            { throw new ArgumentException($"--out: cannot create folder '{outDir}' ({e.Message})"); }
            DataCommand.CheckWritable(Path.Combine(outDir, "report.html"), "--out");
            int exit = 0;
            var calibration = new Lazy<CostCalibration>(() => CostCalibration.LoadOrMeasure(stdout));
            bool run = !parse.GetValue(fromRecords);
            foreach (var preset in run ? presets : [])
            {
                stdout.WriteLine($"reproduce {preset.Id} ({sc}): {preset.Claim}");
                for (int i = 0; i < preset.Plans.Count; i++)
                {
                    string folder = Path.Combine(outDir, preset.PlanFolder(i));
                    string plansDir = Path.Combine(folder, "plans");
                    Directory.CreateDirectory(plansDir);
                    string planPath = Path.Combine(plansDir, $"{preset.Id}-{i + 1}.json");
                    string text = preset.Plans[i].ToJsonString(new JsonSerializerOptions { WriteIndented = true });
                    AtomicFile.WriteAllText(planPath, text);
                    var plan = SweepPlan.Parse(text, planPath);
                    int code = new SweepCommand.SweepSession(stdout, stderr, json: false)
                        .Run(plan, planPath, null, new SweepOptions { OutDir = folder, Jobs = nJobs, Compact = parse.GetValue(compact), Reuse = reuseIndex, EstimateSeconds = p => CostModel.Estimate(p.Run, calibration.Value).Seconds });
                    if (code != 0) exit = code;
                    if (code >= 128) return code;
                }
            }
            // Every figure with runs in its folders gets its drawings, section and verdict, including those reproduced
            // before; the records are read once, and each figure takes those under its own folders. The report counts
            // only the figures' own runs, never other records kept under the results folder.
            var all = RecordReader.Read(outDir, stderr);
            var allPresets = Reproduction.Figures.Select(f => Reproduction.Preset(f, sc)).ToList();
            var own = allPresets.SelectMany(p => p.RecordsIn(outDir, all.Records)).Distinct().ToList();
            // The folder as the user named it: the committed report shows no path of the machine that wrote it.
            var set = all with { Records = own, Root = outDir };
            var sections = new List<ReportSection>();
            var verdicts = new List<ClaimVerdict>();
            foreach (var preset in allPresets)
            {
                // Each run once within a figure (a run copied into a second of its folders by --reuse is one run);
                // a run shared by two figures belongs to each.
                var records = RecordReader.DistinctRuns(preset.RecordsIn(outDir, own), out _, out _);
                if (!Reproduction.HasEveryRule(preset, records)) continue;
                // Each drawing is built once, for the report and the files; one that cannot be made (records without
                // what it draws) is said, and the verdicts still written.
                var (section, figureVerdicts) = Reproduction.Section(preset, records);
                if (presets.Any(p => p.Id == preset.Id))
                {
                    foreach (var path in Reproduction.Save(section, outDir)) stdout.WriteLine($"  wrote {path}");
                    foreach (var m in section.Missing) stderr.WriteLine($"reproduce: {preset.Id} not drawn: {m}");
                }
                sections.Add(section);
                verdicts.AddRange(figureVerdicts);
                foreach (var verdict in figureVerdicts)
                    stdout.WriteLine($"  {preset.Id}{(verdict.Variant is null ? "" : $" [{verdict.Variant}]")}: {verdict.Verdict} ({verdict.Reason})");
            }
            string claimsPath = Path.Combine(outDir, "claims.json");
            JsonArray? existing = null;
            try { existing = File.Exists(claimsPath) ? JsonNode.Parse(File.ReadAllText(claimsPath)) as JsonArray : null; }
            catch (JsonException) { stderr.WriteLine($"reproduce: {claimsPath} was not valid JSON; it is rewritten"); }
            AtomicFile.WriteAllText(claimsPath, Claims.FileText(Claims.Merge(existing, verdicts)));
            stdout.WriteLine($"wrote {claimsPath} ({sections.Count} figure(s) checked)");
            string report = Path.Combine(outDir, "report.html");
            AtomicFile.WriteAllText(report, HtmlReport.Build(set, new FigureOptions(), sections));
            stdout.WriteLine($"wrote {report} ({set.Records.Count} run record(s))");
            return exit;
        });
        return cmd;
    }

    /// <summary>
    /// The figures' runs and their estimated cost. Figures that share a folder share runs (Figs. 4, 9 and 10 share
    /// BP's), so a run is counted once, by its hash and folder; runs already in <paramref name="outDir"/> are counted
    /// as done, and so are runs whose records <c>--reuse</c> can copy.
    /// </summary>
    private static int DryRun(TextWriter stdout, TextWriter stderr, IReadOnlyList<FigurePreset> presets, string scale, string outDir, bool asJson, RecordIndex? reuse)
    {
        var calibration = CostCommand.LoadCalibration(asJson ? stderr : stdout, out var calibrationNotes);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var figures = new JsonArray();
        int runs = 0, done = 0;
        double hours = 0, left = 0;
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        foreach (var preset in presets)
        {
            var plans = new JsonArray();
            int figRuns = 0;
            double figHours = 0;
            for (int i = 0; i < preset.Plans.Count; i++)
            {
                var plan = SweepPlan.Parse(preset.Plans[i].ToJsonString(), $"{preset.Id} plan {i + 1}");
                var estimate = PlanEstimate.Of(plan, calibration, Path.Combine(outDir, preset.PlanFolder(i)), reuse: reuse);
                var fresh = estimate.Runs.Where(r => seen.Add(preset.PlanFolder(i) + "/" + r.Point.Hash)).ToList();
                double h = fresh.Sum(r => r.Cost.Seconds) / 3600, l = fresh.Where(r => !r.Done).Sum(r => r.Cost.Seconds) / 3600;
                plans.Add(new JsonObject
                {
                    ["plan"] = plan.Source["description"]?.DeepClone(), ["runs"] = fresh.Count, ["expected_runs"] = estimate.Search,
                    ["estimated_core_hours"] = h, ["remaining_core_hours"] = l,
                });
                if (!asJson) stdout.WriteLine(string.Create(ci, $"  {preset.Id} plan {i + 1}: {fresh.Count,6} {(estimate.Search ? "expected runs" : "runs")}, {h,8:F2} core-hours ({l:F2} left)  {plan.Source["description"]}"));
                figRuns += fresh.Count; figHours += h;
                runs += fresh.Count; done += fresh.Count(r => r.Done); hours += h; left += l;
            }
            // Starting the CLI and drawing the figure cost the same however many runs there are.
            double fixedHours = (CostModel.ProcessSeconds + CostModel.DrawingSeconds * preset.Drawings.Count) / 3600;
            figHours += fixedHours; hours += fixedHours; left += fixedHours;
            figures.Add(new JsonObject { ["figure"] = preset.Id, ["runs"] = figRuns, ["estimated_core_hours"] = figHours, ["plans"] = plans });
            if (!asJson) stdout.WriteLine(string.Create(ci, $"{preset.Id} ({scale}): {figRuns} runs, {figHours:F2} core-hours"));
        }
        if (asJson)
        {
            var o = new JsonObject
            {
                ["scale"] = scale, ["runs"] = runs, ["runs_done"] = done, ["estimated_core_hours"] = hours,
                ["remaining_core_hours"] = left,
            };
            CostCommand.AddCalibration(o, calibration, calibrationNotes);
            o["figures"] = figures;
            stdout.WriteLine(o.ToJsonString());
        }
        else
        {
            stdout.WriteLine(string.Create(ci, $"reproduce ({scale}): {runs} runs, {hours:F2} core-hours on this machine ({left:F2} left, {done} runs done; {hours / Math.Max(1, Environment.ProcessorCount):F2} h on its {Environment.ProcessorCount} cores); nothing was run (--dry-run)"));
            stdout.WriteLine("the estimate's model and its measured accuracy: docs/COST.md");
        }
        return 0;
    }
}
