using System.Globalization;
using System.Text.Json.Nodes;
using RhmLab.Experiments;
using RhmLab.Tests.Reliability;

namespace RhmLab.Tests.Experiments;

/// <summary>
/// The calibration resists a busy machine: it keeps the best of several timed slices and records their spread and
/// the load average, and every estimate says when its calibration is old or was measured under load, with the command
/// that renews it. Calibrations of earlier versions, without those fields, are still read.
/// </summary>
public sealed class CostCalibrationTests
{
    private static string Utc(DateTime t) => t.ToString("o", CultureInfo.InvariantCulture);

    private static CostCalibration Quiet(DateTime measured) =>
        TestCache.Calibration with { MeasuredUtc = Utc(measured), Spread = 0.03, LoadAverage = 0.2 };

    // A file as version 0.1.0 wrote it: no spread, no load average.
    private static string EarlierVersionsFile(string machine, DateTime measured) => new JsonObject
    {
        ["format"] = "rhmlab-cost-calibration", ["gflops_per_s"] = 39.2, ["seconds_per_step"] = 2.5e-5, ["seconds_per_run"] = 2.5e-4,
        ["clapp_step_factor"] = 1.13, ["clapp_seconds_per_step"] = 8.9e-5, ["seconds_per_eval_row"] = 1.07e-6,
        ["machine"] = machine, ["measured_utc"] = Utc(measured),
    }.ToJsonString();

