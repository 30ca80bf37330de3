using System.Globalization;
using ScottPlot;

namespace RhmLab.Analysis.Figures;

/// <summary>
/// Linear decodability per layer (Fig. 5): ridge probe test error at layer 0 (the raw input, drawn with an
/// asterisk as in the paper) through L, one line per configuration at one training-set size, mean ± sd over seeds.
/// </summary>
public static class DepthFigure
{
    /// <summary>Builds the figure.</summary>
    public static Figure Build(IReadOnlyList<RunRecord> records, FigureOptions o)
    {
        var runs = FigureData.Filter(records, o);
        if (o.DepthReading == DepthReading.SeparateNetworks) return BuildSeparate(runs, o);
        // One network: its own layers; networks trained with fewer layers than their RHM's depth belong to the other reading.
        if (runs.Any(r => r.ProbeErrors.Length == r.L)) runs = runs.Where(r => r.ProbeErrors.Length >= r.L).ToList();
        var groups = RunGrouping.Group(runs);
        var ci = CultureInfo.InvariantCulture;
        var plot = PlotStyle.NewPlot("Ridge probe test error per layer", "layer k (0 = raw input)", "ridge probe test error");
        var allY = new List<double>();
        int maxLayer = 0, series = 0;
        var legend = RunGrouping.Legend(groups);
        foreach (var g in groups)
        {
            if (FigureData.PickTrain(g, o.Train, r => r.ProbeErrors.Any(double.IsFinite)) is not long p) continue;
            var at = g.Runs.Where(r => r.Train == p).ToList();
            int layers = at.Max(r => r.ProbeErrors.Length);
            var xs = new List<double>();
            var ys = new List<double>();
            var es = new List<double>();
            for (int k = 0; k <= layers; k++)
            {
                var (mean, sd, n) = FigureData.MeanSd(at.Select(r => k == 0 ? r.InputProbeError : k - 1 < r.ProbeErrors.Length ? r.ProbeErrors[k - 1] : double.NaN));
                if (n == 0) continue;
                xs.Add(k); ys.Add(mean); es.Add(sd);
            }
            if (xs.Count == 0) continue;
            int seeds = at.Select(r => r.Seed).Distinct().Count();
            Line(plot, series++, xs, ys, es, $"{legend[g]} P={p.ToString(ci)} ({seeds} seed{(seeds == 1 ? "" : "s")})", MarkerShape.FilledCircle, allY);
            maxLayer = Math.Max(maxLayer, layers);
        }
        if (series == 0)
            throw new InvalidDataException(o.Train is long t ? $"no runs with P = {t.ToString(ci)}" : "no runs with probe errors");
        return Finish(plot, groups.Select(g => g.Nc), allY, maxLayer, o);
    }

    /// <summary>One line of layer errors, with the raw input (x = 0) marked by an asterisk as in the paper.</summary>
    private static void Line(Plot plot, int series, List<double> xs, List<double> ys, List<double> es, string label, MarkerShape marker, List<double> allY)
    {
        var color = PlotStyle.ColorOf(series);
        FigureData.LineWithErrors(plot, xs.ToArray(), ys.ToArray(), es.ToArray(), color, label, marker, PlotStyle.PatternOf(series));
        if (xs[0] == 0)
        {
            var star = plot.Add.Marker(0, ys[0], MarkerShape.Asterisk, 16, color);
            star.LineWidth = 2;
        }
        allY.AddRange(ys.Zip(es, (y, e) => y + e));
        allY.AddRange(ys.Zip(es, (y, e) => y - e));
    }

    /// <summary>Threshold lines, one tick per layer (0 = the input), axes and legend.</summary>
    private static Figure Finish(Plot plot, IEnumerable<int> ncs, List<double> allY, int maxLayer, FigureOptions o)
    {
        var ci = CultureInfo.InvariantCulture;
        var classes = ncs.ToList();
        FigureData.ThresholdLines(plot, classes, o.ThresholdFraction);
        allY.AddRange(classes.Select(nc => o.ThresholdFraction * (1 - 1.0 / nc)));
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int k = 0; k <= maxLayer; k++) ticks.AddMajor(k, k == 0 ? "0 (input)" : k.ToString(ci));
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.SetLimitsX(-0.3, maxLayer + 0.3);
        PlotStyle.LinearY(plot, allY.Append(0.0), floor: 0);
        PlotStyle.LegendRight(plot);
        return new Figure { Panels = [plot], Width = o.Width ?? 1200, Height = o.Height ?? 620 };
    }

    /// <summary>
    /// The separate-networks reading: for each RHM and rule, x = the number of layers k of a network (0 = the raw input),
    /// y = the ridge probe error of that network's top layer, at the largest P the networks share; mean ± sd over seeds.
    /// </summary>
    private static Figure BuildSeparate(IReadOnlyList<RunRecord> runs, FigureOptions o)
    {
        var ci = CultureInfo.InvariantCulture;
        var plot = PlotStyle.NewPlot("Top-layer ridge probe test error of networks of each depth", "layers of the network (0 = raw input)", "ridge probe test error");
        var families = runs.Where(r => r.ProbeErrors.Length > 0).GroupBy(r => (r.Rule, r.Nc, r.M, r.V, r.S, r.L)).OrderBy(f => f.Key.L).ThenBy(f => f.Key.Nc).ToList();
        var allY = new List<double>();
        int maxLayer = 0, series = 0;
        bool manyRules = families.Select(f => f.Key.Rule).Distinct().Count() > 1;
        foreach (var f in families)
        {
            var depths = f.Select(r => r.ProbeErrors.Length).Distinct().Order().ToList();
            if (depths.Count < 2) continue;
            // The largest P at which every depth has runs (or the one asked for).
            long? p = o.Train ?? f.GroupBy(r => r.Train).Where(g => g.Select(r => r.ProbeErrors.Length).Distinct().Count() == depths.Count)
                .Select(g => (long?)g.Key).DefaultIfEmpty(null).Max();
            if (p is not long train) continue;
            var at = f.Where(r => r.Train == train).ToList();
            var xs = new List<double>();
            var ys = new List<double>();
            var es = new List<double>();
            var (inMean, inSd, inN) = FigureData.MeanSd(at.Select(r => r.InputProbeError));
            if (inN > 0) { xs.Add(0); ys.Add(inMean); es.Add(inSd); }
            foreach (int k in depths)
            {
                var (mean, sd, n) = FigureData.MeanSd(at.Where(r => r.ProbeErrors.Length == k).Select(r => r.ProbeErrors[^1]));
                if (n == 0) continue;
                xs.Add(k); ys.Add(mean); es.Add(sd);
                maxLayer = Math.Max(maxLayer, k);
            }
            int seeds = at.Select(r => r.Seed).Distinct().Count();
            string name = (manyRules ? f.Key.Rule + " " : "") + $"nc={f.Key.Nc} m={f.Key.M} v={f.Key.V} L={f.Key.L}";
            Line(plot, series++, xs, ys, es, $"{name} P={train.ToString(ci)} ({seeds} seed{(seeds == 1 ? "" : "s")})", MarkerShape.FilledSquare, allY);
        }
        if (series == 0)
            throw new InvalidDataException("no RHM has networks of two or more depths at one P (the separate-networks reading needs runs that differ in layers)");
        return Finish(plot, families.Select(f => f.Key.Nc), allY, maxLayer, o);
    }
}
