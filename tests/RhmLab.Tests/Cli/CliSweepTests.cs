using System.Text.Json.Nodes;
using RhmLab.Experiments;

namespace RhmLab.Tests.Cli;

/// <summary><c>rhmlab sweep</c> and <c>rhmlab slurm</c>: output, exit codes, errors, and the job script.</summary>
public sealed class CliSweepTests : IDisposable
{
    private readonly TempFolder _tmp = new("rhmlab-cli-sweep-");
    private string _dir => _tmp.Path;

    public void Dispose() => _tmp.Dispose();

    private string Plan(string grid, string name = "plan.json")
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, $$"""{ "grid": { {{grid}} }, "fixed": { "nmv": 3, "L": 2, "train": 30, "test": 20, "width": 8, "epochs": 2, "blas": "managed" } }""");
        return path;
    }

    private string Out => Path.Combine(_dir, "results");

    private static void AssertOneLineError(Cli.Result r, params string[] mentions)
    {
        Assert.True(r.ExitCode == 2, r.ToString());
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, r.ToString());
        Assert.StartsWith("rhmlab: error: ", lines[0]);
        foreach (var m in mentions) Assert.True(lines[0].Contains(m, StringComparison.Ordinal), $"'{m}' not in: {lines[0]}");
    }

    [Fact]
    public void SweepRunsThenSkipsAndSummarises()
    {
        string plan = Plan("\"seed\": [1, 2], \"lr\": [0.1, 1e30]");
        var r = Cli.Run("sweep", plan, "--out", Out, "--jobs", "2");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("4 points; 2 at once", r.Stdout);
        Assert.Contains("sweep: done in ", r.Stdout);
        Assert.Contains("4 finished (2 diverged), 0 skipped (already done), 0 failed", r.Stdout);
        Assert.Contains("diverged at epoch", r.Stdout);
        Assert.True(File.Exists(Path.Combine(Out, SweepStore.ManifestFile)));

        var again = Cli.Run("sweep", plan, "--out", Out);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("0 finished, 4 skipped (already done), 0 failed", again.Stdout);

        var dry = Cli.Run("sweep", plan, "--out", Out, "--dry-run", "--shard", "2/2");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Equal(2, dry.Stdout.Split('\n').Count(l => l.Contains(" done ", StringComparison.Ordinal)));
    }

    [Fact]
    public void JsonPrintsOneSummaryObject()
    {
        var r = Cli.Run("sweep", Plan("\"seed\": [1, 2, 3]"), "--out", Out, "--json", "--shard", "1/2");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        var o = (JsonObject)JsonNode.Parse(lines[0])!;
        Assert.Equal(3, (int)o["plan_points"]!);
        Assert.Equal(2, (int)o["total"]!);
        Assert.Equal(2, (int)o["finished"]!);
        Assert.Contains("shard 1/2: 2 runs", r.Stderr);
    }

    [Fact]
    public void FailedRunsGiveExitCodeOneAndAreListed()
    {
        var r = Cli.Run("sweep", Plan("\"ridge-alpha\": [1.0, 0.0]"), "--out", Out);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("1 finished, 0 skipped (already done), 1 failed", r.Stdout);
        Assert.Contains("sweep: failed runs", r.Stdout);
        Assert.Contains("ridge-alpha=0", r.Stdout);
    }

    [Fact]
    public void PlanAndOptionErrorsAreOneLine()
    {
        File.WriteAllText(Path.Combine(_dir, "bad.json"), """{ "grid": { "seed": [1, "x"] } }""");
        AssertOneLineError(Cli.Run("sweep", Path.Combine(_dir, "bad.json"), "--out", Out), "bad.json: grid.seed[1]");
        AssertOneLineError(Cli.Run("sweep", Path.Combine(_dir, "missing.json"), "--out", Out), "cannot read");
        string plan = Plan("\"seed\": [1]");
        AssertOneLineError(Cli.Run("sweep", plan, "--out", Out, "--shard", "3/2"), "--shard");
        AssertOneLineError(Cli.Run("sweep", plan, "--out", Out, "--jobs", "0"), "--jobs");
        AssertOneLineError(Cli.Run("sweep", plan, "--out", Out, "--stale-after", "0"), "--stale-after");
        AssertOneLineError(Cli.Run("sweep", plan), "--out");
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public void SlurmWritesAJobArrayScriptWithAbsolutePaths()
    {
        string plan = Plan("\"seed\": [1, 2, 3, 4, 5]");
        string script = Path.Combine(_dir, "jobs", "job.sbatch");
        var r = Cli.Run("slurm", plan, "--array", "3", "--out", script, "--results", Out,
            "--partition", "cpu", "--time", "01:30:00", "--cpus-per-task", "2", "--mem", "4G");
        Assert.True(r.ExitCode == 0, r.ToString());
        string text = File.ReadAllText(script);
        string copy = Path.Combine(_dir, "jobs", "job.plan.json");
        Assert.Equal(File.ReadAllText(plan), File.ReadAllText(copy));
        Assert.StartsWith("#!/bin/bash\n", text);
        foreach (var line in new[] { "#SBATCH --array=1-3", "#SBATCH --partition=cpu", "#SBATCH --time=01:30:00", "#SBATCH --cpus-per-task=2", "#SBATCH --mem=4G" })
            Assert.Contains(line + "\n", text);
        Assert.Contains($"sweep {copy} --out {Out}", text);
        Assert.Contains("--shard \"${SLURM_ARRAY_TASK_ID}/3\" --jobs 2", text);
        Assert.Contains("RhmLab.Cli.dll", text);
        var exec = text.Split('\n').Single(l => l.StartsWith("exec ", StringComparison.Ordinal));
        Assert.True(Path.IsPathFullyQualified(exec.Split(' ')[1]), exec);
        Assert.True(Directory.Exists(Path.Combine(_dir, "jobs", "logs")));
        if (!OperatingSystem.IsWindows()) Assert.True(File.GetUnixFileMode(script).HasFlag(UnixFileMode.UserExecute));
        Assert.Contains("sbatch ", r.Stdout);
    }

    [Fact]
    public void SlurmOptionErrorsAreOneLine()
    {
        string plan = Plan("\"seed\": [1]");
        string script = Path.Combine(_dir, "job.sbatch");
        AssertOneLineError(Cli.Run("slurm", plan, "--array", "0", "--out", script, "--results", Out), "--array");
        AssertOneLineError(Cli.Run("slurm", plan, "--array", "2", "--out", script, "--results", Out, "--time", "90 minutes"), "--time");
        AssertOneLineError(Cli.Run("slurm", plan, "--array", "2", "--out", script, "--results", Out, "--mem", "lots"), "--mem");
        AssertOneLineError(Cli.Run("slurm", plan, "--array", "2", "--out", _dir, "--results", Out), "is a folder");
        Assert.False(File.Exists(script));
    }

    [Fact]
    public void ShellQuotingSurvivesOddPaths()
    {
        Assert.Equal("/a/b.json", SlurmScript.Quote("/a/b.json"));
        Assert.Equal("'/a b/c'", SlurmScript.Quote("/a b/c"));
        Assert.Equal("'it'\\''s'", SlurmScript.Quote("it's"));
        Assert.Equal("''", SlurmScript.Quote(""));
    }

    [Fact]
    public void ReuseCopiesAnotherFoldersRecordsAndNamesAMissingFolder()
    {
        string plan = Plan("\"seed\": [1, 2]");
        string other = Path.Combine(_dir, "other");
        Assert.Equal(0, Cli.Run("sweep", plan, "--out", other).ExitCode);

        var dry = Cli.Run("sweep", plan, "--out", Out, "--dry-run", "--reuse", _dir);
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Equal(2, dry.Stdout.Split('\n').Count(l => l.Contains(" reuse ", StringComparison.Ordinal)));
        Assert.Contains("(0.00 left, 2 runs done)", dry.Stdout);

        var r = Cli.Run("sweep", plan, "--out", Out, "--reuse", other);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("0 finished, 2 skipped (already done; 2 of them copied from --reuse folders), 0 failed", r.Stdout);

        AssertOneLineError(Cli.Run("sweep", plan, "--out", Out, "--reuse", Path.Combine(_dir, "missing")), "--reuse", "missing", "does not exist");
        AssertOneLineError(Cli.Run("reproduce", "fig3", "--out", Out, "--dry-run", "--reuse", Path.Combine(_dir, "missing")), "--reuse", "does not exist");
    }

    [Fact]
    public void ARunKeptInTwoFoldersCountsOnceInAnAnalysis()
    {
        string plan = Plan("\"seed\": [1, 2]");
        string other = Path.Combine(_dir, "other");
        Assert.Equal(0, Cli.Run("sweep", plan, "--out", other).ExitCode);
        Assert.Equal(0, Cli.Run("sweep", plan, "--out", Out, "--reuse", other).ExitCode);

        string oneCsv = Path.Combine(_dir, "one.csv"), bothCsv = Path.Combine(_dir, "both.csv");
        var one = Cli.Run("results", Out, "--csv", oneCsv);
        Assert.True(one.ExitCode == 0, one.ToString());
        Assert.DoesNotContain("repeat a run", one.Stderr);
        var both = Cli.Run("results", Out, other, "--csv", bothCsv);
        Assert.True(both.ExitCode == 0, both.ToString());
        Assert.Contains("rhmlab: note: 2 record(s) repeat a run already read", both.Stderr);
        Assert.Equal(File.ReadAllLines(oneCsv).Length, File.ReadAllLines(bothCsv).Length);
    }
}
