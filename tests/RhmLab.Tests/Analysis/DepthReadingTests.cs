using RhmLab.Analysis;
using RhmLab.Analysis.Figures;

namespace RhmLab.Tests.Analysis;

/// <summary>The two readings of Fig. 5: the layers of one network, or the top layers of networks of each depth.</summary>
public class DepthReadingTests
{
    private static RunRecord Run(double[] probes, long seed = 1) => new()
    {
        Path = $"/x/{probes.Length}-{seed}", RunId = $"{probes.Length}-{seed}", Rule = "e2e-clapp", Nc = 4, M = 4, V = 4, S = 2, L = 2,
        Train = 128, Seed = seed, Widths = [.. Enumerable.Repeat(32, probes.Length)], ProbeErrors = probes, InputProbeError = 0.6,
        ChanceError = 0.75, SampleScale = 64, DStar = 64,
    };

    private static List<(double X, double Y)> Points(Figure f) =>
        [.. Assert.Single(f.Panels).GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Where(s => s.Data.GetScatterPoints().Count > 1)
            .SelectMany(s => s.Data.GetScatterPoints().Select(p => (p.X, p.Y)))];

    [Fact]
    public void SeparateNetworksPlotEachNetworksTopLayerAgainstItsDepth()
    {
        var runs = new[] { Run([0.4]), Run([0.5, 0.05]) };
        var points = Points(DepthFigure.Build(runs, new FigureOptions { DepthReading = DepthReading.SeparateNetworks }));
        Assert.Equal([(0, 0.6), (1, 0.4), (2, 0.05)], points);
    }

    [Fact]
    public void OneNetworkPlotsTheLayersOfTheFullDepthNetworkOnly()
    {
        var runs = new[] { Run([0.4]), Run([0.5, 0.05]) };
        var points = Points(DepthFigure.Build(runs, new FigureOptions()));
        Assert.Equal([(0, 0.6), (1, 0.5), (2, 0.05)], points);
    }

    [Fact]
    public void TheSeparateReadingNeedsNetworksOfTwoDepths()
    {
        var e = Assert.Throws<InvalidDataException>(() => DepthFigure.Build([Run([0.5, 0.05])], new FigureOptions { DepthReading = DepthReading.SeparateNetworks }));
        Assert.Contains("differ in layers", e.Message);
    }
}
