using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using RhmLab.Analysis;
using RhmLab.Experiments;

namespace RhmLab.Tests.Experiments;

/// <summary>
/// <c>--reuse</c>: a run whose key has a valid record in another results folder is copied, not run; a different
/// configuration, an invalid record or the sweep's own folder never stand in for it.
/// </summary>
public sealed class RecordReuseTests : IDisposable
{
    private readonly TempFolder _tmp = new("rhmlab-reuse-");

    public void Dispose() => _tmp.Dispose();

    private string Folder(string name) => Path.Combine(_tmp.Path, name);

    private sealed class Counter
    {
        public ConcurrentDictionary<string, int> Executions { get; } = new();

        public RunResult Execute(ResolvedRun run, CancellationToken cancel)
        {
            Executions.AddOrUpdate(RunHash.Of(run.Config), 1, (_, n) => n + 1);
            return RunExecutor.Execute(run, null, cancel);
        }
    }

    private static SweepOptions Options(string outDir, Counter counter, params string[] reuse) => new()
    {
        OutDir = outDir, Execute = counter.Execute, PollInterval = TimeSpan.FromMilliseconds(20),
        Reuse = reuse.Length == 0 ? null : new RecordIndex(reuse),
    };

    private static JsonObject Record(string outDir, SweepPoint p) => SweepStore.TryReadResult(SweepStore.RunDir(outDir, p.Hash), p.Hash)!;

    [Fact]
    public void ARecordOfTheSameRunIsCopiedNotRun()
    {
        var plan = SweepPlanTests.Tiny("\"seed\": [1, 2]");
        string a = Folder("a"), b = Folder("b");
        var first = new Counter();
        Assert.Equal(2, new SweepRunner(plan, Options(a, first)).Run().Executed);

        var events = new ConcurrentBag<SweepEvent>();
        var second = new Counter();
        var options = Options(b, second, a);
        var s = new SweepRunner(plan, new SweepOptions
        {
            OutDir = options.OutDir, Execute = options.Execute, Reuse = options.Reuse, OnEvent = events.Add,
        }).Run();
        Assert.Empty(second.Executions);
        Assert.Equal((0, 2, 2, 0), (s.Executed, s.Skipped, s.Reused, s.Failed));
        Assert.Equal(2, events.Count(e => e.State == SweepRunState.Reused));
        foreach (var p in plan.Points)
        {
            var original = Record(a, p);
            var copy = Record(b, p);
            Assert.Equal($"../a/runs/{p.Hash}", (string)copy["reused_from"]!);
            Assert.Equal((double)original["test_error"]!, (double)copy["test_error"]!);
            Assert.Equal(original["config"]!.ToJsonString(), copy["config"]!.ToJsonString());
            Assert.Contains(" from=" + SweepStore.RunDir(a, p.Hash), File.ReadAllText(Path.Combine(SweepStore.RunDir(b, p.Hash), SweepStore.AttemptsFile)));
        }
        // The copy is a record of this folder now: a third sweep skips it without looking elsewhere.
        var third = new SweepRunner(plan, Options(b, new Counter())).Run();
        Assert.Equal((0, 2, 0), (third.Executed, third.Skipped, third.Reused));
    }

    [Fact]
    public void OnlyTheSameConfigurationIsReused()
    {
        string a = Folder("a"), b = Folder("b");
        new SweepRunner(SweepPlanTests.Tiny("\"seed\": [1]"), Options(a, new Counter())).Run();
        // Seed 1 is the same run; seed 3 and another learning rate are not.
        var plan = SweepPlanTests.Tiny("\"seed\": [1, 3]");
        var other = SweepPlanTests.Tiny("\"seed\": [1]", "\"lr\": 0.07");
        var counter = new Counter();
        var s = new SweepRunner(plan, Options(b, counter, a)).Run();
        var same = plan.Points.Where(p => SweepStore.TryReadResult(SweepStore.RunDir(a, p.Hash), p.Hash) != null).ToList();
        Assert.Single(same);
        Assert.Equal((plan.Points.Count - 1, 1), (s.Executed, s.Reused));
        Assert.DoesNotContain(same[0].Hash, counter.Executions.Keys);
        var changed = new SweepRunner(other, Options(Folder("c"), counter, a)).Run();
        Assert.Equal((1, 0), (changed.Executed, changed.Reused));
    }

    [Fact]
    public void AnInvalidRecordElsewhereIsNotReused()
    {
        var plan = SweepPlanTests.Tiny("\"seed\": [1, 2]");
        string a = Folder("a"), b = Folder("b");
        new SweepRunner(plan, Options(a, new Counter())).Run();
        // An edited config no longer hashes to the run's key; a truncated file does not parse.
        var p0 = plan.Points[0];
        string path0 = Path.Combine(SweepStore.RunDir(a, p0.Hash), SweepStore.ResultFile);
        var edited = (JsonObject)JsonNode.Parse(File.ReadAllText(path0))!;
        edited["config"]!["seed"] = 99;
        File.WriteAllText(path0, edited.ToJsonString());
        string path1 = Path.Combine(SweepStore.RunDir(a, plan.Points[1].Hash), SweepStore.ResultFile);
        File.WriteAllText(path1, File.ReadAllText(path1)[..40]);

        var counter = new Counter();
        var s = new SweepRunner(plan, Options(b, counter, a)).Run();
        Assert.Equal((2, 0), (s.Executed, s.Reused));
        Assert.Equal(2, counter.Executions.Count);
    }

