using System.Text.Json.Nodes;
using RhmLab.Analysis;

namespace RhmLab.Tests.Analysis;

/// <summary>
/// Hand-made run records (the result.json layout of a real run), so the analysis tests need no training: each error
/// is a chosen function of P, so P* and the fits have known answers.
/// </summary>
public static class SyntheticRuns
{
    /// <summary>One record as JSON.</summary>
    public static JsonObject Record(string rule, int nc, int m, int v, int L, long train, long seed, double[] probe,
        double network = double.NaN, bool curves = true, JsonNode? sensitivity = null, bool diverged = false, string? lr = null)
    {
        int[] widths = Enumerable.Repeat(2 * v * v, L).ToArray();
        double chance = 1 - 1.0 / nc;
        var config = new JsonObject
        {
            ["nc"] = nc, ["m"] = m, ["v"] = v, ["s"] = 2, ["L"] = L, ["rules"] = "v2", ["seed"] = seed, ["train"] = train,
            ["rule"] = rule, ["width"] = null, ["widths"] = null, ["lr"] = lr == null ? null : JsonValue.Create(double.Parse(lr, System.Globalization.CultureInfo.InvariantCulture)),
            ["optimizer"] = null, ["batch"] = 128, ["epochs"] = 20, ["loss"] = "ce", ["arch"] = "cnn", ["probe"] = "ridge",
            ["blas"] = "auto", ["threads"] = 1,
        };
        var o = new JsonObject
        {
            ["format"] = "rhmlab-run", ["rule"] = rule, ["nc"] = nc, ["m"] = m, ["v"] = v, ["s"] = 2, ["L"] = L,
            ["train"] = train, ["test"] = 500, ["widths"] = new JsonArray(widths.Select(w => (JsonNode)w).ToArray()),
            ["seed"] = seed, ["epochs_run"] = 20, ["wall_seconds"] = 0.5, ["train_loss"] = 0.05, ["train_error"] = 0.0,
            ["test_error"] = Num(double.IsNaN(network) ? probe[^1] : network), ["network_test_error"] = Num(network),
            ["probe"] = "ridge", ["probe_errors"] = new JsonArray(probe.Select(Num).ToArray()),
            ["input_probe_error"] = 0.95 * chance, ["chance_error"] = chance, ["threshold_error"] = 0.1 * chance,
            ["n_c_m_L"] = nc * Math.Pow(m, L), ["d_star"] = nc * Math.Pow(v, L), ["stop_reason"] = "max-epochs",
            ["diverged"] = diverged, ["diverged_epoch"] = null, ["optimizer"] = "sgd", ["effective_lr"] = 0.1,
            ["provider"] = "managed", ["threads"] = 1, ["config"] = config,
            ["provenance"] = new JsonObject { ["rhmlab_version"] = "0.1.0", ["git_commit"] = "0123abc", ["machine"] = "synthetic", ["cpu"] = "test cpu" },
        };
        if (curves)
        {
            var epochs = Enumerable.Range(1, 20).Select(e => (double)e).ToArray();
            o["curves"] = new JsonObject
            {
                ["epoch"] = Arr(epochs),
                ["train_loss"] = Arr(epochs.Select(e => 2.0 * Math.Exp(-e / 5.0) + 0.01)),
                ["train_error"] = Arr(epochs.Select(_ => double.NaN)),
                ["test_error"] = Arr(epochs.Select(e => e % 5 == 0 ? probe[^1] + (chance - probe[^1]) * Math.Exp(-e / 5.0) : double.NaN)),
                ["lr"] = Arr(epochs.Select(_ => 0.1)),
                ["seconds"] = Arr(epochs.Select(e => 0.01 * e)),
            };
        }
        if (sensitivity != null) o["sensitivity"] = sensitivity;
        return o;
    }

    private static JsonNode? Num(double x) => double.IsFinite(x) ? JsonValue.Create(x) : null;

    private static JsonArray Arr(IEnumerable<double> xs) => new(xs.Select(Num).ToArray());

    /// <summary>Writes a record to <c>dir/runs/name/result.json</c>.</summary>
    public static string Write(string dir, string name, JsonObject record)
    {
        string folder = Path.Combine(dir, "runs", name);
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, RecordReader.FileName);
        File.WriteAllText(path, record.ToJsonString());
        return path;
    }

    /// <summary>
    /// The error of a curve that is linear in log P with slope −<paramref name="perLog"/> and crosses
    /// <paramref name="threshold"/> exactly at <paramref name="pStar"/>, clipped to [0, chance].
    /// </summary>
    public static double LogLinear(double p, double pStar, double threshold, double chance, double perLog = 0.05) =>
        Math.Clamp(threshold - perLog * Math.Log(p / pStar), 0, chance);

    /// <summary>
    /// A small sweep: rules bp and clapp, n_c = m = v ∈ {3, 4, 5}, L = 2, P on a doubling grid around n_c·m^L,
    /// three seeds with small seed offsets; P* = c·D* (c = 1.5 for bp, 2.4 for clapp) for the mean curve, and a
    /// sensitivity table for clapp. Returns the number of records written.
    /// </summary>
    public static int WriteSweep(string dir, bool sensitivity = true)
    {
        int n = 0;
        foreach (var (rule, c) in new[] { ("bp", 1.5), ("clapp", 2.4) })
            foreach (int q in new[] { 3, 4, 5 })
            {
                double d = q * Math.Pow(q, 2), chance = 1 - 1.0 / q, thr = 0.1 * chance;
                foreach (double f in new[] { 0.25, 0.5, 1, 2, 4, 8, 16 })
                {
                    long p = (long)Math.Round(f * d);
                    for (int seed = 1; seed <= 3; seed++)
                    {
                        // Offsets that cancel over the three seeds keep the mean curve exactly log-linear.
                        double offset = (seed - 2) * 0.004;
                        double top = LogLinear(p, c * d, thr, chance) + (LogLinear(p, c * d, thr, chance) is > 0.01 and < 0.6 ? offset : 0);
                        double[] probe = [Math.Min(chance, top + 0.2), top];
                        JsonNode? sens = sensitivity && rule == "clapp"
                            ? new JsonObject
                            {
                                ["definition"] = "sens-distance",
                                ["values"] = new JsonArray(Enumerable.Range(0, 4).Select(k => (JsonNode)new JsonArray(
                                    Enumerable.Range(1, 2).Select(l => (JsonNode?)JsonValue.Create(k < l ? 1.0 : 1.0 / (1 + p / d))).ToArray())).ToArray()),
                            }
                            : null;
                        Write(dir, $"{rule}-{q}-{p}-{seed}", Record(rule, q, q, q, 2, p, seed, probe, network: rule == "bp" ? top : double.NaN, sensitivity: sens));
                        n++;
                    }
                }
            }
        return n;
    }
}