    /// <summary>A cache folder of the test's own inside the test run's, for a CLI process started with it.</summary>
    private static string OwnCache()
    {
        string dir = Path.Combine(TestCache.Root, "own-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Fact]
    public void AnEarlierVersionsFileIsStillRead()
    {
        using var tmp = new TempFolder("rhmlab-calibration-");
        var now = DateTime.UtcNow;
        File.WriteAllText(tmp.File("c.json"), EarlierVersionsFile("some machine", now.AddDays(-2)));
        var c = CostCalibration.TryRead(tmp.File("c.json"));
        Assert.NotNull(c);
        Assert.Equal(39.2, c.GflopsPerSecond);
        Assert.Equal(1.07e-6, c.SecondsPerEvalRow);
        Assert.Null(c.Spread);
        Assert.Null(c.LoadAverage);
        // It does not say whether the machine was busy, and the warning says so.
        var note = Assert.Single(c.Warnings(now, 2));
        Assert.Contains("does not record whether the machine was busy", note);
        Assert.Contains(CostCalibration.RenewCommand, note);
    }

    [Fact]
    public void TheNewFieldsSurviveTheFile()
    {
        using var tmp = new TempFolder("rhmlab-calibration-");
        var c = Quiet(DateTime.UtcNow) with { Spread = 0.4312, LoadAverage = 3.5 };
        File.WriteAllText(tmp.File("c.json"), c.ToJson().ToJsonString());
        Assert.Equal(c, CostCalibration.TryRead(tmp.File("c.json")));
    }

    [Fact]
    public void WarningsSayWhenTheCalibrationIsOldOrMeasuredUnderLoad()
    {
        var now = DateTime.UtcNow;
        Assert.Empty(Quiet(now.AddDays(-29)).Warnings(now, 2));
        var old = Assert.Single(Quiet(now.AddDays(-45)).Warnings(now, 2));
        Assert.Contains("45 days old", old);
        Assert.Contains(CostCalibration.RenewCommand, old);
        var spread = Assert.Single((Quiet(now) with { Spread = 0.4 }).Warnings(now, 2));
        Assert.Contains("busy machine", spread);
        Assert.Contains("spread by 40 %", spread);
        Assert.Contains(CostCalibration.RenewCommand, spread);
        var load = Assert.Single((Quiet(now) with { LoadAverage = 3.1 }).Warnings(now, 2));
        Assert.Contains("load average 3.1 on 2 cores", load);
        // A load the cores absorb is no warning.
        Assert.Empty((Quiet(now) with { LoadAverage = 3.1 }).Warnings(now, 8));
        Assert.Equal(2, (Quiet(now.AddDays(-90)) with { Spread = 0.5 }).Warnings(now, 2).Count);
    }

    [Fact]
    public void MeasureKeepsTheBestSliceAndRecordsItsSpreadAndLoad()
    {
        var c = CostCalibration.Measure(seconds: 0.1);
        Assert.True(c.GflopsPerSecond > 0 && c.SecondsPerStep >= 0 && c.SecondsPerRun > 0, c.ToString());
        Assert.NotNull(c.Spread);
        Assert.InRange(c.Spread.Value, 0, 1);
        if (OperatingSystem.IsLinux()) Assert.NotNull(c.LoadAverage);
        Assert.True(DateTime.TryParse(c.MeasuredUtc, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var when));
        Assert.InRange(DateTime.UtcNow - when.ToUniversalTime(), TimeSpan.Zero, TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void DryRunsSayWhenTheCalibrationIsOldWithTheCommandThatRenewsIt()
    {
        string cache = OwnCache();
        File.WriteAllText(Path.Combine(cache, CostCalibration.FileName), EarlierVersionsFile(CostCalibration.CurrentMachine(), DateTime.UtcNow.AddDays(-60)));
        var env = new Dictionary<string, string> { ["RHMLAB_CACHE"] = cache };
        using var tmp = new TempFolder("rhmlab-calibration-");
        string plan = tmp.File("plan.json");
        File.WriteAllText(plan, """{ "grid": { "seed": [1, 2] }, "fixed": { "nmv": 3, "L": 2, "train": 30, "test": 20, "width": 8, "epochs": 2 } }""");
        var sweep = CliProcess.Run(["sweep", plan, "--out", tmp.File("sweep"), "--dry-run"], TimeSpan.FromMinutes(2), env);
        Assert.True(sweep.ExitCode == 0, sweep.Stderr);
        Assert.DoesNotContain("calibrating", sweep.Stdout + sweep.Stderr);
        Assert.Contains("60 days old", sweep.Stderr);
        Assert.Contains($"`{CostCalibration.RenewCommand}`", sweep.Stderr);
        var reproduce = CliProcess.Run(["reproduce", "fig3", "--scale", "quick", "--dry-run", "--json", "--out", tmp.File("results")], TimeSpan.FromMinutes(2), env);
        Assert.True(reproduce.ExitCode == 0, reproduce.Stderr);
        var o = (JsonObject)JsonNode.Parse(reproduce.Stdout)!;
        var notes = ((JsonArray)o["calibration_warnings"]!).Select(n => (string)n!).ToList();
        Assert.Equal(2, notes.Count);
        Assert.Contains(notes, n => n.Contains("60 days old", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Contains("does not record whether the machine was busy", StringComparison.Ordinal));
        Assert.All(notes, n => Assert.Contains(CostCalibration.RenewCommand, n));
        Assert.Contains("60 days old", reproduce.Stderr);
        Assert.Equal(Path.Combine(cache, CostCalibration.FileName), (string)o["calibration_file"]!);
    }

    [Fact]
    public void CostCalibrateRenewsTheCalibrationWithoutAFolder()
    {
        string cache = OwnCache();
        string path = Path.Combine(cache, CostCalibration.FileName);
        File.WriteAllText(path, EarlierVersionsFile(CostCalibration.CurrentMachine(), DateTime.UtcNow.AddDays(-60)));
        var r = CliProcess.Run(["cost", "--calibrate", "--json"], TimeSpan.FromMinutes(3), new Dictionary<string, string> { ["RHMLAB_CACHE"] = cache });
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("calibrating", r.Stderr);
        var o = (JsonObject)JsonNode.Parse(r.Stdout)!;
        Assert.Equal(path, (string)o["calibration_file"]!);
        var renewed = CostCalibration.TryRead(path);
        Assert.NotNull(renewed?.Spread);
        Assert.Equal(renewed.Spread, (double?)o["calibration"]!["spread"]);
        Assert.DoesNotContain(((JsonArray)o["calibration_warnings"]!).Select(n => (string)n!), n => n.Contains("days old", StringComparison.Ordinal));
    }

    [Fact]
    public void CostWithoutAFolderNeedsCalibrate()
    {
        var r = Cli.Cli.Run("cost");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.StartsWith("rhmlab: error: folder", r.Stderr);
    }
}