    [Fact]
    public void AFolderIsSearchedAtAnyDepthAndTheSweepsOwnFolderIsPassedOver()
    {
        var plan = SweepPlanTests.Tiny("\"seed\": [1]");
        string deep = Path.Combine(Folder("all"), "depth", "L5");
        new SweepRunner(plan, Options(deep, new Counter())).Run();
        var index = new RecordIndex([Folder("all")]);
        var p = plan.Points[0];
        Assert.NotNull(index.Find(p.Hash, null, out string? source));
        Assert.Equal(SweepStore.RunDir(deep, p.Hash), source);
        // Its own run folder is not a source for itself.
        Assert.Null(index.Find(p.Hash, SweepStore.RunDir(deep, p.Hash), out _));
        Assert.Null(index.Find("0123456789abcdef", null, out _));
    }

    [Fact]
    public void ASearchReusesTheRecordsOfTheSameSearchElsewhere()
    {
        var plan = SweepPlan.Parse("""
            { "grid": { "seed": [1, 2] },
              "fixed": { "rule": "bp", "nmv": 3, "L": 2, "width": 8, "epochs": 2, "test": 20, "blas": "managed" },
              "search": { "measure": "network", "start-x": 1, "factor": 2, "ratio": 1.5, "max-x": 2 } }
            """);
        string a = Folder("a"), b = Folder("b");
        var first = new Counter();
        new SearchRunner(plan, Options(a, first)).Run();
        Assert.NotEmpty(first.Executions);

        var second = new Counter();
        var s = new SearchRunner(plan, Options(b, second, a)).Run();
        Assert.Empty(second.Executions);
        Assert.Equal(first.Executions.Count, s.Reused);
        foreach (var unit in SearchRunner.UnitsOf(plan))
        {
            var there = SearchRunner.State(unit, plan.Search!, a);
            var here = SearchRunner.State(unit, plan.Search!, b);
            Assert.Equal(there.Levels.Select(l => l.Train), here.Levels.Select(l => l.Train));
            Assert.Equal(there.Step.Status, here.Step.Status);
        }
    }

    [Fact]
    public void TheCopyTakesThisPlansPointAndThisSweepsCompactness()
    {
        string a = Folder("a"), b = Folder("b");
        // The same run, reached through another grid: seed in the grid there, width in the grid here.
        var there = SweepPlan.Parse($$"""{ "grid": { "seed": [1] }, "fixed": { {{SweepPlanTests.TinyFixed}}, "eval-every": 1 } }""");
        var here = SweepPlan.Parse("""{ "grid": { "width": [8] }, "fixed": { "seed": 1, "nmv": 3, "L": 2, "train": 30, "test": 20, "epochs": 2, "blas": "managed", "eval-every": 1 } }""");
        Assert.Equal(there.Points[0].Hash, here.Points[0].Hash);
        new SweepRunner(there, Options(a, new Counter())).Run();
        Assert.NotNull(Record(a, there.Points[0])["curves"]);

        var compact = Options(b, new Counter(), a);
        var s = new SweepRunner(here, new SweepOptions { OutDir = b, Execute = compact.Execute, Reuse = compact.Reuse, Compact = true }).Run();
        Assert.Equal(1, s.Reused);
        var copy = Record(b, here.Points[0]);
        Assert.Equal(8, (int)copy["sweep_point"]!["width"]!);
        Assert.Null(copy["sweep_point"]!["seed"]);
        Assert.Null(copy["curves"]);
        var full = Record(a, there.Points[0])["curves"]!;
        Assert.Equal(full["test_error"]!.AsArray().Count, copy["checkpoints"]!["test_error"]!.AsArray().Count);
        Assert.Equal(full["test_error"]![1]!.GetValue<double>(), copy["checkpoints"]!["test_error"]![1]!.GetValue<double>());
    }

    [Fact]
    public void TheSweepsOwnFolderUnderTheReusedFolderIsNotASource()
    {
        var plan = SweepPlanTests.Tiny("\"seed\": [1]");
        string root = Folder("all"), own = Path.Combine(root, "x");
        new SweepRunner(plan, Options(own, new Counter())).Run();
        // Its record damaged: the sweep must run it again, not "copy" the damaged file onto itself.
        string path = Path.Combine(SweepStore.RunDir(own, plan.Points[0].Hash), SweepStore.ResultFile);
        File.WriteAllText(path, File.ReadAllText(path)[..30]);
        var counter = new Counter();
        var s = new SweepRunner(plan, Options(own, counter, root)).Run();
        Assert.Equal((1, 0), (s.Executed, s.Reused));
    }

    [Fact]
    public void AnAnalysisCountsARunOnceAndNamesCopiesWhoseResultsDiffer()
    {
        var plan = SweepPlanTests.Tiny("\"seed\": [1, 2]");
        string a = Folder("a"), b = Folder("b");
        new SweepRunner(plan, Options(a, new Counter())).Run();
        new SweepRunner(plan, Options(b, new Counter(), a)).Run();
        // One copy edited by hand: same key, another test error.
        string edited = Path.Combine(SweepStore.RunDir(b, plan.Points[1].Hash), SweepStore.ResultFile);
        var o = (JsonObject)JsonNode.Parse(File.ReadAllText(edited))!;
        o["test_error"] = 0.123;
        File.WriteAllText(edited, o.ToJsonString());

        var both = RecordReader.Read(a);
        both = both with { Records = both.Records.Concat(RecordReader.Read(b).Records).ToList() };
        Assert.Equal(4, both.Records.Count);
        var once = both.DistinctRuns(out int repeats, out var differing);
        Assert.Equal(2, repeats);
        Assert.Equal(2, once.Records.Count);
        Assert.All(once.Records, r => Assert.StartsWith(a, r.Path, StringComparison.Ordinal));
        var pair = Assert.Single(differing);
        Assert.Equal(edited, pair.LeftOut);
    }
}
