using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using RhmLab.Tests.Analysis;
using RhmLab.Tests.Cli;

namespace RhmLab.Tests.Paper;

/// <summary><c>rhmlab reproduce --from-records</c>: figures, verdicts and report from records already there, nothing run.</summary>
public sealed class ReproduceFromRecordsTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void WritesTheFiguresTheVerdictAndAReportThatNamesTheFolderAsGiven()
    {
        // Fig. 4's quick preset reads its folder "pstar": BP and CLAPP with P* = 1.5 and 2.4·n_c·m^L on three RHMs.
        string outDir = Path.Combine(_dir.Path, "results");
        int written = SyntheticRuns.WriteSweep(Path.Combine(outDir, "pstar", "runs"), sensitivity: false);
        var r = Cli.Cli.Run("reproduce", "fig4", "--scale", "quick", "--from-records", "--out", outDir);
        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (var file in new[] { "fig4-error-vs-p", "fig4-pstar" })
            foreach (var ext in new[] { ".png", ".svg" })
            {
                Assert.True(new FileInfo(Path.Combine(outDir, file + ext)).Length > 5000, file + ext);
                Assert.Contains($"wrote {Path.Combine(outDir, file + ext)}", r.Stdout);
            }
        var claims = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "claims.json")))!.AsArray();
        var fig4 = Assert.Single(claims, c => (string)c!["figure"]! == "fig4")!;
        Assert.Equal("holds", (string)fig4["verdict"]!);    // 2.4 / 1.5 is within a factor 3
        Assert.Equal(3, (int)fig4["seeds"]!);
        string html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.Contains($"<code>{outDir}</code>: {written} run record(s)", html);
        Assert.Contains("<a href=\"#fig4\">Fig. 4</a>", html);
        Assert.Equal(2, Regex.Matches(html, "<figure>").Count);          // error vs P and P*, each once
    }
}
