using Xunit.Abstractions;

namespace RhmLab.Tests.Reliability;

/// <summary>
/// Seeded fuzzing of every reader of user input (command lines, run configs, sweep plans, rules files, .npz files,
/// results folders, saved models): no exception outside the documented user errors, no hang, and through the CLI
/// every rejection is one "rhmlab: error:" line with exit code 2. <c>RHMLAB_FUZZ_CASES</c> sets the number of cases
/// (1 000 by default, 10 000 with <c>RHMLAB_RELIABILITY_LONG=1</c>); <c>RHMLAB_FUZZ_CASE=i</c> reruns one failing case.
/// </summary>
public sealed class FuzzTests : IDisposable
{
    private readonly TempFolder _tmp = new("rhmlab-fuzz-");
    private string _dir => _tmp.Path;
    private readonly ITestOutputHelper _log;

    public FuzzTests(ITestOutputHelper log) => _log = log;

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void EveryReaderRejectsBadInputCleanly()
    {
        var targets = FuzzTargets.All;
        int seed = Settings.FuzzSeed;
        var report = Settings.FuzzCase is int only
            ? FuzzHarness.Run(targets, seed, only, 1, _dir)
            : FuzzHarness.Run(targets, seed, 0, Settings.FuzzCases, _dir);
        int tried = report.Tried.Values.Sum();
        _log.WriteLine($"fuzz: {tried} cases (seed {seed}) in {report.Elapsed.TotalSeconds:F1} s, slowest {report.Slowest.Seconds:F2} s ({report.Slowest.Case}); {report.Failures.Count} failures");
        foreach (var t in targets)
            _log.WriteLine($"  {t.Name}: {report.Tried[t.Name]} tried, {report.Rejected[t.Name]} rejected, {report.Skipped[t.Name]} skipped as too costly; {report.Seconds[t.Name]:F1} s");
        Assert.True(report.Failures.Count == 0, string.Join("\n\n", report.Failures));
    }
}
