using System.Text.Json.Nodes;
using RhmLab.Analysis;
using RhmLab.Analysis.Figures;

namespace RhmLab.Tests.Analysis;

/// <summary>Legends name what differs between the curves of a figure and nothing else.</summary>
public class LegendTests
{
    private static RunRecord Run(string rule, int nmv, JsonObject? config = null, IReadOnlyList<SensitivityTable>? sensitivity = null, long p = 100) => new()
    {
        Path = $"/x/{rule}-{nmv}-{p}", RunId = $"{rule}-{nmv}-{p}", Rule = rule, Nc = nmv, M = nmv, V = nmv, S = 2, L = 2, Train = p, Seed = 1,
        Widths = [8, 8], ProbeErrors = [0.5, 0.2], ChanceError = 1 - 1.0 / nmv, SampleScale = nmv * nmv * nmv, DStar = nmv * nmv * nmv,
        Config = config ?? new JsonObject { ["epochs"] = null, ["sensitivity"] = false }, Sensitivity = sensitivity ?? [],
    };

    [Fact]
    public void OnlyTheRuleDiffers()
    {
        var groups = RunGrouping.Group([Run("bp", 4), Run("clapp", 4)]);
        var legend = RunGrouping.Legend(groups);
        Assert.Equal(["bp", "clapp"], groups.Select(g => legend[g]));
    }

    [Fact]
    public void TheRhmAndAnOptionThatDifferAreNamedAndSharedOptionsAreNot()
    {
        var groups = RunGrouping.Group([
            Run("clapp", 4, new JsonObject { ["epochs"] = null, ["sensitivity"] = false, ["lr"] = 0.01 }),
            Run("clapp", 6, new JsonObject { ["epochs"] = null, ["sensitivity"] = false, ["lr"] = 0.01 }),
            Run("clapp", 6, new JsonObject { ["epochs"] = null, ["sensitivity"] = false, ["lr"] = 0.003 })]);
        var labels = RunGrouping.Legend(groups).Values.Order().ToArray();
        Assert.Equal(["nc=4 m=4 v=4 lr=0.01", "nc=6 m=6 v=6 lr=0.003", "nc=6 m=6 v=6 lr=0.01"], labels);
        Assert.DoesNotContain(labels, l => l.Contains("epochs") || l.Contains("sensitivity") || l.Contains("clapp") || l.Contains("L="));
    }

    [Fact]
    public void ARulesOwnOptionIsNamedOnlyForTheRulesThatReadIt()
    {
        // Every record stores every option: CLAPP's says ica-overcomplete = cap, which means nothing for CLAPP.
        var groups = RunGrouping.Group([
            Run("clapp", 6, new JsonObject { ["ica-overcomplete"] = "cap", ["anti-collapse"] = null }),
            Run("ica", 6, new JsonObject { ["ica-overcomplete"] = "rica", ["anti-collapse"] = null }),
            Run("clapp-pos", 6, new JsonObject { ["ica-overcomplete"] = "cap", ["anti-collapse"] = "centered+ema-target" }),
            Run("clapp-pos", 6, new JsonObject { ["ica-overcomplete"] = "cap", ["anti-collapse"] = "centered" })]);
        var legend = RunGrouping.Legend(groups);
        // ica-overcomplete is the same for the one rule that reads it, so it is not named at all.
        Assert.Equal(["clapp", "clapp-pos anti-collapse=centered", "clapp-pos anti-collapse=centered+ema-target", "ica"], groups.Select(g => legend[g]).Order());
    }

    [Fact]
    public void AnUnsetAntiCollapseIsNamedByItsDefaultAndAComponentsConstantOnlyWhereTheComponentIsOn()
    {
        // The default run stores anti-collapse = null and ema-tau = 0.99, which it never reads.
        var groups = RunGrouping.Group([
            Run("clapp-pos", 6, new JsonObject { ["anti-collapse"] = null, ["ema-tau"] = 0.99 }),
            Run("clapp-pos", 6, new JsonObject { ["anti-collapse"] = "centered+ema-target", ["ema-tau"] = 0.9 })]);
        var legend = RunGrouping.Legend(groups);
        // Only one curve reads ema-tau, so it names no difference between the curves; the group's label keeps it.
        Assert.Equal(["anti-collapse=centered", "anti-collapse=centered+ema-target"], groups.Select(g => legend[g]).Order());
        Assert.Equal(["clapp-pos nc=6 m=6 v=6 L=2 w=8x2 anti-collapse=centered",
                      "clapp-pos nc=6 m=6 v=6 L=2 w=8x2 anti-collapse=centered+ema-target ema-tau=0.9"], groups.Select(g => g.Label).Order());
    }

    private static SensitivityTable Table(int depth) => new()
    {
        Definition = "sens-correlation", Layers = [.. Enumerable.Range(0, depth + 2)], Levels = [.. Enumerable.Range(1, depth)],
        // The top level has no noise reference: NaN in every row, as a run writes it.
        Values = [.. Enumerable.Range(0, depth + 2).Select(_ => Enumerable.Range(1, depth).Select(l => l == depth ? double.NaN : 1.5).ToArray())],
    };

    [Fact]
    public void TheSensitivityFigureDropsEmptyLevelsAndTheFrozenReadoutOfASelfSupervisedNetwork()
    {
        var runs = new[] { 100L, 400 }.Select(p => Run("clapp", 4, sensitivity: [Table(2)], p: p)).ToList();
        var figure = SensitivityFigure.Build(runs, new FigureOptions { Definition = "sens-correlation" });
        var panel = Assert.Single(figure.Panels);
        var names = panel.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Select(s => s.LegendText).ToList();
        Assert.DoesNotContain(names, n => n.Contains("logits"));
        Assert.Contains("layer 2", names);
        Assert.Contains("higher: more invariant", panel.Axes.Left.Label.Text);

        var supervised = new[] { 100L, 400 }.Select(p => Run("bp", 4, sensitivity: [Table(2)], p: p)).ToList();
        var bpPanel = Assert.Single(SensitivityFigure.Build(supervised, new FigureOptions { Definition = "sens-correlation" }).Panels);
        Assert.Contains(bpPanel.GetPlottables().OfType<ScottPlot.Plottables.Scatter>(), s => s.LegendText.Contains("logits"));
    }
}
