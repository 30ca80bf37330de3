using System.Text.Json.Nodes;
using RhmLab.Data;
using RhmLab.Experiments;
using RhmLab.Numerics;

namespace RhmLab.Tests.Cli;

/// <summary>
/// Saved models (<c>--save-model</c>), <c>rhmlab sensitivity</c>, the <c>sensitivity</c> run option and the
/// <c>ica</c> rule from the command line.
/// </summary>
public sealed class CliModelTests : IDisposable
{
    private readonly TempFolder _tmp = new("rhmlab-model-");
    private string _dir => _tmp.Path;

    public void Dispose() => _tmp.Dispose();

    private static readonly string[] Tiny =
        ["train", "--nc", "3", "--m", "3", "--v", "3", "--L", "3", "--train", "60", "--test", "100", "--width", "8", "--epochs", "3", "--blas", "managed"];

    private static JsonObject Json(Cli.Result r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        return (JsonObject)JsonNode.Parse(lines[0])!;
    }

    private static void AssertOneLineError(Cli.Result r, params string[] mentions)
    {
        Assert.True(r.ExitCode == 2, r.ToString());
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one stderr line: {r}");
        Assert.DoesNotContain("   at ", r.Stderr);
        foreach (var m in mentions) Assert.True(lines[0].Contains(m, StringComparison.Ordinal), $"'{m}' not in: {lines[0]}");
    }

    [Fact]
    public void IcaTrainsEndToEndAndProbesEveryLayer()
    {
        var args = Tiny.ToList();
        args.RemoveRange(args.IndexOf("--epochs"), 2); // one epoch is the ica default
        var o = Json(Cli.Run([.. args, "--rule", "ica", "--json"]));
        Assert.Equal("ica", (string)o["rule"]!);
        Assert.Equal(1, (int)o["epochs_run"]!);
        Assert.Equal(3, o["probe_errors"]!.AsArray().Count);
        Assert.All(o["probe_errors"]!.AsArray(), e => Assert.InRange((double)e!, 0, 1));
        Assert.NotNull(o["input_probe_error"]);
        Assert.Null(o["network_test_error"]);
        var diag = o["diagnostics"]!.AsObject();
        Assert.Equal(4, (double)diag["layer1.ica_components"]!);
        for (int k = 1; k <= 3; k++)
        {
            Assert.True(diag.ContainsKey($"layer{k}.ica_iterations"), $"layer{k}.ica_iterations");
            Assert.True(diag.ContainsKey($"layer{k}.ica_converged"), $"layer{k}.ica_converged");
        }
        Assert.Equal("cap", (string)o["config"]!["ica-overcomplete"]!);
    }

    [Fact]
    public void SavedModelsLoadBackWithIdenticalWeightsAndData()
    {
        string run = Path.Combine(_dir, "bp");
        var r = Cli.Run([.. Tiny, "--out", run, "--save-model"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists(Path.Combine(run, ModelFile.FileName)));
        Assert.True(File.Exists(Path.Combine(run, ModelFile.RulesFileName)));

        var model = ModelFile.Load(run, new ManagedMatMul(1));
        Assert.Equal([8, 8, 8], model.Network.Config.Widths);
        Assert.True((bool)model.Meta["config"]!["save-model"]!);
        // The same config trained again gives the same weights, and the data drawn again are the run's data.
        var again = RunExecutor.Execute(ResolvedRun.Resolve(model.Config));
        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(again.Network!.Weights[k], model.Network.Weights[k]);
            Assert.Equal(again.Network.Biases[k], model.Network.Biases[k]);
        }
        Assert.Equal(again.Network!.Readout, model.Network.Readout);
        var data = model.RegenerateData();
        var original = DataSplit.Sample(again.Grammar!, 60, 100, again.Run.SamplingOptions);
        Assert.Equal(original.Test.TokenData, data.Test.TokenData);
        Assert.Equal(original.Train.Labels, data.Train.Labels);
        Assert.Equal(RhmLab.Rhm.RulesFile.ToJson(again.Grammar!), RhmLab.Rhm.RulesFile.ToJson(model.Grammar));
    }

