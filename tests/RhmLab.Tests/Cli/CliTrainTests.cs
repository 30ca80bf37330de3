using System.Text.Json.Nodes;

namespace RhmLab.Tests.Cli;

/// <summary><c>rhmlab train</c>: the JSON record, result.json, config files, divergence and option errors.</summary>
public class CliTrainTests
{
    private static readonly string[] Tiny =
        ["train", "--nc", "3", "--m", "3", "--v", "3", "--L", "3", "--train", "60", "--test", "100", "--width", "8", "--epochs", "3", "--blas", "managed"];

    /// <summary>The tiny run with options replaced or added (flag, value pairs; a trailing lone flag is appended).</summary>
    private static string[] With(params string[] extra)
    {
        var args = new List<string>(Tiny);
        int i = 0;
        for (; i + 1 < extra.Length; i += 2)
        {
            if (extra[i + 1].StartsWith("--", StringComparison.Ordinal)) { args.Add(extra[i]); i--; continue; }
            int at = args.IndexOf(extra[i]);
            if (at >= 0) args[at + 1] = extra[i + 1];
            else args.AddRange([extra[i], extra[i + 1]]);
        }
        if (i < extra.Length) args.Add(extra[i]);
        return [.. args];
    }

    private static string[] Without(string flag, string[] args)
    {
        var list = args.ToList();
        int at = list.IndexOf(flag);
        if (at >= 0) list.RemoveRange(at, 2);
        return [.. list];
    }

    [Theory]
    [InlineData("cnn", new[] { 32, 16, 8 })]
    [InlineData("mlp", new[] { 8, 8 })]
    public void TheSummaryTableShowsEachLayersUnitsFromTheNetworksShapes(string arch, int[] units)
    {
        // The MLP's first layer sees the whole input at once, so its units are its width (the table said 4x that).
        var r = Cli.Run(With("--arch", arch));
        Assert.True(r.ExitCode == 0, r.ToString());
        for (int k = 0; k < units.Length; k++)
            Assert.Matches($@"│ {k + 1} +│ {units[k]} +│", r.Stdout);
        Assert.Matches(@"│ 0 \(input\) │ 24 +│", r.Stdout);
    }

