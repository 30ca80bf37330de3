using System.CommandLine;
using System.Globalization;
using RhmLab.Analysis;
using Spectre.Console;

namespace RhmLab.Cli;

/// <summary><c>rhmlab pstar</c>: P* per rule and configuration, bootstrap intervals, P*-vs-D* fits, ratio to BP.</summary>
internal static class PStarCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var folder = AnalysisInput.Folder();
        var threshold = new Option<double>("--threshold") { Description = "Threshold as a fraction of the random-guess error 1 − 1/n_c", DefaultValueFactory = _ => 0.1 };
        var measure = new Option<string>("--measure") { Description = "probe (top-layer ridge probe, default), network (the network's own error) or logistic", DefaultValueFactory = _ => "probe" };
        var bootstrap = new Option<int>("--bootstrap") { Description = "Bootstrap resamples over seeds", DefaultValueFactory = _ => 1000 };
        var seed = new Option<long>("--bootstrap-seed") { Description = "Seed of the bootstrap", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var cmd = new Command("pstar", "P*: the smallest P whose mean error over seeds is at most threshold·(1 − 1/n_c), with bootstrap and fits against D*");
        cmd.Arguments.Add(folder);
        foreach (var o in new Option[] { threshold, measure, bootstrap, seed, json }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var options = new PStarOptions
            {
                Measure = ErrorMeasures.Parse(parse.GetValue(measure)),
                ThresholdFraction = parse.GetValue(threshold),
                Resamples = parse.GetValue(bootstrap),
                Seed = parse.GetValue(seed),
            };
            // Options are checked before the folder is read, so a typo fails fast on a large sweep.
            if (!(options.ThresholdFraction > 0 && options.ThresholdFraction < 1))
                throw new ArgumentException($"--threshold must be in (0, 1) (got {options.ThresholdFraction.ToString(CultureInfo.InvariantCulture)})");
            if (options.Resamples < 1) throw new ArgumentException($"--bootstrap must be >= 1 (got {options.Resamples})");
            var set = AnalysisInput.Read(parse.GetValue(folder)!, stderr);
            var analysis = PStarAnalysis.Run(set.Records, options);
            if (parse.GetValue(json))
            {
                var o = analysis.ToJson();
                o["runs"] = set.Records.Count;
                o["skipped"] = set.Skipped.Count;
                stdout.WriteLine(o.ToJsonString());
                return 0;
            }
            Print(stdout, analysis, set);
            return 0;
        });
        return cmd;
    }

    private static void Print(TextWriter w, PStarAnalysis a, RecordSet set)
    {
        var ci = CultureInfo.InvariantCulture;
        var o = a.Options;
        w.WriteLine($"P* from the {o.Measure.Label()} (measure: {o.Measure.Name()}); threshold {o.ThresholdFraction.ToString("0.###", ci)}·(1 − 1/n_c);");
        w.WriteLine($"first crossing of the mean over seeds, log-P interpolation; bootstrap over seeds, {o.Resamples} resamples (seed {o.Seed}).");
        if (a.Groups.Count == 0)
        {
            w.WriteLine($"No run has the {o.Measure.Name()} error ({set.Records.Count} run record(s) read).");
            foreach (var n in a.Notes) w.WriteLine("note: " + n);
            return;
        }
        var table = new Table().AddColumns("rule", "configuration", "D*", "seeds", "P grid", "P*", "bootstrap median", "2.5–97.5 %", "censored ≤P0/>Plast", "P*/n_c m^L", "P*/P*_bp");
        foreach (var g in a.Groups)
        {
            var b = g.Bootstrap;
            table.AddRow(
                ConsoleTables.Cell(g.Group.Rule), ConsoleTables.Cell(g.Group.ConfigLabel),
                g.Group.DStar.ToString("0", ci), g.Curve.Seeds.Length.ToString(ci),
                ConsoleTables.Cell(string.Join(",", g.Curve.Ps.Select(p => p.ToString("0", ci)))),
                ConsoleTables.Cell(g.Estimate.ToString()), ConsoleTables.Cell(b.Median.ToString()),
                ConsoleTables.Cell($"{b.Lower} – {b.Upper}"), $"{b.CensoredBelow}/{b.CensoredAbove}",
                g.Estimate.IsValue ? (g.Estimate.Value / g.Group.SampleScale).ToString("0.###", ci) : "-",
                ConsoleTables.Cell(g.RatioText));
        }
        ConsoleTables.Write(w, table);
        if (a.Fits.Count > 0)
        {
            w.WriteLine("Fits of log P* = log C + b·log D* per rule family (censored configurations left out):");
            var fits = new Table().AddColumns("rule", "family", "points", "censored", "slope b", "95% (t)", "95% (bootstrap)", "C", "C at b = 1", "R²");
            foreach (var f in a.Fits)
            {
                fits.AddRow(
                    ConsoleTables.Cell(f.Rule), ConsoleTables.Cell(f.FamilyOptions.Length > 0 ? f.FamilyOptions : "-"), f.Fit.Points.ToString(ci), f.Censored.ToString(ci),
                    F(f.Fit.Slope), Interval(f.Fit.SlopeLow, f.Fit.SlopeHigh), Interval(f.BootstrapSlopeLow, f.BootstrapSlopeHigh),
                    F(f.Fit.C), F(f.Fit.COne), F(f.Fit.R2));
            }
            ConsoleTables.Write(w, fits);
        }
        foreach (var n in a.Notes) w.WriteLine("note: " + n);
        w.WriteLine($"{set.Records.Count} run record(s); {set.Skipped.Count} file(s) skipped.");
    }

    private static string F(double x) => double.IsFinite(x) ? x.ToString("0.###", CultureInfo.InvariantCulture) : "-";

    private static string Interval(double lo, double hi) => double.IsNaN(lo) || double.IsNaN(hi) ? "-" : $"{F(lo)} – {F(hi)}";
}
