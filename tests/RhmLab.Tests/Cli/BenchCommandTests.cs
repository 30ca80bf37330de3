using System.Text.Json.Nodes;
using RhmLab.Cli;

namespace RhmLab.Tests.Cli;

/// <summary>The records of <c>rhmlab bench</c> keep the PyTorch baseline's field layout, so both load into one table.</summary>
public class BenchCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static List<JsonObject> Records(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Fact]
    public void DataModePrintsOneRecordPerVariantWithTheBaselineFields()
    {
        var (code, output, err) = Run("bench", "--mode", "data", "--samples", "3000", "--repeats", "2", "--json");
        Assert.True(code == 0, err);
        var records = Records(output);
        Assert.Equal(["conv1d", "linear"], records.Select(r => (string)r["variant"]!));
        foreach (var r in records)
        {
            // Every field of the baseline's data records (torch_baseline.py run_data), except its Python-specific ones.
            foreach (var key in new[] { "mode", "variant", "n_c", "m", "v", "s", "L", "width", "batch", "threads", "steps_per_s",
                         "samples_per_s", "repeats_steps_per_s", "n_samples", "sampler", "p_max", "seconds_median", "phase_seconds", "layout" })
                Assert.True(r.ContainsKey(key), $"missing {key}");
            foreach (var key in new[] { "provider", "rhmlab_version", "samples_per_s_no_onehot", "onehot_write_gb_per_s", "memory_write_gb_per_s" })
                Assert.True(r.ContainsKey(key), $"missing {key}");
            Assert.Equal("data", (string)r["mode"]!);
            Assert.Equal(8, (int)r["n_c"]!);
            Assert.Equal(8, (int)r["m"]!);
            Assert.Equal(8, (int)r["v"]!);
            Assert.Equal(2, (int)r["s"]!);
            Assert.Equal(3, (int)r["L"]!);
            Assert.Null(r["width"]);
            Assert.Null(r["batch"]);
            Assert.Equal(1, (int)r["threads"]!);
            Assert.Equal(3000, (int)r["n_samples"]!);
            Assert.Equal(16_777_216L, (long)r["p_max"]!);
            Assert.Equal("rhmlab", (string)r["provider"]!);
            Assert.Equal(2, r["repeats_steps_per_s"]!.AsArray().Count);
            var phases = r["phase_seconds"]!.AsObject();
            Assert.Equal(["rules", "sample", "decode", "onehot"], phases.Select(kv => kv.Key));
            foreach (var (_, value) in phases) Assert.True((double)value! >= 0);
            double perStep = (double)r["steps_per_s"]!;
            Assert.True(perStep > 0);
            // Relative tolerance: the values are printed through JSON, so the last digit of a large rate may round either way.
            Assert.Equal(1.0, (double)r["samples_per_s"]! / (3000 * perStep), 9);
            Assert.Equal(1.0, (double)r["seconds_median"]! * perStep, 9);
            Assert.True((double)r["samples_per_s_no_onehot"]! >= (double)r["samples_per_s"]!);
            Assert.True((double)r["onehot_write_gb_per_s"]! > 0);
            Assert.True((double)r["memory_write_gb_per_s"]! > 0);
        }
        Assert.Equal("[N, v, s^L]", (string)records[0]["layout"]!);
        Assert.Equal("[N, s^L, v]", (string)records[1]["layout"]!);
    }

    [Fact]
    public void VariantAndShapeOptionsAreHonoured()
    {
        var (code, output, err) = Run("bench", "--variant", "linear", "--nc", "4", "--m", "3", "--v", "5", "--s", "3", "--L", "2",
            "--samples", "100", "--repeats", "1", "--threads", "2", "--seed", "7", "--json");
        Assert.True(code == 0, err);
        var r = Assert.Single(Records(output));
        Assert.Equal("linear", (string)r["variant"]!);
        Assert.Equal(324, (long)r["p_max"]!);
        Assert.Equal(2, (int)r["threads"]!);
        Assert.Equal(3, (int)r["s"]!);
    }

    [Fact]
    public void FreshMemoryIsRecorded()
    {
        var (code, output, err) = Run("bench", "--variant", "conv1d", "--samples", "1000", "--repeats", "1", "--fresh-memory", "--json");
        Assert.True(code == 0, err);
        Assert.Equal("fresh-mapping", (string)Assert.Single(Records(output))["onehot_memory"]!);
        (code, output, err) = Run("bench", "--variant", "conv1d", "--samples", "1000", "--repeats", "1", "--json");
        Assert.True(code == 0, err);
        Assert.Equal("managed-array", (string)Assert.Single(Records(output))["onehot_memory"]!);
    }

    [Theory]
    [InlineData("bp")]
    [InlineData("clapp")]
    public void TrainingStepModesPrintOneRecordWithTheBaselineFields(string mode)
    {
        var (code, output, err) = Run("bench", "--mode", mode, "--nc", "4", "--m", "4", "--v", "4", "--L", "2", "--width", "16", "--batch", "8",
            "--train-size", "64", "--seconds", "0.05", "--warmup", "0", "--repeats", "2", "--blas", "managed", "--json");
        Assert.True(code == 0, err);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        var o = System.Text.Json.Nodes.JsonNode.Parse(lines[0])!.AsObject();
        foreach (var key in new[] { "mode", "variant", "n_c", "m", "v", "s", "L", "width", "batch", "threads", "steps_per_s", "samples_per_s", "flops_per_step", "fraction_of_peak" })
            Assert.True(o.ContainsKey(key), key);
        Assert.Equal(mode, (string)o["mode"]!);
        Assert.True((double)o["steps_per_s"]! > 0);
        Assert.Equal(2, o["repeats_steps_per_s"]!.AsArray().Count);
    }

    [Fact]
    public void InBatchClappEncodesEachAnchorOnceAndCountsFewerFlops()
    {
        string[] common = ["bench", "--mode", "clapp", "--nc", "4", "--m", "4", "--v", "4", "--L", "2", "--width", "16", "--batch", "8",
            "--train-size", "64", "--seconds", "0.05", "--warmup", "0", "--repeats", "1", "--blas", "managed", "--json"];
        var (code, output, err) = Run([.. common, "--clapp-pairing", "in-batch"]);
        Assert.True(code == 0, err);
        var inBatch = Assert.Single(Records(output));
        (code, output, err) = Run(common);
        Assert.True(code == 0, err);
        var triplets = Assert.Single(Records(output));
        Assert.Equal("in-batch", (string)inBatch["pairing"]!);
        Assert.Equal("triplets", (string)triplets["pairing"]!);
        Assert.Equal(8, (int)inBatch["encodings_per_step"]!);
        Assert.Equal(24, (int)triplets["encodings_per_step"]!);
        // The score's products are the same for 8 anchors; only the network's rows shrink from 24 to 8.
        Assert.InRange((double)inBatch["flops_per_step"]!, 0.2 * (double)triplets["flops_per_step"]!, 0.99 * (double)triplets["flops_per_step"]!);
    }

    [Theory]
    [InlineData("--clapp-pairing", "pairs", "clapp", "--clapp-pairing must be triplets or in-batch")]
    [InlineData("--clapp-pairing", "in-batch", "bp", "needs --mode clapp")]
    public void PairingMistakesAreOneLine(string option, string value, string mode, string message)
    {
        var (code, _, err) = Run("bench", "--mode", mode, option, value);
        Assert.Equal(CliApp.UserError, code);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(message, err);
    }

    [Fact]
    public void StepBenchmarkRejectsBadWidthWithOneLine()
    {
        var (code, _, err) = Run("bench", "--mode", "bp", "--width", "0");
        Assert.Equal(CliApp.UserError, code);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--width", err);
    }

    [Fact]
    public void TheTableNamesBothVariants()
    {
        var (code, output, err) = Run("bench", "--samples", "500", "--repeats", "1");
        Assert.True(code == 0, err);
        Assert.Contains("samples/s", output);
        Assert.Contains("conv1d", output);
        Assert.Contains("linear", output);
        Assert.Contains("memory write bandwidth", output);
    }

    [Theory]
    [InlineData("--samples", "0", "samples must be >= 1")]
    [InlineData("--repeats", "0", "repeats must be >= 1")]
    [InlineData("--threads", "0", "threads must be >= 1")]
    public void InvalidSettingsAreUserErrors(string option, string value, string message)
    {
        var args = option == "--samples" ? new[] { "bench", option, value } : new[] { "bench", option, value, "--samples", "100" };
        var (code, _, err) = Run(args);
        Assert.Equal(CliApp.UserError, code);
        Assert.Contains(message, err);
    }

    [Fact]
    public void MoreSamplesThanPMaxIsAUserError()
    {
        var (code, _, err) = Run("bench", "--nc", "2", "--m", "2", "--v", "2", "--L", "2", "--samples", "17");
        Assert.Equal(CliApp.UserError, code);
        Assert.Contains("exceeds P_max = 16", err);
    }
}
