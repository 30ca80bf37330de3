using System.Globalization;
using ScottPlot;

namespace RhmLab.Analysis.Figures;

/// <summary>
/// The constant of the BP law against depth: P*/(n_c·m^L) of every rule and RHM against L (docs/RESULTS.md, depth).
/// One colour per rule; each RHM a point, offset slightly along L by its size so that the RHMs of one depth do not hide
/// each other; bootstrap 2.5–97.5 % error bars (divided by the same n_c·m^L); censored estimates as open triangles at
/// their bound. The constant is drawn on a logarithmic axis: across rules and depths it spans more than a decade (1.7
/// to above 60 in the committed campaign), and its ratios are what one compares. A rule whose constant stays flat
/// across L has P* ∝ n_c·m^L at every depth; one that grows with L needs relatively more data as the hierarchy deepens.
/// </summary>
public static class PStarConstantFigure
{
    /// <summary>Builds the figure.</summary>
    public static Figure Build(IReadOnlyList<RunRecord> records, FigureOptions o)
    {
        var analysis = PStarFigure.Analyse(records, o);
        var ci = CultureInfo.InvariantCulture;
        var plot = PlotStyle.NewPlot(
            $"P*/(n_c·m^L) against depth (error ≤ {o.ThresholdFraction.ToString("0.##", ci)}·(1−1/n_c), {o.Measure.Label()})",
            "depth L (points of one L: RHMs by size, left to right)", "P* / (n_c·m^L) (log scale)");
        var ys = new List<double>();
        var xs = new List<double>();
        var rules = analysis.Groups.Select(g => g.Group.Rule).Distinct().Order(StringComparer.Ordinal).ToList();
        for (int ri = 0; ri < rules.Count; ri++)
        {
            var color = PlotStyle.ColorOf(ri);
            var groups = analysis.Groups.Where(g => g.Group.Rule == rules[ri]).ToList();
            // Within a depth, RHMs spread over ±0.25 by size; rules are shifted by a little more so bars do not overlap.
            double X(PStarGroupResult g)
            {
                var sameL = analysis.Groups.Where(h => h.Group.First.L == g.Group.First.L).Select(h => h.Group.SampleScale).Distinct().Order().ToList();
                double spread = sameL.Count <= 1 ? 0 : 0.5 * sameL.IndexOf(g.Group.SampleScale) / (sameL.Count - 1) - 0.25;
                return g.Group.First.L + spread + 0.04 * (ri - (rules.Count - 1) / 2.0);
            }
            var values = groups.Where(g => g.Estimate.IsValue).ToList();
            if (values.Count > 0)
            {
                var px = values.Select(X).ToArray();
                var py = values.Select(g => Math.Log10(g.Estimate.Value / g.Group.SampleScale)).ToArray();
                var up = new double[px.Length];
                var down = new double[px.Length];
                for (int i = 0; i < px.Length; i++)
                {
                    var b = values[i].Bootstrap;
                    double scale = values[i].Group.SampleScale;
                    up[i] = b.Upper.IsValue ? Math.Max(0, Math.Log10(b.Upper.Value / scale) - py[i]) : 0;
                    down[i] = b.Lower.IsValue ? Math.Max(0, py[i] - Math.Log10(b.Lower.Value / scale)) : 0;
                    ys.Add(py[i] + up[i]);
                    ys.Add(py[i] - down[i]);
                }
                var pts = plot.Add.Scatter(px, py, color);
                pts.LineWidth = 0;
                pts.MarkerShape = MarkerShape.FilledCircle;
                pts.MarkerSize = 9;
                pts.LegendText = rules[ri];
                var bars = plot.Add.ErrorBar(px, py, new double[px.Length]);
                bars.YErrorPositive = up;
                bars.YErrorNegative = down;
                bars.Color = color;
                bars.CapSize = 4;
                bars.LineWidth = 1.5f;
                xs.AddRange(px);
                ys.AddRange(py);
            }
            PStarFigure.AddCensored(plot, groups, X, g => Math.Log10(g.Estimate.Bound / g.Group.SampleScale), color, rules[ri], xs, ys);
        }
        var depths = analysis.Groups.Select(g => g.Group.First.L).Distinct().Order().ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(depths.Select(d => (double)d).ToArray(), depths.Select(d => d.ToString(ci)).ToArray());
        plot.Axes.SetLimitsX(depths.Min() - 0.5, depths.Max() + 0.5);
        if (ys.Count > 0) PlotStyle.LogAxis(plot, plot.Axes.Left, ys.Min(), ys.Max());
        PlotStyle.LegendRight(plot);
        return new Figure { Panels = [plot], Width = o.Width ?? 1100, Height = o.Height ?? 650 };
    }
}
