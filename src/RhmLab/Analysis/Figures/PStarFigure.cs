using System.Globalization;
using ScottPlot;

namespace RhmLab.Analysis.Figures;

/// <summary>
/// P* against D* = n_c·v^L on log-log axes (Fig. 4C, 9B, 10): one colour per rule family, bootstrap 2.5–97.5 %
/// error bars, the family's least-squares fit dashed, censored estimates as open triangles at their bound (up for
/// "P* &gt; P_last", down for "P* ≤ P_0"), and the BP scale n_c·m^L as a grey reference.
/// </summary>
public static class PStarFigure
{
    /// <summary>Builds the figure.</summary>
    public static Figure Build(IReadOnlyList<RunRecord> records, FigureOptions o)
    {
        var analysis = Analyse(records, o);
        var ci = CultureInfo.InvariantCulture;
        var plot = PlotStyle.NewPlot(
            $"P* vs D* (error ≤ {o.ThresholdFraction.ToString("0.##", ci)}·(1−1/n_c), {o.Measure.Label()})",
            "D* = n_c·v^L", "P*");
        var xs = new List<double>();
        var ys = new List<double>();

        // Reference first, so the data are drawn over it.
        var reference = analysis.Groups.Select(g => (X: g.Group.DStar, Y: g.Group.SampleScale)).Distinct().OrderBy(p => p.X).ToList();
        var refLine = plot.Add.Scatter(reference.Select(p => Math.Log10(p.X)).ToArray(), reference.Select(p => Math.Log10(p.Y)).ToArray(), Colors.Gray);
        refLine.LegendText = "n_c·m^L (BP scale)";
        refLine.LinePattern = LinePattern.Dotted;
        refLine.LineWidth = 2;
        refLine.MarkerShape = MarkerShape.None;
        xs.AddRange(reference.Select(p => Math.Log10(p.X)));
        ys.AddRange(reference.Select(p => Math.Log10(p.Y)));

        int series = 0;
        foreach (var fit in analysis.Fits)
        {
            var color = PlotStyle.ColorOf(series);
            var members = fit.Members;
            string name = fit.FamilyOptions.Length > 0 ? $"{fit.Rule} {fit.FamilyOptions}" : fit.Rule;
            if (fit.Points.Count > 0)
            {
                var px = fit.Points.Select(p => Math.Log10(p.Group.DStar)).ToArray();
                var py = fit.Points.Select(p => Math.Log10(p.Estimate.Value)).ToArray();
                var up = new double[px.Length];
                var down = new double[px.Length];
                for (int i = 0; i < px.Length; i++)
                {
                    var b = fit.Points[i].Bootstrap;
                    up[i] = b.Upper.IsValue ? Math.Max(0, Math.Log10(b.Upper.Value) - py[i]) : 0;
                    down[i] = b.Lower.IsValue ? Math.Max(0, py[i] - Math.Log10(b.Lower.Value)) : 0;
                    if (up[i] > 0) ys.Add(py[i] + up[i]);
                    if (down[i] > 0) ys.Add(py[i] - down[i]);
                }
                var pts = plot.Add.Scatter(px, py, color);
                pts.LineWidth = 0;
                pts.MarkerShape = MarkerShape.FilledCircle;
                pts.MarkerSize = 9;
                string slope = double.IsNaN(fit.Fit.Slope) ? ""
                    : double.IsNaN(fit.Fit.SlopeLow) ? $", slope {fit.Fit.Slope.ToString("0.00", ci)}"
                    : $", slope {fit.Fit.Slope.ToString("0.00", ci)} [{fit.Fit.SlopeLow.ToString("0.00", ci)}, {fit.Fit.SlopeHigh.ToString("0.00", ci)}]";
                pts.LegendText = $"{name}{slope}";
                var bars = plot.Add.ErrorBar(px, py, new double[px.Length]);
                bars.YErrorPositive = up;
                bars.YErrorNegative = down;
                bars.Color = color;
                bars.CapSize = 5;
                bars.LineWidth = 1.5f;
                xs.AddRange(px);
                ys.AddRange(py);
                if (!double.IsNaN(fit.Fit.Slope))
                {
                    double x0 = px.Min(), x1 = px.Max();
                    double a = Math.Log10(fit.Fit.C), s = fit.Fit.Slope;
                    var line = plot.Add.Line(x0, a + s * x0, x1, a + s * x1);
                    line.Color = color;
                    line.LineWidth = 1.5f;
                    line.LinePattern = LinePattern.Dashed;
                }
            }
            AddCensored(plot, members, m => Math.Log10(m.Group.DStar), m => Math.Log10(m.Estimate.Bound), color, name, xs, ys);
            series++;
        }
        PlotStyle.LogAxis(plot, plot.Axes.Bottom, xs.Min(), xs.Max());
        PlotStyle.LogAxis(plot, plot.Axes.Left, ys.Min(), ys.Max());
        PlotStyle.LegendRight(plot);
        return new Figure { Panels = [plot], Width = o.Width ?? 1100, Height = o.Height ?? 650 };
    }

    /// <summary>The P* analysis of the runs a figure draws; no run with the measure is a one-line error.</summary>
    internal static PStarAnalysis Analyse(IReadOnlyList<RunRecord> records, FigureOptions o)
    {
        var analysis = PStarAnalysis.Run(FigureData.Filter(records, o), new PStarOptions
        {
            Measure = o.Measure, ThresholdFraction = o.ThresholdFraction, Resamples = o.Resamples, Seed = o.Seed,
        });
        if (analysis.Groups.Count == 0) throw new InvalidDataException($"no runs have the {o.Measure.Name()} error ({o.Measure.Label()})");
        return analysis;
    }

    /// <summary>Censored estimates as open triangles at their bound: up for "P* &gt; P_last", down for "P* ≤ P_0".</summary>
    internal static void AddCensored(Plot plot, IEnumerable<PStarGroupResult> groups, Func<PStarGroupResult, double> x, Func<PStarGroupResult, double> y,
        Color color, string name, List<double> xs, List<double> ys)
    {
        foreach (var side in new[] { Censoring.AboveLast, Censoring.AtOrBelowFirst })
        {
            var censored = groups.Where(m => m.Estimate.Censoring == side).ToList();
            if (censored.Count == 0) continue;
            var cx = censored.Select(x).ToArray();
            var cy = censored.Select(y).ToArray();
            var shape = side == Censoring.AboveLast ? MarkerShape.OpenTriangleUp : MarkerShape.OpenTriangleDown;
            var mk = plot.Add.Markers(cx, cy, shape, 12, color);
            mk.LegendText = side == Censoring.AboveLast ? $"{name}: P* > largest P (censored)" : $"{name}: P* ≤ smallest P (censored)";
            xs.AddRange(cx);
            ys.AddRange(cy);
        }
    }
}
