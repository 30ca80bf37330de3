using System.Text;
using System.Text.Json.Nodes;
using RhmLab.Experiments;

namespace RhmLab.Tests.Reliability;

/// <summary>
/// Runs and records that go wrong inside a results folder: a diverging run is a finished run, recorded with its
/// epoch, and the sweep goes on; corrupted records are never counted as finished, are named in a warning, set aside
/// and run again.
/// </summary>
public sealed class RecordFaultTests : IDisposable
{
    private readonly TempFolder _tmp = new("rhmlab-records-");
    private string _dir => _tmp.Path;

    public void Dispose() => _tmp.Dispose();

    private const string Fixed = "\"nmv\": 3, \"L\": 2, \"train\": 30, \"test\": 20, \"width\": 8, \"epochs\": 3, \"stop-loss\": 0, \"blas\": \"managed\"";

    private string Plan(string grid)
    {
        string path = Path.Combine(_dir, "plan.json");
        File.WriteAllText(path, $$"""{ "grid": { {{grid}} }, "fixed": { {{Fixed}} } }""");
        return path;
    }

    [Fact]
    public void DivergentRunIsRecordedWithItsEpochAndTheSweepGoesOn()
    {
        // The diverging runs come first in plan order, so the sweep has to carry on after them.
        string plan = Plan("\"lr\": [1e30, 0.1], \"seed\": [1, 2, 3]");
        string outDir = Path.Combine(_dir, "results");
        var r = Cli.Cli.Run("sweep", plan, "--out", outDir);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("6 finished (3 diverged), 0 skipped (already done), 0 failed", r.Stdout);
        foreach (var p in SweepPlan.Load(plan).Points)
        {
            string dir = SweepStore.RunDir(outDir, p.Hash);
            var record = SweepStore.TryReadResult(dir, p.Hash);
            Assert.NotNull(record);
            bool diverges = p.Config.Training.Lr > 1;
            Assert.Equal(diverges, (bool)record["diverged"]!);
            if (diverges)
            {
                int epoch = (int)record["diverged_epoch"]!;
                Assert.InRange(epoch, 1, 3);
                Assert.Equal(epoch, (int)record["epochs_run"]!);
                Assert.Contains($"{p.Hash} ({p.Label}) diverged at epoch {epoch}", r.Stdout);
                Assert.Null(record["train_loss"]);
            }
            else
            {
                Assert.Equal(3, (int)record["epochs_run"]!);
                Assert.True(double.IsFinite((double)record["train_loss"]!));
            }
            Assert.Contains("diverged=" + (diverges ? "true" : "false"), File.ReadAllText(Path.Combine(dir, SweepStore.AttemptsFile)));
        }
        // Diverged runs are finished: a second sweep runs nothing.
        Assert.Contains("0 finished, 6 skipped", Cli.Cli.Run("sweep", plan, "--out", outDir).Stdout);
    }

    /// <summary>Ways a record can be damaged: by a truncated copy, a hand edit, a tool that wrote the wrong types.</summary>
    private static readonly (string Name, Func<string, string, byte[]> Corrupt)[] Corruptions =
    [
        ("truncated", (text, _) => Encoding.UTF8.GetBytes(text[..(text.Length / 2)])),
        ("empty", (_, _) => []),
        ("binary", (_, _) => [0xff, 0xfe, 0x00, 0x7b, 0x80, 0x22]),
        ("not an object", (_, _) => "[1, 2, 3]"u8.ToArray()),
        ("train_loss a string", (text, _) => Edit(text, o => o["train_loss"] = "0.5")),
        ("probe_errors a string", (text, _) => Edit(text, o => o["probe_errors"] = "0.1, 0.2")),
        ("diverged a string", (text, _) => Edit(text, o => o["diverged"] = "false")),
        ("epochs_run negative", (text, _) => Edit(text, o => o["epochs_run"] = -1)),
        ("another run's record", (_, other) => Encoding.UTF8.GetBytes(other)),
        ("config edited", (text, _) => Edit(text, o => o["config"]!["lr"] = 0.2)),
        ("run_hash a number", (text, _) => Edit(text, o => o["run_hash"] = 12345)),
        // Found by the fuzzer: JsonObject threw ArgumentException on the second key, which stopped the whole sweep.
        ("a duplicate key", (text, _) => Encoding.UTF8.GetBytes(text.Insert(text.IndexOf('{') + 1, "\"diverged\": false, "))),
    ];

