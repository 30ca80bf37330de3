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
        var output = new Option<string>("--out") { Description = "Results folder (runs, figures, report.html)", DefaultValueFactory = _ => "results" };
        var jobs = new Option<int>("--jobs") { Description = "Runs in parallel", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount) };
        var cmd = new Command("reproduce", "Run the preset sweep of a figure of the paper and draw it (resumable)");
        cmd.Arguments.Add(figure);
        foreach (var o in new Option[] { scale, output, jobs }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            string which = parse.GetValue(figure)!;
            string sc = parse.GetValue(scale)!;
            var figures = which == "all" ? Reproduction.Figures : [which];
            var presets = figures.Select(f => Reproduction.Preset(f, sc)).ToArray();
            string outDir = parse.GetValue(output)!;
            int nJobs = parse.GetValue(jobs);
            if (nJobs < 1) throw new ArgumentException($"--jobs must be >= 1 (got {nJobs})");
            try { Directory.CreateDirectory(outDir); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            { throw new ArgumentException($"--out: cannot create folder '{outDir}' ({e.Message})"); }
            DataCommand.CheckWritable(Path.Combine(outDir, "report.html"), "--out");
            int exit = 0;
            foreach (var preset in presets)
            {
                string folder = Path.Combine(outDir, preset.Folder);
                string plansDir = Path.Combine(folder, "plans");
                Directory.CreateDirectory(plansDir);
                stdout.WriteLine($"reproduce {preset.Id} ({sc}): {preset.Claim}");
                for (int i = 0; i < preset.Plans.Count; i++)
                {
                    string planPath = Path.Combine(plansDir, $"{preset.Id}-{i + 1}.json");
                    string text = preset.Plans[i].ToJsonString(new JsonSerializerOptions { WriteIndented = true });
                    AtomicFile.WriteAllText(planPath, text);
                    var plan = SweepPlan.Parse(text, planPath);
                    int code = new SweepCommand.SweepSession(stdout, stderr, json: false)
                        .Run(plan, planPath, null, new SweepOptions { OutDir = folder, Jobs = nJobs });
                    if (code != 0) exit = code;
                    if (code >= 128) return code;
                }
                foreach (var path in Reproduction.Draw(preset, folder, outDir, stderr)) stdout.WriteLine($"  wrote {path}");
            }
            var set = RecordReader.Read(outDir, stderr);
            string report = Path.Combine(outDir, "report.html");
            AtomicFile.WriteAllText(report, HtmlReport.Build(set, new FigureOptions()));
            stdout.WriteLine($"wrote {report} ({set.Records.Count} run record(s))");
            return exit;
        });
        return cmd;
    }
}
