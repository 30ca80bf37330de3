using System.Globalization;
using RhmLab.Experiments;
using ScottPlot;

namespace RhmLab.Analysis.Figures;

/// <summary>
/// Synonymic sensitivity against P (Fig. 11B): one panel per RHM level l, one colour per network layer k (the same
/// in every panel), and one marker and line style per configuration when there are several; the mean over seeds
/// with ± one standard deviation. A layer that has learnt level l falls towards 0.
/// </summary>
public static class SensitivityFigure
{
    private static readonly MarkerShape[] Markers =
        [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.OpenCircle, MarkerShape.OpenSquare];

    /// <summary>Builds the figure; <see cref="InvalidDataException"/> when no record has a sensitivity table.</summary>
    public static Figure Build(IReadOnlyList<RunRecord> records, FigureOptions o)
    {
        var runs = FigureData.Filter(records, o);
        var withTables = runs.Where(r => r.Sensitivity.Count > 0).ToList();
        if (withTables.Count == 0)
            throw new InvalidDataException("no run record has a 'sensitivity' table (S[k][l] per layer k and level l); run the sensitivity measurement first");
        string definition = o.Definition ?? withTables[0].Sensitivity[0].Definition;
        var tables = withTables.Where(r => Table(r, definition) != null).ToList();
        if (tables.Count == 0)
            throw new InvalidDataException($"no sensitivity table with definition '{definition}' (found {string.Join(", ", withTables.SelectMany(r => r.Sensitivity).Select(t => t.Definition).Distinct())})");
        var levels = tables.SelectMany(r => Table(r, definition)!.Levels).Distinct().Order().ToList();
        var groups = RunGrouping.Group(tables);
        bool manyGroups = groups.Count > 1;
        var legendOf = RunGrouping.Legend(groups);
        // sens-distance falls as a layer becomes invariant; sens-correlation (C^syn / C^noise) rises.
        string yLabel = definition == "sens-correlation" ? "R = C^syn / C^noise (higher: more invariant)" : $"sensitivity S ({definition}; 0: invariant)";
        var empty = new List<int>();
        var ci = CultureInfo.InvariantCulture;
        var panels = new List<Plot>();
        var labels = new List<string>();
        var styles = new Dictionary<string, (Color Color, MarkerShape Marker, LinePattern Pattern)>();
        foreach (var level in levels)
        {
            var plot = PlotStyle.NewPlot($"level {level.ToString(ci)} synonyms exchanged", "training-set size P", yLabel);
            var allX = new List<double>();
            var allY = new List<double>();
            for (int gi = 0; gi < groups.Count; gi++)
            {
                var g = groups[gi];
                var layers = g.Runs.SelectMany(r => Table(r, definition)?.Layers ?? []).Distinct().Order().ToList();
                foreach (var k in layers)
                {
                    // The readout of a self-supervised or unsupervised network is never trained: a frozen random
                    // projection of the top layer, so its "logits" row says nothing about learning and is left out.
                    if (k == g.First.L + 1 && RuleCatalog.Find(g.Rule) is { Kind: not RuleKind.Supervised }) continue;
                    var points = g.Runs.Select(r => (r.Train, S: Table(r, definition)?.At(k, level) ?? double.NaN))
                        .Where(x => double.IsFinite(x.S))
                        .GroupBy(x => x.Train).OrderBy(x => x.Key)
                        .Select(x => (P: (double)x.Key, Stats: FigureData.MeanSd(x.Select(y => y.S)))).ToList();
                    if (points.Count == 0) continue;
                    var xs = points.Select(x => Math.Log10(x.P)).ToArray();
                    var ys = points.Select(x => x.Stats.Mean).ToArray();
                    var es = points.Select(x => x.Stats.Sd).ToArray();
                    string layerName = k == 0 ? "layer 0 (input)" : k == g.First.L + 1 ? $"layer {k.ToString(ci)} (logits)" : $"layer {k.ToString(ci)}";
                    string label = manyGroups ? $"{layerName} · {legendOf[g]}" : layerName;
                    var style = (PlotStyle.ColorOf(k), Markers[gi % Markers.Length], (gi % 3) switch { 0 => LinePattern.Solid, 1 => LinePattern.Dashed, _ => LinePattern.Dotted });
                    FigureData.LineWithErrors(plot, xs, ys, es, style.Item1, label, style.Item2, style.Item3);
                    if (styles.TryAdd(label, style)) labels.Add(label);
                    allX.AddRange(xs);
                    allY.AddRange(ys.Zip(es, (y, e) => y + e));
                    allY.AddRange(ys.Zip(es, (y, e) => y - e));
                }
            }
            if (allX.Count > 0)
            {
                PlotStyle.LogAxis(plot, plot.Axes.Bottom, allX.Min(), allX.Max());
                PlotStyle.LinearY(plot, allY.Append(0.0), floor: 0);
            }
            plot.HideLegend();
            // A level without any value (sens-correlation at l = L, where no noise is defined) gets no empty panel.
            if (allX.Count == 0) { empty.Add(level); continue; }
            panels.Add(plot);
        }
        if (panels.Count == 0)
            throw new InvalidDataException($"no finite {definition} value at any level");
        // The legend sits on the last panel, which may lack some series (a shallower RHM has fewer levels): empty
        // series with the same style complete it.
        var last = panels[^1];
        var present = last.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Select(x => x.LegendText).ToHashSet();
        foreach (var label in labels.Where(l => !present.Contains(l)))
        {
            var (color, marker, pattern) = styles[label];
            var stub = last.Add.Scatter(Array.Empty<double>(), Array.Empty<double>(), color);
            stub.LegendText = label;
            stub.MarkerShape = marker;
            stub.LinePattern = pattern;
            stub.LineWidth = 2;
        }
        PlotStyle.LegendRight(last);
        // Every panel gets the same data width; the last one also carries the legend.
        const int panelWidth = 430;
        int legend = PlotStyle.LegendWidth(labels);
        var weights = panels.Select((_, i) => i == panels.Count - 1 ? (double)(panelWidth + legend) : panelWidth).ToList();
        return new Figure { Panels = panels, Weights = weights, Width = o.Width ?? (int)weights.Sum(), Height = o.Height ?? 520 };
    }

    private static SensitivityTable? Table(RunRecord r, string definition) => r.Sensitivity.FirstOrDefault(t => t.Definition == definition);

}
