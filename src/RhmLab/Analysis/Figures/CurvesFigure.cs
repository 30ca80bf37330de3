using System.Globalization;
using ScottPlot;

namespace RhmLab.Analysis.Figures;

/// <summary>
/// Learning curves (Fig. 3B/C): training loss and test error against the epoch, in two panels, one line per rule
/// and configuration at one training-set size, averaged over seeds epoch by epoch.
/// </summary>
public static class CurvesFigure
{
    /// <summary>Builds the figure.</summary>
    public static Figure Build(IReadOnlyList<RunRecord> records, FigureOptions o)
    {
        var runs = FigureData.Filter(records, o);
        var groups = RunGrouping.Group(runs);
        var ci = CultureInfo.InvariantCulture;
        var loss = PlotStyle.NewPlot("Training loss", "epoch", "training loss");
        var test = PlotStyle.NewPlot("Test error during training", "epoch", "test error");
        var lossValues = new List<double>();
        var testValues = new List<double>();
        double maxEpoch = 1;
        int series = 0;
        var lossLines = new List<(double[] X, double[] Y, Color C, LinePattern Pat)>();
        var labels = new List<string>();
        var legendOf = RunGrouping.Legend(groups);
        foreach (var g in groups)
        {
            // Without --train, prefer the largest size whose runs logged test errors, so both panels have data.
            long? pick = o.Train != null ? FigureData.PickTrain(g, o.Train, HasCurves)
                : FigureData.PickTrain(g, null, r => HasCurves(r) && r.Curves!.TestError.Any(double.IsFinite)) ?? FigureData.PickTrain(g, null, HasCurves);
            if (pick is not long p) continue;
            var at = g.Runs.Where(r => r.Train == p && HasCurves(r)).ToList();
            var color = PlotStyle.ColorOf(series);
            var pattern = PlotStyle.PatternOf(series);
            string label = $"{legendOf[g]} P={p.ToString(ci)} ({at.Count} run{(at.Count == 1 ? "" : "s")})";
            labels.Add(label);
            var (lx, ly) = Average(at, c => c.TrainLoss);
            if (lx.Length > 0) lossLines.Add((lx, ly, color, pattern));
            lossValues.AddRange(ly);
            var (tx, ty) = Average(at, c => c.TestError);
            if (tx.Length > 0)
            {
                var line = test.Add.Scatter(tx, ty, color);
                line.LegendText = label;
                line.LineWidth = 2;
                line.MarkerSize = tx.Length > 60 ? 0 : 5;
                line.LinePattern = pattern;
                testValues.AddRange(ty);
            }
            else
            {
                // Keep the legend complete when a rule logged no test error during training.
                var line = test.Add.Scatter(Array.Empty<double>(), Array.Empty<double>(), color);
                line.LegendText = label + " (no test error logged)";
            }
            maxEpoch = Math.Max(maxEpoch, at.Max(r => r.Curves!.Epoch.Max()));
            series++;
        }
        if (series == 0) throw new InvalidDataException("no run records have learning curves ('curves')");
        // Cross-entropy falls over decades: a log axis then, a linear one for a loss that moved less than tenfold.
        bool logLoss = lossValues.Count > 0 && lossValues.All(v => v > 0) && lossValues.Max() / lossValues.Min() > 10;
        foreach (var (x, y, c, pat) in lossLines)
        {
            var line = loss.Add.Scatter(x, logLoss ? y.Select(Math.Log10).ToArray() : y, c);
            line.LineWidth = 2;
            line.MarkerSize = 0;
            line.LinePattern = pat;
        }
        if (logLoss) PlotStyle.LogAxis(loss, loss.Axes.Left, lossValues.Min(Math.Log10), lossValues.Max(Math.Log10));
        else PlotStyle.LinearY(loss, lossValues);
        loss.HideLegend();
        loss.Axes.SetLimitsX(0, maxEpoch * 1.02);
        test.Axes.SetLimitsX(0, maxEpoch * 1.02);
        FigureData.ThresholdLines(test, groups.Select(g => g.Nc), o.ThresholdFraction);
        PlotStyle.LinearY(test, testValues.Concat(groups.Select(g => o.ThresholdFraction * g.ChanceError)).Append(0.0), floor: 0);
        PlotStyle.LegendRight(test);
        // Both panels get the same data width; the right one also carries the legend.
        const int panelWidth = 620;
        double legend = PlotStyle.LegendWidth(labels);
        return new Figure { Panels = [loss, test], Weights = [panelWidth, panelWidth + legend], Width = o.Width ?? (int)(2 * panelWidth + legend), Height = o.Height ?? 600 };
    }

    private static bool HasCurves(RunRecord r) => r.Curves is { Epoch.Length: > 0 };

    /// <summary>Mean over runs at each epoch of a curve column (NaN entries, e.g. between evaluations, skipped).</summary>
    private static (double[] X, double[] Y) Average(List<RunRecord> runs, Func<RunCurves, double[]> column)
    {
        var sums = new SortedDictionary<double, (double Sum, int N)>();
        foreach (var r in runs)
        {
            var c = r.Curves!;
            var col = column(c);
            for (int i = 0; i < col.Length && i < c.Epoch.Length; i++)
            {
                if (!double.IsFinite(col[i])) continue;
                var (s, n) = sums.GetValueOrDefault(c.Epoch[i]);
                sums[c.Epoch[i]] = (s + col[i], n + 1);
            }
        }
        return (sums.Keys.ToArray(), sums.Values.Select(v => v.Sum / v.N).ToArray());
    }
}
