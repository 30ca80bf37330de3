using RhmLab.Experiments;
using RhmLab.Paper;

namespace RhmLab.Tests.Paper;

/// <summary>
/// Fig. 5's paper preset at L = 5 runs P = 4, 16 and 64·n_c·m^L, which the depth search (plans/paper/depth/L5-ssl.json)
/// also runs: the two must give those runs the same key, so that `--reuse` copies them instead of computing them twice.
/// </summary>
public sealed class Fig5PresetTests
{
    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "RhmLab.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"no RhmLab.sln above {AppContext.BaseDirectory}");
    }

    [Fact]
    public void TheLargerPSettingsAtL5HaveTheDepthSearchsRunKeys()
    {
        var preset = Reproduction.Preset("fig5", "paper");
        var depth = SweepPlan.Load(Path.Combine(RepoRoot(), "plans", "paper", "depth", "L5-ssl.json"));
        // The depth search's CLAPP runs at P = 729·x for each seed, as the search makes them.
        var unit = SearchRunner.UnitsOf(depth).Single(u => u.Seeds[0].Config.Rule == "clapp");
        foreach (int x in new[] { 16, 64 })
        {
            var json = preset.Plans.Single(p => ((string)p["description"]!).StartsWith($"Fig. 5 setting: CLAPP, P = {x} n_c m^L", StringComparison.Ordinal));
            Assert.False(json["fixed"]!.AsObject().ContainsKey("train-x"));
            var plan = SweepPlan.Parse(json.ToJsonString());
            var searchRuns = SearchRunner.RunsAt(unit, 729L * x).Select(p => p.Hash).ToHashSet();
            Assert.Equal(5, plan.Points.Count);
            Assert.All(plan.Points, p => Assert.Contains(p.Hash, searchRuns));
        }
        // BP's control at 16·n_c·m^L is a run of BP's depth search too.
        var bpDepth = SweepPlan.Load(Path.Combine(RepoRoot(), "plans", "paper", "depth", "L5-bp.json"));
        var bpUnit = SearchRunner.UnitsOf(bpDepth).Single();
        var bp16 = SweepPlan.Parse(preset.Plans.Single(p => ((string)p["description"]!).StartsWith("Fig. 5 control: BP, P = 16 n_c m^L", StringComparison.Ordinal)).ToJsonString());
        var bpRuns = SearchRunner.RunsAt(bpUnit, 729L * 16).Select(p => p.Hash).ToHashSet();
        Assert.All(bp16.Points, p => Assert.Contains(p.Hash, bpRuns));
    }
}
