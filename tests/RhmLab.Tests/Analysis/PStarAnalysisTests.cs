using System.Text.Json.Nodes;
using RhmLab.Analysis;
using RhmLab.Tests.Cli;

namespace RhmLab.Tests.Analysis;

/// <summary>P* per configuration, fits against D*, the ratio to BP, and <c>rhmlab pstar</c>.</summary>
public sealed class PStarAnalysisTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public PStarAnalysisTests() => SyntheticRuns.WriteSweep(_dir.Path, sensitivity: false);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void RecoversPStarFitsAndRatio()
    {
        var set = RecordReader.Read(_dir.Path);
        var a = PStarAnalysis.Run(set.Records, new PStarOptions { Resamples = 200 });
        Assert.Equal(6, a.Groups.Count);
        foreach (var g in a.Groups)
        {
            double c = g.Group.Rule == "bp" ? 1.5 : 2.4;
            Assert.True(g.Estimate.IsValue, g.Group.Label);
            Assert.Equal(c * g.Group.DStar, g.Estimate.Value, 6);
            Assert.Equal(3, g.Curve.Seeds.Length);
            Assert.True(g.Bootstrap.Lower.Value <= g.Estimate.Value * (1 + 1e-9) && g.Estimate.Value <= g.Bootstrap.Upper.Value * (1 + 1e-9));
            Assert.NotNull(g.Bp);
            Assert.Equal(c / 1.5, g.RatioToBp, 6);
        }
        Assert.Equal(2, a.Fits.Count);
        foreach (var f in a.Fits)
        {
            Assert.Equal(3, f.Fit.Points);
            Assert.Equal(1.0, f.Fit.Slope, 6);
            Assert.Equal(f.Rule == "bp" ? 1.5 : 2.4, f.Fit.C, 5);
            Assert.True(f.BootstrapUsed > 0);
            Assert.True(f.BootstrapSlopeLow <= 1 + 1e-6 && 1 - 1e-6 <= f.BootstrapSlopeHigh);
        }
    }

    [Fact]
    public void NetworkMeasureLeavesOutRulesWithoutIt()
    {
        var set = RecordReader.Read(_dir.Path);
        var a = PStarAnalysis.Run(set.Records, new PStarOptions { Measure = ErrorMeasure.Network, Resamples = 50 });
        Assert.All(a.Groups, g => Assert.Equal("bp", g.Group.Rule));
        Assert.Contains(a.Notes, n => n.StartsWith("clapp", StringComparison.Ordinal) && n.Contains("network", StringComparison.Ordinal));
    }

    [Fact]
    public void GroupsSplitOnOptionsButNotOnSeedsOrSize()
    {
        var dir = Path.Combine(_dir.Path, "lr");
        foreach (var lr in new[] { "0.1", "0.5" })
            foreach (var p in new[] { 16L, 32 })
                for (int seed = 1; seed <= 2; seed++)
                    SyntheticRuns.Write(dir, $"{lr}-{p}-{seed}", SyntheticRuns.Record("fa", 3, 3, 3, 2, p, seed, [0.5, 0.4], lr: lr));
        var groups = RunGrouping.Group(RecordReader.Read(dir).Records);
        Assert.Equal(2, groups.Count);
        Assert.All(groups, g => Assert.Equal(4, g.Runs.Count));
        Assert.Contains(groups, g => g.Label.EndsWith("lr=0.5", StringComparison.Ordinal));
        Assert.NotEqual(groups[0].FamilyKey, groups[1].FamilyKey);
    }

    [Fact]
    public void CommandPrintsTableAndJson()
    {
        var r = Cli.Cli.Run("pstar", _dir.Path, "--bootstrap", "100");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("top-layer ridge probe test error", r.Stdout);
        Assert.Contains("measure: probe", r.Stdout);
        Assert.Contains("slope b", r.Stdout);

        var j = Cli.Cli.Run("pstar", _dir.Path, "--bootstrap", "100", "--measure", "network", "--json", "--threshold", "0.2");
        Assert.True(j.ExitCode == 0, j.ToString());
        var o = (JsonObject)JsonNode.Parse(j.Stdout)!;
        Assert.Equal("network", (string)o["measure"]!);
        Assert.Equal(0.2, (double)o["threshold_fraction"]!);
        var configs = o["configurations"]!.AsArray();
        Assert.Equal(3, configs.Count);
        var first = configs[0]!.AsObject();
        Assert.Equal("none", (string)first["p_star"]!["censored"]!);
        Assert.Equal(100, (int)first["bootstrap"]!["resamples"]!);
        Assert.Single(o["fits"]!.AsArray());
    }

    [Fact]
    public void ARatioBetweenRulesThatReadDifferentDataIsFlaggedAndAnEqualBpIsPreferred()
    {
        var dir = Path.Combine(_dir.Path, "budget");
        // CLAPP stops on 2 000 fresh validation data (a record written before extra_data_read existed: the config says
        // so); BP reads only its training data.
        JsonObject Run(string rule, long p, int seed, double error, bool validation)
        {
            var o = SyntheticRuns.Record(rule, 3, 3, 3, 2, p, seed, [0.5, error]);
            if (validation) { o["config"]!["probe-stop"] = "on"; o["config"]!["probe-stop-data"] = 2000; }
            return o;
        }
        foreach (var (p, e) in new[] { (27L, 0.4), (54L, 0.2), (108L, 0.01) })
            for (int seed = 1; seed <= 2; seed++)
            {
                SyntheticRuns.Write(dir, $"clapp-{p}-{seed}", Run("clapp", p, seed, e, validation: true));
                SyntheticRuns.Write(dir, $"bp-{p}-{seed}", Run("bp", p, seed, e, validation: false));
            }
        var a = PStarAnalysis.Run(RecordReader.Read(dir).Records, new PStarOptions { Resamples = 20 });
        var clapp = a.Groups.Single(g => g.Group.Rule == "clapp");
        Assert.Equal(2000, clapp.ExtraDataRead);
        Assert.True(clapp.UnequalData);
        Assert.EndsWith(" !", clapp.RatioText);
        Assert.Contains(a.Notes, n => n.Contains("read 2000 data outside their training sets and BP's", StringComparison.Ordinal));
        Assert.True((bool)a.ToJson()["configurations"]!.AsArray().Single(c => (string?)c!["rule"] == "clapp")!["unequal_data"]!);
        var printed = Cli.Cli.Run("pstar", dir, "--bootstrap", "20");
        Assert.Contains("compares rules given different data", printed.Stdout);

        // BP with the same validation data joins: the comparison pairs the two that read alike, and nothing is flagged.
        foreach (var (p, e) in new[] { (27L, 0.4), (54L, 0.2), (108L, 0.01) })
            for (int seed = 1; seed <= 2; seed++)
                SyntheticRuns.Write(dir, $"bp-val-{p}-{seed}", Run("bp", p, seed, e, validation: true));
        a = PStarAnalysis.Run(RecordReader.Read(dir).Records, new PStarOptions { Resamples = 20 });
        clapp = a.Groups.Single(g => g.Group.Rule == "clapp");
        Assert.False(clapp.UnequalData);
        Assert.Equal(2000, a.Groups.Single(g => ReferenceEquals(g.Group, clapp.Bp)).ExtraDataRead);
        Assert.DoesNotContain(a.Notes, n => n.Contains("different data", StringComparison.Ordinal));
    }

    [Fact]
    public void SeveralFoldersAreReadAsOneSet()
    {
        // A depth comparison reads the campaign's folders together: the second folder adds a rule the first lacks.
        var other = Path.Combine(_dir.Path, "..", Path.GetFileName(_dir.Path) + "-other");
        try
        {
            foreach (var (p, e) in new[] { (27L, 0.5), (54L, 0.3), (108L, 0.01) })
                SyntheticRuns.Write(other, $"fa-{p}", SyntheticRuns.Record("fa", 3, 3, 3, 2, p, 1, [0.6, e]));
            var both = Cli.Cli.Run("pstar", _dir.Path, other, "--bootstrap", "20", "--json");
            Assert.True(both.ExitCode == 0, both.ToString());
            var rules = JsonNode.Parse(both.Stdout)!["configurations"]!.AsArray().Select(c => (string)c!["rule"]!).Distinct().Order().ToArray();
            Assert.Equal(["bp", "clapp", "fa"], rules);
            var missing = Cli.Cli.Run("pstar", _dir.Path, Path.Combine(other, "nope"));
            Assert.Equal(2, missing.ExitCode);
        }
        finally { Directory.Delete(other, recursive: true); }
    }

    [Fact]
    public void BadOptionsAreOneLineErrors()
    {
        foreach (var args in new[] { new[] { "--measure", "loss" }, ["--threshold", "1.5"], ["--bootstrap", "0"] })
        {
            var r = Cli.Cli.Run(["pstar", _dir.Path, .. args]);
            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.StartsWith("rhmlab: error:", r.Stderr);
            Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        var missing = Cli.Cli.Run("pstar", Path.Combine(_dir.Path, "nope"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr);
    }
}