    private static byte[] Edit(string text, Action<JsonObject> edit)
    {
        var o = (JsonObject)JsonNode.Parse(text)!;
        edit(o);
        return Encoding.UTF8.GetBytes(o.ToJsonString());
    }

    [Fact]
    public void CorruptedRecordsAreNamedSetAsideAndRunAgain()
    {
        int n = Corruptions.Length + 1;
        string plan = Plan($"\"seed\": [{string.Join(", ", Enumerable.Range(1, n))}]");
        string outDir = Path.Combine(_dir, "results");
        Assert.Equal(0, Cli.Cli.Run("sweep", plan, "--out", outDir).ExitCode);
        var points = SweepPlan.Load(plan).Points;
        string ResultPath(int i) => Path.Combine(SweepStore.RunDir(outDir, points[i].Hash), SweepStore.ResultFile);
        var original = Enumerable.Range(0, n).Select(i => Records.Metrics(ResultPath(i))).ToArray();
        string intactSha = Records.Sha(ResultPath(n - 1));
        string otherText = File.ReadAllText(ResultPath(n - 1));
        for (int i = 0; i < Corruptions.Length; i++)
            File.WriteAllBytes(ResultPath(i), Corruptions[i].Corrupt(File.ReadAllText(ResultPath(i)), otherText));

        // Reported by the dry run, never as done.
        var dry = Cli.Cli.Run("sweep", plan, "--out", outDir, "--dry-run");
        Assert.Equal(Corruptions.Length, dry.Stdout.Split('\n').Count(l => l.Contains(" invalid ", StringComparison.Ordinal)));

        var r = Cli.Cli.Run("sweep", plan, "--out", outDir);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"{Corruptions.Length} finished, 1 skipped (already done), 0 failed", r.Stdout);
        for (int i = 0; i < Corruptions.Length; i++)
        {
            string path = ResultPath(i);
            string warning = r.Stdout.Split('\n').SingleOrDefault(l => l.StartsWith("sweep: warning: " + path, StringComparison.Ordinal)) ?? "";
            Assert.True(warning.Contains("runs again", StringComparison.Ordinal), $"{Corruptions[i].Name}: no warning naming {path}:\n{r.Stdout}");
            Assert.True(File.Exists(path + ".invalid"), $"{Corruptions[i].Name}: not set aside");
            Assert.Equal(original[i], Records.Metrics(path));
            Assert.Equal(2, Records.Attempts(Path.GetDirectoryName(path)!, "finished"));
        }
        Assert.Equal(intactSha, Records.Sha(ResultPath(n - 1)));
        Assert.Contains($"0 finished, {n} skipped", Cli.Cli.Run("sweep", plan, "--out", outDir).Stdout);
    }

    [Fact]
    public void RecordCheckNamesTheProblem()
    {
        var plan = Experiments.SweepPlanTests.Tiny("\"seed\": [1, 2]");
        string outDir = Path.Combine(_dir, "results");
        new SweepRunner(plan, new SweepOptions { OutDir = outDir }).Run();
        var p = plan.Points[0];
        var record = SweepStore.TryReadResult(SweepStore.RunDir(outDir, p.Hash), p.Hash)!;
        Assert.Null(SweepStore.RecordProblem(record, p.Hash));
        Assert.Contains("not this run's", SweepStore.RecordProblem(record, plan.Points[1].Hash));
        var edited = (JsonObject)record.DeepClone();
        edited["probe_errors"] = new JsonArray("x");
        Assert.Contains("probe_errors", SweepStore.RecordProblem(edited, p.Hash));
        edited = (JsonObject)record.DeepClone();
        edited.Remove("config");
        Assert.Contains("config", SweepStore.RecordProblem(edited, p.Hash));
        Assert.Equal("not a JSON object", SweepStore.RecordProblem(JsonValue.Create(3), p.Hash));
    }
}
