using RhmLab.IO;
using System.CommandLine;
using RhmLab.Analysis;
using RhmLab.Analysis.Figures;

namespace RhmLab.Cli;

/// <summary><c>rhmlab report</c>: one self-contained HTML page with the figures, P* tables, runs and provenance.</summary>
internal static class ReportCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var folder = AnalysisInput.Folder();
        var output = new Option<string>("--out") { Description = "Output HTML file", Required = true };
        var threshold = new Option<double>("--threshold") { Description = "Threshold as a fraction of 1 − 1/n_c", DefaultValueFactory = _ => 0.1 };
        var bootstrap = new Option<int>("--bootstrap") { Description = "Bootstrap resamples over seeds", DefaultValueFactory = _ => 1000 };
        var cmd = new Command("report", "Write one self-contained HTML report (figures as inline SVG, P* tables, runs, provenance)");
        cmd.Arguments.Add(folder);
        foreach (var o in new Option[] { output, threshold, bootstrap }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            string outPath = parse.GetValue(output)!;
            DataCommand.CheckWritable(outPath, "--out");
            var options = new FigureOptions { ThresholdFraction = parse.GetValue(threshold), Resamples = parse.GetValue(bootstrap) };
            PlotCommand.Check(options);
            var set = AnalysisInput.Read(parse.GetValue(folder)!, stderr);
            AtomicFile.WriteAllText(outPath, HtmlReport.Build(set, options));
            stdout.WriteLine($"wrote {outPath} ({set.Records.Count} run record(s), {set.Skipped.Count} skipped)");
            return 0;
        });
        return cmd;
    }
}