    [Fact]
    public void InconsistentModelFilesNameTheFileAndTheField()
    {
        string run = Path.Combine(_dir, "broken");
        Assert.Equal(0, Cli.Run([.. Tiny, "--out", run, "--save-model"]).ExitCode);
        string file = Path.Combine(run, ModelFile.FileName);
        var arrays = Npy.ReadNpz(file);
        arrays["W2"] = NpyArray.FromFloat32(new float[16 * 7], 16, 7);
        Npy.WriteNpz(file, arrays);
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(run));
        Assert.Contains(file, e.Message);
        Assert.Contains("'W2'", e.Message);
        Assert.Contains("[16, 7]", e.Message);
        Assert.DoesNotContain("\n", e.Message);

        arrays.Remove("W2");
        Npy.WriteNpz(file, arrays);
        e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(file));
        Assert.Contains("'W2'", e.Message);

        AssertOneLineError(Cli.Run("sensitivity", run), "W2", file);
        AssertOneLineError(Cli.Run("sensitivity", _dir), ModelFile.FileName);
    }

    [Fact]
    public void SaveModelNeedsAnOutputFolder() =>
        AssertOneLineError(Cli.Run([.. Tiny, "--save-model"]), "save-model", "--out");

    [Fact]
    public void SensitivityCommandReadsTheSavedRun()
    {
        string run = Path.Combine(_dir, "sens");
        Assert.Equal(0, Cli.Run([.. Tiny, "--out", run, "--save-model"]).ExitCode);
        var o = Json(Cli.Run("sensitivity", run, "--reference", "50", "--json"));
        Assert.Equal(5, o["distance"]!.AsArray().Count); // layers 0..L+1
        Assert.All(o["distance"]!.AsArray(), row => Assert.Equal(3, row!.AsArray().Count));
        Assert.Equal(5, o["correlation"]!.AsArray().Count);
        Assert.Equal([1, 2, 3], o["levels"]!.AsArray().Select(x => (int)x!));
        Assert.Equal(50, (int)o["reference"]!);
        Assert.Equal("post", (string)o["rep"]!);
        var pre = Json(Cli.Run("sensitivity", run, "--reference", "50", "--json", "--pre"));
        Assert.Equal("pre", (string)pre["rep"]!);
        var text = Cli.Run("sensitivity", run, "--reference", "50");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("sens-distance", text.Stdout);
    }

    [Fact]
    public void TheSensitivityRunOptionAddsTheRecordToTheResult()
    {
        var o = Json(Cli.Run([.. Tiny, "--sensitivity", "--sensitivity-reference", "40", "--json"]));
        var s = o["sensitivity"]!.AsObject();
        Assert.Equal(5, s["distance"]!.AsArray().Count);
        Assert.Equal(3, s["distance"]![0]!.AsArray().Count);
        Assert.Equal([0, 1, 2, 3, 4], s["layers"]!.AsArray().Select(x => (int)x!));
        Assert.Equal(40, (int)s["reference"]!);
        Assert.True((double)s["distance"]![0]![0]! > 0);
        var off = Json(Cli.Run([.. Tiny, "--sensitivity", "false", "--json"]));
        Assert.Null(off["sensitivity"]);
    }

    [Fact]
    public void BooleanOptionsRejectOtherValues()
    {
        string path = Path.Combine(_dir, "cfg.json");
        File.WriteAllText(path, """{ "save-model": "yes" }""");
        AssertOneLineError(Cli.Run([.. Tiny, "--config", path]), "save-model");
        File.WriteAllText(path, """{ "sensitivity": true, "sensitivity-reference": 30 }""");
        var o = Json(Cli.Run([.. Tiny, "--config", path, "--json"]));
        Assert.Equal(30, (int)o["sensitivity"]!["reference"]!);
        var off = Json(Cli.Run([.. Tiny, "--config", path, "--sensitivity", "false", "--json"]));
        Assert.Null(off["sensitivity"]);
    }
}
