using System.Text.RegularExpressions;
using RhmLab.Analysis;
using RhmLab.Analysis.Figures;
using RhmLab.Tests.Cli;

namespace RhmLab.Tests.Analysis;

/// <summary><c>rhmlab plot</c> for every figure in both formats, and <c>rhmlab report</c>, on synthetic records.</summary>
public sealed class FigureTests : IDisposable
{
    private readonly TempFolder _dir = new();
    private readonly string _runs;

    public FigureTests()
    {
        _runs = Path.Combine(_dir.Path, "sweep");
        SyntheticRuns.WriteSweep(_runs);
    }

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Names() => new(FigureCatalog.All.Select(f => f.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void EveryFigureWritesPngAndSvg(string name)
    {
        string png = _dir.File(name + ".png"), svg = _dir.File(name + ".svg");
        var a = Cli.Cli.Run("plot", _runs, "--figure", name, "--out", png, "--bootstrap", "100");
        Assert.True(a.ExitCode == 0, a.ToString());
        Assert.Contains("wrote", a.Stdout);
        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 5000, $"{bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);

        var b = Cli.Cli.Run("plot", _runs, "--figure", name, "--out", svg, "--bootstrap", "100");
        Assert.True(b.ExitCode == 0, b.ToString());
        string text = File.ReadAllText(svg);
        Assert.StartsWith("<svg", text);
        Assert.Contains("<text", text);
        Assert.True(text.Length > 5000);
    }

    [Fact]
    public void TheDepthConstantIsPStarOverTheBpScale()
    {
        // The synthetic sweep has P* = 1.5·n_c·m^L for BP and 2.4·n_c·m^L for CLAPP at every RHM (all at L = 2).
        var records = RecordReader.Read(_runs).Records;
        var figure = FigureCatalog.Build("pstar-constant", records, new FigureOptions { Resamples = 50 });
        var points = figure.Panels[0].GetPlottables<ScottPlot.Plottables.Scatter>().ToList();
        var bp = points.Single(p => p.LegendText == "bp").Data.GetScatterPoints();
        var clapp = points.Single(p => p.LegendText == "clapp").Data.GetScatterPoints();
        Assert.Equal(3, bp.Count);
        // Drawn on a log axis: the points are log10 of the constant.
        Assert.All(bp, p => Assert.Equal(1.5, Math.Pow(10, p.Y), 6));
        Assert.All(clapp, p => Assert.Equal(2.4, Math.Pow(10, p.Y), 6));
        Assert.All(bp.Concat(clapp), p => Assert.InRange(p.X, 1.7, 2.3));
    }

    [Fact]
    public void DashedLinesSurviveInSvg()
    {
        var fig = ErrorVsPFigure.Build(RecordReader.Read(_runs).Records, new FigureOptions());
        string svg = FigureRenderer.Svg(fig);
        Assert.Contains("stroke-dasharray", svg);
        Assert.DoesNotContain("#FD01", svg, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void SensitivityWithoutTablesIsAClearError()
    {
        string plain = Path.Combine(_dir.Path, "plain");
        SyntheticRuns.Write(plain, "a", SyntheticRuns.Record("bp", 3, 3, 3, 2, 20, 1, [0.4, 0.3]));
        string outFile = _dir.File("s.png");
        var r = Cli.Cli.Run("plot", plain, "--figure", "sensitivity", "--out", outFile);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no run record has a 'sensitivity' table", r.Stderr);
        Assert.False(File.Exists(outFile));
    }

    [Fact]
    public void PlotOptionErrors()
    {
        Assert.Equal(2, Cli.Cli.Run("plot", _runs, "--figure", "nope", "--out", _dir.File("x.png")).ExitCode);
        var ext = Cli.Cli.Run("plot", _runs, "--figure", "depth", "--out", _dir.File("x.jpg"));
        Assert.Equal(2, ext.ExitCode);
        Assert.Contains(".png or .svg", ext.Stderr);
        var rule = Cli.Cli.Run("plot", _runs, "--figure", "depth", "--rule", "hebb", "--out", _dir.File("x.png"));
        Assert.Equal(2, rule.ExitCode);
        Assert.Contains("hebb", rule.Stderr);
    }

    [Fact]
    public void ReportIsSelfContainedWithFiguresAndTables()
    {
        string html = _dir.File("report.html");
        File.WriteAllText(Path.Combine(_runs, "runs", "bp-3-27-1", "..", "broken.json"), "{");
        Directory.CreateDirectory(Path.Combine(_runs, "broken"));
        File.WriteAllText(Path.Combine(_runs, "broken", "result.json"), "{\"rule\":");
        var r = Cli.Cli.Run("report", _runs, "--out", html, "--bootstrap", "100");
        Assert.True(r.ExitCode == 0, r.ToString());
        string text = File.ReadAllText(html);
        Assert.StartsWith("<!DOCTYPE html>", text);
        Assert.True(Regex.Matches(text, "<svg").Count >= 6);
        Assert.Contains("class=\"pstar-table\"", text);
        Assert.Contains("P* from the top-layer ridge probe test error", text);
        Assert.Contains("P* from the network test error", text);
        Assert.Contains("class=\"runs-table\"", text);
        Assert.Contains("0123abc", text);
        Assert.Contains("Skipped files", text);
        // Nothing is fetched: no scripts, stylesheets, images or links to other documents.
        Assert.DoesNotMatch(new Regex("<(script|link|img|iframe)\\b", RegexOptions.IgnoreCase), text);
        Assert.DoesNotMatch(new Regex("(src|href)=\"(https?:|//)", RegexOptions.IgnoreCase), text);
        // Figures share one page, so their element ids must not collide.
        var ids = Regex.Matches(text, "id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }
}
