using System.Globalization;
using ScottPlot;

namespace RhmLab.Analysis.Figures;

/// <summary>Selection and summary helpers shared by the figure builders.</summary>
internal static class FigureData
{
    /// <summary>The records of the chosen rules; an error naming the rules when none is left.</summary>
    public static IReadOnlyList<RunRecord> Filter(IReadOnlyList<RunRecord> records, FigureOptions o)
    {
        if (records.Count == 0) throw new InvalidDataException("no run records to plot");
        if (o.Rules is not { Count: > 0 } rules) return records;
        var kept = records.Where(r => rules.Contains(r.Rule, StringComparer.Ordinal)).ToList();
        if (kept.Count == 0)
            throw new InvalidDataException($"no runs of rule(s) {string.Join(", ", rules)} (found {string.Join(", ", records.Select(r => r.Rule).Distinct())})");
        return kept;
    }

    /// <summary>Mean and sample standard deviation of the finite values (NaN, NaN when none).</summary>
    public static (double Mean, double Sd, int N) MeanSd(IEnumerable<double> values)
    {
        var xs = values.Where(double.IsFinite).ToArray();
        if (xs.Length == 0) return (double.NaN, double.NaN, 0);
        double m = xs.Average();
        double sd = xs.Length > 1 ? Math.Sqrt(xs.Sum(x => (x - m) * (x - m)) / (xs.Length - 1)) : 0;
        return (m, sd, xs.Length);
    }

    /// <summary>
    /// The training-set size a per-P figure shows for a group: the requested one, else the largest whose runs have
    /// what the figure draws (the largest P of a grid can leave no test data, and so no errors).
    /// </summary>
    public static long? PickTrain(RunGroup g, long? requested, Func<RunRecord, bool> hasData)
    {
        var ps = g.Runs.Where(hasData).Select(r => r.Train).Distinct().ToList();
        if (requested is long p) return ps.Contains(p) ? p : null;
        return ps.Count > 0 ? ps.Max() : null;
    }

    /// <summary>Dashed threshold lines ε* = fraction·(1 − 1/n_c), one per n_c present.</summary>
    public static void ThresholdLines(Plot plot, IEnumerable<int> ncs, double fraction)
    {
        var distinct = ncs.Distinct().Order().ToList();
        var ci = CultureInfo.InvariantCulture;
        foreach (var nc in distinct)
        {
            double y = fraction * (1 - 1.0 / nc);
            string label = distinct.Count == 1
                ? $"threshold {fraction.ToString("0.##", ci)}·(1−1/n_c) = {y.ToString("0.###", ci)}"
                : $"threshold, n_c={nc}: {y.ToString("0.###", ci)}";
            PlotStyle.Threshold(plot, y, label);
        }
    }

    /// <summary>Adds a line with markers and ± error bars; returns the line.</summary>
    public static ScottPlot.Plottables.Scatter LineWithErrors(Plot plot, double[] xs, double[] ys, double[] err, Color color, string label,
        MarkerShape marker = MarkerShape.FilledCircle, LinePattern? pattern = null)
    {
        var line = plot.Add.Scatter(xs, ys, color);
        line.LegendText = label;
        line.MarkerShape = marker;
        line.MarkerSize = 7;
        line.LineWidth = 2;
        line.LinePattern = pattern ?? LinePattern.Solid;
        if (err.Any(e => e > 0))
        {
            var bars = plot.Add.ErrorBar(xs, ys, err);
            bars.Color = color;
            bars.LineWidth = 1.2f;
            bars.CapSize = 4;
        }
        return line;
    }
}
