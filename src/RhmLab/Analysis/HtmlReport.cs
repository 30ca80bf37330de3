using System.Globalization;
using System.Net;
using System.Text;
using RhmLab.Analysis.Figures;
using RhmLab.IO;

namespace RhmLab.Analysis;

/// <summary>
/// One self-contained HTML page for a folder of runs: the figures that have data, inline as SVG; the P* tables
/// and fits for every measure present; a table of runs; provenance (versions, commits, providers, machines); and
/// the files that were skipped. No script, stylesheet, font or image is fetched from anywhere.
/// </summary>
public static class HtmlReport
{
    /// <summary>
    /// Builds the page. With <paramref name="sections"/> (from <c>rhmlab reproduce</c>) the figures come one section
    /// per figure of the paper, each with its claim, verdict and drawings; without, every figure of the catalogue that
    /// has data is drawn from all the records.
    /// </summary>
    public static string Build(RecordSet set, FigureOptions options, IReadOnlyList<ReportSection>? sections = null)
    {
        var ci = CultureInfo.InvariantCulture;
        var records = set.Records;
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>RhmLab report</title>\n<style>\n")
          .Append("body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;margin:1.5em 2em;color:#222}\n")
          .Append("table{border-collapse:collapse;margin:0.6em 0 1.4em;font-size:13px}\n")
          .Append("th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}\n")
          .Append("th{background:#f0f0f0}td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\n")
          .Append("figure{margin:1em 0 2em}figcaption{font-size:13px;color:#555}svg{max-width:100%;height:auto}\n")
          .Append(".note{color:#7a4a00}.verdict{font-weight:bold;padding:1px 6px;border-radius:3px}\n")
          .Append(".holds{background:#d7f0d7}.fails{background:#f6d3d3}.inconclusive{background:#f3ead0}\n")
          .Append("section.figure{border-top:2px solid #ddd;margin-top:1.5em}\n</style>\n</head>\n<body>\n");
        sb.Append("<h1>RhmLab report</h1>\n");
        sb.Append("<p>Folder <code>").Append(H(set.Root)).Append("</code>: ")
          .Append(records.Count.ToString(ci)).Append(" run record(s), ")
          .Append(set.Skipped.Count.ToString(ci)).Append(" skipped. Rules: ")
          .Append(H(string.Join(", ", records.Select(r => r.Rule).Distinct().Order(StringComparer.Ordinal)))).Append(". Generated ")
          .Append(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", ci)).Append(".</p>\n");
        if (records.Count == 0)
        {
            sb.Append("<p class=\"note\">No run records were found.</p>\n");
            AppendSkipped(sb, set);
            return sb.Append("</body>\n</html>\n").ToString();
        }

        if (sections != null) AppendSections(sb, sections);
        else AppendCatalogue(sb, records, options);

        sb.Append("<h2>P*</h2>\n");
        foreach (var measure in Enum.GetValues<ErrorMeasure>())
        {
            if (!records.Any(r => !double.IsNaN(r.Error(measure)))) continue;
            var analysis = PStarAnalysis.Run(records, new PStarOptions
            {
                Measure = measure, ThresholdFraction = options.ThresholdFraction, Resamples = options.Resamples, Seed = options.Seed,
            });
            AppendPStar(sb, analysis);
        }

        AppendRuns(sb, records);
        AppendProvenance(sb, records);
        AppendSkipped(sb, set);
        return sb.Append("</body>\n</html>\n").ToString();
    }

    private static void AppendSections(StringBuilder sb, IReadOnlyList<ReportSection> sections)
    {
        var ci = CultureInfo.InvariantCulture;
        sb.Append("<h2>Figures of the paper</h2>\n<table class=\"claims-table\">\n<tr><th>figure</th><th>claim</th><th>verdict</th></tr>\n");
        foreach (var s in sections)
            foreach (var v in s.Verdicts)
                sb.Append("<tr><td><a href=\"#").Append(H(s.Id)).Append("\">").Append(H(s.Title)).Append("</a>")
                  .Append(Variant(v, " <small>", "</small>")).Append("</td><td>").Append(H(v.Claim))
                  .Append("</td><td><span class=\"verdict ").Append(H(v.Verdict)).Append("\">").Append(H(v.Verdict)).Append("</span></td></tr>\n");
        sb.Append("</table>\n");
        int index = 0;
        foreach (var s in sections)
        {
            sb.Append("<section class=\"figure\" id=\"").Append(H(s.Id)).Append("\">\n<h2>").Append(H(s.Title)).Append("</h2>\n")
              .Append("<p><b>Claim.</b> ").Append(H(s.Claim)).Append("</p>\n");
            foreach (var v in s.Verdicts)
                sb.Append("<p><b>Verdict").Append(Variant(v, " ", "")).Append(":</b> <span class=\"verdict ")
                  .Append(H(v.Verdict)).Append("\">").Append(H(v.Verdict)).Append("</span> ").Append(v.Claim == s.Claim ? "" : "<i>" + H(v.Claim) + "</i> ").Append(H(v.Reason)).Append("</p>\n")
                  .Append("<p class=\"criterion\"><b>Criterion.</b> ").Append(H(v.Criterion)).Append("</p>\n");
            if (s.Seeds.Max > 0)
            {
                sb.Append("<p>Seeds per configuration: ").Append(s.Seeds.Min == s.Seeds.Max ? s.Seeds.Min.ToString(ci) : $"{s.Seeds.Min.ToString(ci)}–{s.Seeds.Max.ToString(ci)}").Append('.');
                if (s.Seeds.Min < 3)
                    sb.Append(" <span class=\"note\">With fewer than 3 seeds, a standard deviation or bootstrap interval over seeds describes the spread of these runs only; it is not a confidence interval.</span>");
                sb.Append("</p>\n");
            }
            foreach (var f in s.Figures)
                sb.Append("<figure>\n").Append(FigureRenderer.Svg(f.Figure, $"{s.Id}_{index++.ToString(ci)}_"))
                  .Append("<figcaption>").Append(H(f.Caption)).Append("</figcaption>\n</figure>\n");
            foreach (var m in s.Missing) sb.Append("<p class=\"note\">Not drawn: ").Append(H(m)).Append("</p>\n");
            if (s.Configurations.Count > 0)
            {
                sb.Append("<p><b>Configurations</b> (the sweep plans):</p>\n<ul>\n");
                foreach (var c in s.Configurations) sb.Append("<li>").Append(H(c)).Append("</li>\n");
                sb.Append("</ul>\n");
            }
            foreach (var v in s.Verdicts)
                sb.Append("<details><summary>numbers of the verdict").Append(Variant(v, " ", "")).Append("</summary><pre>")
                  .Append(H(v.Numbers.ToJsonString(Json.Readable))).Append("</pre></details>\n");
            sb.Append("</section>\n");
        }
    }

    // The variant a verdict judges, in brackets between the given markup; nothing for a figure with one verdict.
    private static string Variant(SectionVerdict v, string before, string after) =>
        v.Variant is null ? "" : before + "(" + H(v.Variant) + ")" + after;

    private static void AppendCatalogue(StringBuilder sb, IReadOnlyList<RunRecord> records, FigureOptions options)
    {
        var ci = CultureInfo.InvariantCulture;
        sb.Append("<h2>Figures</h2>\n");
        var missing = new List<string>();
        int index = 0;
        foreach (var (name, description) in FigureCatalog.All)
        {
            Figure figure;
            try { figure = FigureCatalog.Build(name, records, options); }
            catch (InvalidDataException e) { missing.Add($"{name}: {e.Message}"); continue; }
            sb.Append("<figure id=\"fig-").Append(name).Append("\">\n")
              .Append(FigureRenderer.Svg(figure, $"fig{index++.ToString(ci)}_"))
              .Append("<figcaption><b>").Append(H(name)).Append("</b>: ").Append(H(description)).Append("</figcaption>\n</figure>\n");
        }
        if (missing.Count > 0)
        {
            sb.Append("<p>Not drawn, for lack of data:</p>\n<ul>\n");
            foreach (var m in missing) sb.Append("<li>").Append(H(m)).Append("</li>\n");
            sb.Append("</ul>\n");
        }
    }

    private static void AppendPStar(StringBuilder sb, PStarAnalysis a)
    {
        var ci = CultureInfo.InvariantCulture;
        sb.Append("<h3 class=\"pstar\">P* from the ").Append(H(a.Options.Measure.Label())).Append("</h3>\n")
          .Append("<p>Threshold ").Append(a.Options.ThresholdFraction.ToString("0.###", ci))
          .Append("·(1 − 1/n_c); first crossing of the mean over seeds, interpolated in log P; bootstrap over seeds with ")
          .Append(a.Options.Resamples.ToString(ci)).Append(" resamples.</p>\n");
        sb.Append("<table class=\"pstar-table\">\n<tr><th>rule</th><th>configuration</th><th>D*</th><th>n_c·m^L</th><th>seeds</th><th>P grid</th>")
          .Append("<th>P*</th><th>bootstrap median</th><th>2.5–97.5 %</th><th>censored (≤P₀ / &gt;P_last)</th><th>P*/(n_c·m^L)</th><th>P*/P*_BP</th></tr>\n");
        foreach (var g in a.Groups)
        {
            var b = g.Bootstrap;
            sb.Append("<tr><td>").Append(H(g.Group.Rule)).Append("</td><td>").Append(H(g.Group.ConfigLabel)).Append("</td>")
              .Append(Num(g.Group.DStar)).Append(Num(g.Group.SampleScale))
              .Append("<td class=\"n\">").Append(g.Curve.Seeds.Length.ToString(ci)).Append("</td>")
              .Append("<td>").Append(H(string.Join(", ", g.Curve.Ps.Select(p => p.ToString("0", ci))))).Append("</td>")
              .Append("<td class=\"n\">").Append(H(g.Estimate.ToString())).Append("</td>")
              .Append("<td class=\"n\">").Append(H(b.Median.ToString())).Append("</td>")
              .Append("<td class=\"n\">").Append(H($"{b.Lower} – {b.Upper}")).Append("</td>")
              .Append("<td class=\"n\">").Append(b.CensoredBelow.ToString(ci)).Append(" / ").Append(b.CensoredAbove.ToString(ci)).Append("</td>")
              .Append(Num(g.Estimate.IsValue ? g.Estimate.Value / g.Group.SampleScale : double.NaN))
              .Append("<td class=\"n\">").Append(H(g.RatioText)).Append("</td></tr>\n");
        }
        sb.Append("</table>\n");
        if (a.Fits.Count > 0)
        {
            sb.Append("<table class=\"fit-table\">\n<tr><th>rule</th><th>family</th><th>points</th><th>censored</th><th>slope</th>")
              .Append("<th>95 % (t)</th><th>95 % (bootstrap)</th><th>C</th><th>C at slope 1</th><th>R²</th></tr>\n");
            foreach (var f in a.Fits)
            {
                sb.Append("<tr><td>").Append(H(f.Rule)).Append("</td><td>").Append(H(f.FamilyOptions)).Append("</td>")
                  .Append("<td class=\"n\">").Append(f.Fit.Points.ToString(ci)).Append("</td>")
                  .Append("<td class=\"n\">").Append(f.Censored.ToString(ci)).Append("</td>")
                  .Append(Num(f.Fit.Slope))
                  .Append("<td class=\"n\">").Append(H(Interval(f.Fit.SlopeLow, f.Fit.SlopeHigh))).Append("</td>")
                  .Append("<td class=\"n\">").Append(H(Interval(f.BootstrapSlopeLow, f.BootstrapSlopeHigh))).Append("</td>")
                  .Append(Num(f.Fit.C)).Append(Num(f.Fit.COne)).Append(Num(f.Fit.R2)).Append("</tr>\n");
            }
            sb.Append("</table>\n");
        }
        if (a.Notes.Count > 0)
        {
            sb.Append("<ul class=\"note\">\n");
            foreach (var n in a.Notes) sb.Append("<li>").Append(H(n)).Append("</li>\n");
            sb.Append("</ul>\n");
        }
    }

    private static void AppendRuns(StringBuilder sb, IReadOnlyList<RunRecord> records)
    {
        var ci = CultureInfo.InvariantCulture;
        sb.Append("<h2>Runs</h2>\n<table class=\"runs-table\">\n<tr><th>run</th><th>rule</th><th>configuration</th><th>P</th><th>seed</th>")
          .Append("<th>epochs</th><th>train loss</th><th>network test error</th><th>top probe error</th><th>input probe error</th>")
          .Append("<th>diverged</th><th>stop</th><th>provider</th><th>seconds</th></tr>\n");
        foreach (var r in records.OrderBy(r => r.Rule, StringComparer.Ordinal).ThenBy(r => r.DStar).ThenBy(r => r.Train).ThenBy(r => r.Seed))
        {
            sb.Append("<tr><td><code>").Append(H(r.RunId)).Append("</code></td><td>").Append(H(r.Rule)).Append("</td><td>")
              .Append(H(RunGrouping.ConfigText(r))).Append("</td>")
              .Append("<td class=\"n\">").Append(r.Train.ToString(ci)).Append("</td>")
              .Append("<td class=\"n\">").Append(r.Seed.ToString(ci)).Append("</td>")
              .Append("<td class=\"n\">").Append(r.EpochsRun.ToString(ci)).Append("</td>")
              .Append(Num(r.TrainLoss)).Append(Num(r.NetworkTestError)).Append(Num(r.Error(ErrorMeasure.Probe))).Append(Num(r.InputProbeError))
              .Append("<td>").Append(r.Diverged ? "yes" : "").Append("</td><td>").Append(H(r.StopReason ?? "")).Append("</td>")
              .Append("<td>").Append(H(r.Provider ?? "")).Append("</td>").Append(Num(r.WallSeconds)).Append("</tr>\n");
        }
        sb.Append("</table>\n");
    }

    private static void AppendProvenance(StringBuilder sb, IReadOnlyList<RunRecord> records)
    {
        var ci = CultureInfo.InvariantCulture;
        var rows = new List<(string Key, IEnumerable<string?> Values)>
        {
            ("RhmLab version", records.Select(r => r.ProvenanceText("rhmlab_version"))),
            ("git commit", records.Select(r => r.ProvenanceText("git_commit"))),
            ("machine", records.Select(r => r.ProvenanceText("machine"))),
            ("CPU", records.Select(r => r.ProvenanceText("cpu"))),
            ("processors", records.Select(r => r.ProvenanceText("processors"))),
            ("OS", records.Select(r => r.ProvenanceText("os"))),
            ("runtime", records.Select(r => r.ProvenanceText("runtime"))),
            ("matrix-product provider", records.Select(r => r.Provider)),
            ("threads", records.Select(r => r.Threads?.ToString(ci))),
        };
        sb.Append("<h2>Provenance</h2>\n<table class=\"provenance-table\">\n<tr><th>what</th><th>values (runs)</th></tr>\n");
        foreach (var (key, values) in rows)
        {
            var counts = values.Select(v => v ?? "(not recorded)").GroupBy(v => v).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal);
            sb.Append("<tr><td>").Append(H(key)).Append("</td><td>")
              .Append(string.Join("<br>", counts.Select(g => $"{H(g.Key)} ({g.Count().ToString(ci)})"))).Append("</td></tr>\n");
        }
        sb.Append("</table>\n");
    }

    private static void AppendSkipped(StringBuilder sb, RecordSet set)
    {
        if (set.Skipped.Count == 0) return;
        sb.Append("<h2>Skipped files</h2>\n<ul class=\"note\">\n");
        foreach (var s in set.Skipped) sb.Append("<li><code>").Append(H(s.Path)).Append("</code>: ").Append(H(s.Reason)).Append("</li>\n");
        sb.Append("</ul>\n");
    }

    private static string Interval(double lo, double hi) =>
        double.IsNaN(lo) || double.IsNaN(hi) ? "-" : $"{lo.ToString("0.00", CultureInfo.InvariantCulture)} – {hi.ToString("0.00", CultureInfo.InvariantCulture)}";

    private static string Num(double x) =>
        "<td class=\"n\">" + (double.IsFinite(x) ? x.ToString(Math.Abs(x) >= 1000 ? "0" : "0.####", CultureInfo.InvariantCulture) : "-") + "</td>";

    private static string H(string s) => WebUtility.HtmlEncode(s);
}
