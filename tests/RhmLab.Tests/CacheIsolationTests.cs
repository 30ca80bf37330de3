using System.Text.Json.Nodes;
using RhmLab.Experiments;
using RhmLab.Tests.Reliability;

namespace RhmLab.Tests;

/// <summary>
/// The suite leaves the user's files alone: the test process and the CLI processes it starts keep their cache
/// (the cost calibration) in the test run's temporary folder (<see cref="TestCache"/>), never under
/// <c>$XDG_CACHE_HOME</c> or <c>~/.cache</c>.
/// </summary>
public sealed class CacheIsolationTests
{
    private static readonly string[] UserCaches = new[]
    {
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME"),
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
    }.Where(p => !string.IsNullOrEmpty(p)).Select(p => Path.GetFullPath(p!)).ToArray();

    private static void AssertNotTheUsers(string path, string who)
    {
        Assert.True(TestCache.Holds(path), $"{who} caches in {path}, outside the test run's {TestCache.Root}");
        foreach (string user in UserCaches)
            Assert.False(Path.GetFullPath(path).StartsWith(user + Path.DirectorySeparatorChar, StringComparison.Ordinal), $"{who} caches in the user's {user}: {path}");
    }

    [Fact]
    public void TheTestProcessCachesInTheTemporaryFolder() =>
        AssertNotTheUsers(CostCalibration.CachePath(), "the test process");

    [Fact]
    public void ACliProcessTheTestsStartCachesThereToo()
    {
        // No environment of its own: what the child sees is what every CLI process the tests start sees.
        using var tmp = new TempFolder("rhmlab-cache-");
        string plan = tmp.File("plan.json");
        File.WriteAllText(plan, """{ "grid": { "seed": [1] }, "fixed": { "nmv": 3, "L": 2, "train": 30, "test": 20, "width": 8, "epochs": 2 } }""");
        var r = CliProcess.Run(["sweep", plan, "--out", tmp.File("sweep"), "--dry-run", "--json"], TimeSpan.FromMinutes(2));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.DoesNotContain("calibrating", r.Stderr);
        AssertNotTheUsers((string)JsonNode.Parse(r.Stdout)!["calibration_file"]!, "a CLI process");
    }
}