    [Fact]
    public void JsonModePrintsExactlyOneObjectWithTheRequiredFields()
    {
        var r = Cli.Run(With("--seed", "2", "--json"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        var o = (JsonObject)JsonNode.Parse(lines[0])!;
        foreach (var key in new[] { "rule", "nc", "m", "v", "s", "L", "train", "test", "widths", "seed", "epochs_run", "wall_seconds", "train_loss", "test_error", "probe_errors", "provider" })
            Assert.True(o.ContainsKey(key), $"missing {key}");
        Assert.Equal("bp", (string)o["rule"]!);
        Assert.Equal(60, (int)o["train"]!);
        Assert.Equal(3, (int)o["epochs_run"]!);
        Assert.Equal(3, o["probe_errors"]!.AsArray().Count);
        Assert.Equal("managed", (string)o["provider"]!);
        Assert.Equal(2L, (long)o["seed"]!);
    }

    [Fact]
    public void OutWritesResultJsonWithCurvesAndConfig()
    {
        using var tmp = new TempFolder("rhmlab-train-");
        string dir = tmp.File("run");
        {
            var r = Cli.Run(With("--out", dir, "--eval-every", "1"));
            Assert.True(r.ExitCode == 0, r.ToString());
            var o = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "result.json")))!;
            Assert.Equal(3, o["curves"]!["train_loss"]!.AsArray().Count);
            Assert.Equal(3, o["curves"]!["test_error"]!.AsArray().Count);
            Assert.Equal("bp", (string)o["config"]!["rule"]!);
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }

    }

    [Fact]
    public void SameSeedGivesIdenticalMetrics()
    {
        var a = (JsonObject)JsonNode.Parse(Cli.Run(With("--json")).Stdout)!;
        var b = (JsonObject)JsonNode.Parse(Cli.Run(With("--json")).Stdout)!;
        Assert.Equal(a["train_loss"]!.ToJsonString(), b["train_loss"]!.ToJsonString());
        Assert.Equal(a["probe_errors"]!.ToJsonString(), b["probe_errors"]!.ToJsonString());
        var c = (JsonObject)JsonNode.Parse(Cli.Run(With("--init-seed", "9", "--json")).Stdout)!;
        Assert.NotEqual(a["train_loss"]!.ToJsonString(), c["train_loss"]!.ToJsonString());
    }

    [Fact]
    public void ConfigFileIsReadAndFlagsOverrideIt()
    {
        using var tmp = new TempFolder("rhmlab-cfg-");
        string path = tmp.File("config.json");
        File.WriteAllText(path, """{ "rule": "dfa", "epochs": 2, "width": 8 }""");
        {
            var r = Cli.Run([.. Without("--width", With("--epochs", "1", "--config", path)), "--json"]);
            Assert.True(r.ExitCode == 0, r.ToString());
            var o = (JsonObject)JsonNode.Parse(r.Stdout)!;
            Assert.Equal("dfa", (string)o["rule"]!);
            Assert.Equal(1, (int)o["epochs_run"]!);
        }
    }

    [Theory]
    [InlineData("""{ "rule": "bp", "widht": 8 }""", "widht")]
    [InlineData("""{ "epochs": "many" }""", "epochs")]
    [InlineData("""{ "lr": -1 }""", "lr")]
    [InlineData("""{ "rule": "magic" }""", "rule")]
    [InlineData("""[1, 2]""", "JSON object")]
    [InlineData("""{ "batch": 0 }""", "batch")]
    public void BadConfigFilesNameTheField(string json, string field)
    {
        using var tmp = new TempFolder("rhmlab-cfg-");
        string path = tmp.File("config.json");
        File.WriteAllText(path, json);
        {
            var r = Cli.Run(With("--config", path));
            Assert.Equal(2, r.ExitCode);
            Assert.Contains(field, r.Stderr);
            Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.DoesNotContain("   at ", r.Stderr);
        }
    }

    [Theory]
    [InlineData("--width", "0", "width")]
    [InlineData("--epochs", "-3", "epochs")]
    [InlineData("--rule", "backprop", "rule")]
    [InlineData("--momentum", "1.5", "momentum")]
    [InlineData("--widths", "8,x", "widths")]
    [InlineData("--train", "7000", "P_max")]
    [InlineData("--loss", "hinge", "loss")]
    public void BadFlagsNameTheField(string flag, string value, string field)
    {
        var r = Cli.Run(With(flag, value));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(field, r.Stderr);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("vicreg", "other-class", "clapp-pairing")]
    [InlineData("clapp", "random", "negatives")]
    public void InBatchPairingRefusesRulesAndNegativesItCannotServe(string rule, string negatives, string field)
    {
        var r = Cli.Run(With("--rule", rule, "--negatives", negatives, "--clapp-pairing", "in-batch"));
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("rhmlab: error: " + field, r.Stderr);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void InBatchClappTrainsAndRecordsItsPairing()
    {
        var r = Cli.Run(With("--rule", "clapp", "--clapp-pairing", "in-batch", "--batch", "16", "--json"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        var o = (JsonObject)JsonNode.Parse(r.Stdout)!;
        Assert.Equal("in-batch", (string)o["config"]!["clapp-pairing"]!);
        Assert.True(double.IsFinite((double)o["train_loss"]!) && (double)o["train_loss"]! > 0);
        Assert.Equal(0.0, (double)o["diagnostics"]!["anchors_without_positive"]!);
    }

    [Fact]
    public void DivergenceIsReportedWithItsEpochAndANonZeroExit()
    {
        var r = Cli.Run(With("--lr", "1e30", "--epochs", "5", "--json"));
        Assert.Equal(3, r.ExitCode);
        var o = (JsonObject)JsonNode.Parse(r.Stdout)!;
        Assert.True((bool)o["diverged"]!);
        Assert.Equal("diverged", (string)o["stop_reason"]!);
        Assert.True((int)o["diverged_epoch"]! >= 1);
        Assert.Contains("diverged at epoch", r.Stderr);
    }

    [Fact]
    public void FeedbackRulesReportUpdateCosinesAgainstBp()
    {
        // With true readout feedback, FA's top layer receives exactly BP's signal: cosine 1; lower layers differ.
        var r = Cli.Run(With("--rule", "fa", "--fa-readout-feedback", "true", "--eval-every", "1", "--json"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var diag = JsonNode.Parse(r.Stdout)!["diagnostics"]!;
        Assert.Equal(1.0, (double)diag["layer3.update_cos_bp"]!, 6);
        double low = (double)diag["layer1.update_cos_bp"]!;
        Assert.InRange(low, -1.0, 0.999);
        Assert.NotNull(diag["layer2.alignment_deg"]);
    }
}
