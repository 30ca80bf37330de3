using ScottPlot;

namespace RhmLab.Analysis.Figures;

/// <summary>
/// Test error against the training-set size (Fig. 4B; Fig. 6 when grouped by widths): one line per rule and
/// configuration, the mean over seeds with ± one standard deviation, log P axis, and the threshold dashed.
/// </summary>
public static class ErrorVsPFigure
{
    /// <summary>
    /// Builds the figure. With <paramref name="byWidths"/> (the ICA figure) lines are named by their widths, and
    /// constant widths are drawn as pale dots and growing widths as dark triangles, as in Fig. 6.
    /// </summary>
    public static Figure Build(IReadOnlyList<RunRecord> records, FigureOptions o, bool byWidths = false)
    {
        var runs = FigureData.Filter(records, o);
        var groups = RunGrouping.Group(runs);
        string title = byWidths
            ? $"Error vs P by network widths ({o.Measure.Label()})"
            : $"Test error vs P ({o.Measure.Label()})";
        var plot = PlotStyle.NewPlot(title, "training-set size P", o.Measure.Label());
        var allX = new List<double>();
        var allY = new List<double>();
        int series = 0;
        var legend = RunGrouping.Legend(groups);
        foreach (var g in groups)
        {
            var curve = SeedCurve.Build(g.Runs, o.Measure);
            var mean = curve.Mean();
            var sd = curve.StandardDeviation();
            var keep = Enumerable.Range(0, mean.Length).Where(i => !double.IsNaN(mean[i])).ToArray();
            if (keep.Length == 0) continue;
            double[] xs = keep.Select(i => Math.Log10(curve.Ps[i])).ToArray();
            double[] ys = keep.Select(i => mean[i]).ToArray();
            double[] es = keep.Select(i => sd[i]).ToArray();
            var color = PlotStyle.ColorOf(series);
            var marker = MarkerShape.FilledCircle;
            string label = $"{legend[g]} ({curve.Seeds.Length} seed{(curve.Seeds.Length == 1 ? "" : "s")})";
            if (byWidths)
            {
                bool constant = g.First.Widths.Distinct().Count() <= 1;
                marker = constant ? MarkerShape.FilledCircle : MarkerShape.FilledTriangleUp;
                color = constant ? color.Lighten(0.35) : color;
                label = $"{g.Rule} widths {string.Join(',', g.First.Widths)} ({(constant ? "constant" : "growing")})"
                    + string.Concat(legend[g].Split(' ').Where(part => part.Contains('=') && !part.StartsWith("w=", StringComparison.Ordinal)).Select(part => " " + part))
                    + $" ({curve.Seeds.Length} seed{(curve.Seeds.Length == 1 ? "" : "s")})";
            }
            FigureData.LineWithErrors(plot, xs, ys, es, color, label, marker, PlotStyle.PatternOf(series));
            allX.AddRange(xs);
            allY.AddRange(ys.Zip(es, (y, e) => y + e));
            allY.AddRange(ys.Zip(es, (y, e) => y - e));
            series++;
        }
        if (series == 0) throw new InvalidDataException($"no runs have the {o.Measure.Name()} error ({o.Measure.Label()})");
        FigureData.ThresholdLines(plot, groups.Select(g => g.Nc), o.ThresholdFraction);
        allY.AddRange(groups.Select(g => o.ThresholdFraction * g.ChanceError));
        PlotStyle.LogAxis(plot, plot.Axes.Bottom, allX.Min(), allX.Max());
        PlotStyle.LinearY(plot, allY.Append(0.0), floor: 0);
        PlotStyle.LegendRight(plot);
        return new Figure { Panels = [plot], Width = o.Width ?? 1200, Height = o.Height ?? 620 };
    }
}
