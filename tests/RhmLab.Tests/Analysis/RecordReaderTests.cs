using RhmLab.Analysis;
using RhmLab.Tests.Cli;

namespace RhmLab.Tests.Analysis;

/// <summary>Finding and parsing result.json files; damaged records are skipped with one warning and never counted.</summary>
public sealed class RecordReaderTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Bad(string name, string text)
    {
        string folder = Path.Combine(_dir.Path, "runs", name);
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "result.json");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void DamagedRecordsAreSkippedWithOneWarningEach()
    {
        SyntheticRuns.Write(_dir.Path, "good1", SyntheticRuns.Record("bp", 3, 3, 3, 2, 20, 1, [0.4, 0.3]));
        SyntheticRuns.Write(_dir.Path, "nested/deeper/good2", SyntheticRuns.Record("bp", 3, 3, 3, 2, 40, 1, [0.4, 0.2]));
        string full = SyntheticRuns.Record("bp", 3, 3, 3, 2, 80, 1, [0.3, 0.1]).ToJsonString();
        var bad = new[]
        {
            Bad("truncated", full[..(full.Length / 2)]),
            Bad("wrongtype", full.Replace("\"nc\":3", "\"nc\":\"three\"", StringComparison.Ordinal)),
            Bad("missing", full.Replace("\"rule\":\"bp\",", "", StringComparison.Ordinal)),
            Bad("probes", full.Replace("\"probe_errors\":[0.3,0.1]", "\"probe_errors\":\"0.1\"", StringComparison.Ordinal)),
            Bad("array", "[1, 2, 3]"),
            Bad("empty", ""),
            // Found by the fuzzer: JsonObject threw ArgumentException on the second key, which stopped every command.
            Bad("duplicate", full.Insert(1, "\"rule\":\"dfa\",")),
        };
        File.WriteAllText(Path.Combine(_dir.Path, "runs", "results.json"), "not a record name");

        var warnings = new StringWriter();
        var set = RecordReader.Read(_dir.Path, warnings);
        Assert.Equal(2, set.Records.Count);
        Assert.Equal(bad.Length, set.Skipped.Count);
        var lines = warnings.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(bad.Length, lines.Length);
        foreach (var path in bad) Assert.Single(lines, l => l.Contains(path, StringComparison.Ordinal) && l.StartsWith("rhmlab: warning:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("'nc' is not an integer", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("missing 'rule'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("duplicate", StringComparison.OrdinalIgnoreCase) && l.Contains("'rule'", StringComparison.Ordinal));

        // The commands count only the readable runs, and say so on stdout while warning on stderr.
        var r = Cli.Cli.Run("results", _dir.Path);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("2 run record(s)", r.Stdout);
        Assert.Contains($"{bad.Length} file(s) skipped", r.Stdout);
        Assert.Equal(bad.Length, r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void NullsReadAsNaNAndOptionalFieldsMayBeAbsent()
    {
        var o = SyntheticRuns.Record("clapp", 4, 4, 4, 2, 64, 9, [0.5, double.NaN], curves: false);
        foreach (var key in new[] { "config", "provenance", "d_star", "n_c_m_L", "chance_error", "test", "widths" }) o.Remove(key);
        string path = SyntheticRuns.Write(_dir.Path, "x", o);
        var set = RecordReader.Read(_dir.Path);
        var r = Assert.Single(set.Records);
        Assert.Equal("runs/x", r.RunId);
        Assert.Equal(path, r.Path);
        Assert.True(double.IsNaN(r.Error(ErrorMeasure.Probe)));
        Assert.True(double.IsNaN(r.NetworkTestError));
        Assert.Equal(64, r.DStar);
        Assert.Equal(0.75, r.ChanceError);
        Assert.Null(r.Curves);
        Assert.Empty(r.Widths);
    }

    [Fact]
    public void ARealTrainRunIsRead()
    {
        string outDir = Path.Combine(_dir.Path, "real");
        var t = Cli.Cli.Run("train", "--nc", "3", "--m", "3", "--v", "3", "--L", "2", "--train", "20", "--test", "30", "--width", "4", "--epochs", "2", "--blas", "managed", "--out", outDir);
        Assert.True(t.ExitCode == 0, t.ToString());
        var set = RecordReader.Read(_dir.Path);
        var r = Assert.Single(set.Records);
        Assert.Empty(set.Skipped);
        Assert.Equal("bp", r.Rule);
        Assert.Equal(20, r.Train);
        Assert.Equal(2, r.ProbeErrors.Length);
        Assert.Equal(2, r.Curves!.Epoch.Length);
        Assert.Equal("managed", r.Provider);
        Assert.False(r.Config.Count == 0);
    }

    [Fact]
    public void NoRecordsIsAUserError()
    {
        var r = Cli.Cli.Run("results", _dir.Path);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no result.json", r.Stderr);
    }
}
