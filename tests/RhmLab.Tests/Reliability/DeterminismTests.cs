using System.Globalization;
using System.Text.Json.Nodes;
using RhmLab.Tests.Numerics;
using Xunit.Abstractions;

namespace RhmLab.Tests.Reliability;

/// <summary>
/// Determinism of <c>rhmlab train</c>, each run in a process of its own (OpenBLAS keeps one thread count per
/// process): one config, seeds, provider and thread count give byte-identical records apart from timing and
/// provenance; the managed provider gives the same bytes at any thread count; across providers and OpenBLAS thread
/// counts the results agree within the tolerance measured in docs/RELIABILITY.md.
/// </summary>
public sealed class DeterminismTests : IDisposable
{
    /// <summary>
    /// Relative difference allowed between the train losses of two providers (or OpenBLAS thread counts) after
    /// <see cref="Epochs"/> epochs. Measured: at most 3e-9 (bp, dfa and clapp, three seeds, n_c = m = v = 4, L = 3,
    /// P = T = 1000, width 32, 10 epochs); the bound leaves room for other CPUs' OpenBLAS kernels.
    /// </summary>
    public const double LossTolerance = 1e-4;

    /// <summary>Test samples by which two providers' error rates may differ (measured: at most 1 of 1000).</summary>
    public const int ErrorSamples = 3;

    /// <summary>Epochs of the compared runs; rounding differences grow with training (docs/RELIABILITY.md).</summary>
    public const int Epochs = 10;

    private const int Test = 500;

    private readonly TempFolder _tmp = new("rhmlab-determinism-");
    private string _dir => _tmp.Path;
    private readonly ITestOutputHelper _log;
    private int _runs;

    public DeterminismTests(ITestOutputHelper log) => _log = log;

    public void Dispose() => _tmp.Dispose();

    /// <summary>Trains once in a fresh process and returns its result.json.</summary>
    private JsonObject Train(string rule, string blas, int threads, int seed = 1)
    {
        string outDir = Path.Combine(_dir, $"run-{Interlocked.Increment(ref _runs)}");
        var (code, stdout, stderr) = CliProcess.Run(
            ["train", "--rule", rule, "--seed", seed.ToString(CultureInfo.InvariantCulture), "--nc", "4", "--m", "4", "--v", "4", "--L", "3",
             "--train", "500", "--test", Test.ToString(CultureInfo.InvariantCulture), "--width", "32",
             "--epochs", Epochs.ToString(CultureInfo.InvariantCulture), "--stop-loss", "0",
             "--blas", blas, "--threads", threads.ToString(CultureInfo.InvariantCulture), "--json", "--out", outDir],
            TimeSpan.FromMinutes(2));
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        return (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "result.json")))!;
    }

    /// <summary>What a run computed, as canonical JSON, also without the thread count it was told to use.</summary>
    private static string WithoutThreads(JsonObject record)
    {
        var copy = (JsonObject)record.DeepClone();
        copy.Remove("threads");
        ((JsonObject)copy["config"]!).Remove("threads");
        return Records.Metrics(copy);
    }

    [Theory]
    [InlineData("bp")]
    [InlineData("clapp")]
    public void ManagedRunsAreByteIdenticalAtAnyThreadCount(string rule)
    {
        var a = Train(rule, "managed", 1);
        var b = Train(rule, "managed", 1);
        Assert.Equal(Records.Metrics(a), Records.Metrics(b));
        var c = Train(rule, "managed", 2);
        Assert.Equal(WithoutThreads(a), WithoutThreads(c));
    }

    [OpenBlasTheory]
    [InlineData(1)]
    [InlineData(2)]
    public void OpenBlasRunsAreByteIdenticalAtOneThreadCount(int threads)
    {
        var a = Train("bp", "openblas", threads);
        var b = Train("bp", "openblas", threads);
        Assert.Equal("openblas", (string)a["provider"]!);
        Assert.Equal(Records.Metrics(a), Records.Metrics(b));
    }

    [OpenBlasTheory]
    [InlineData("bp")]
    [InlineData("dfa")]
    [InlineData("clapp")]
    public void ProvidersAndThreadCountsAgreeWithinTheTolerance(string rule)
    {
        var reference = Train(rule, "managed", 1);
        foreach (int threads in (int[])[1, 2])
        {
            var other = Train(rule, "openblas", threads);
            string which = $"{rule}: openblas with {threads} threads against managed";
            Assert.Equal((int)reference["epochs_run"]!, (int)other["epochs_run"]!);
            var lossA = reference["curves"]!["train_loss"]!.AsArray().Select(x => (double)x!).ToArray();
            var lossB = other["curves"]!["train_loss"]!.AsArray().Select(x => (double)x!).ToArray();
            double worst = lossA.Zip(lossB, (x, y) => Math.Abs(x - y) / Math.Abs(x)).Max();
            Assert.True(worst < LossTolerance, $"{which}: train loss differs by {worst:E2} (relative)");
            var errorsA = ErrorRates(reference);
            var errorsB = ErrorRates(other);
            double errorGap = errorsA.Zip(errorsB, (x, y) => Math.Abs(x - y)).Max();
            Assert.True(errorGap * Test <= ErrorSamples + 1e-9, $"{which}: an error rate differs by {errorGap * Test:F0} test samples");
            _log.WriteLine($"{which}: train loss {worst:E2} relative, error rates {errorGap * Test:F0} samples of {Test}");
        }
    }

    /// <summary>Test error, input probe and every layer's probe error.</summary>
    private static double[] ErrorRates(JsonObject record) =>
        [(double)record["test_error"]!, (double)record["input_probe_error"]!, .. record["probe_errors"]!.AsArray().Select(x => (double)x!)];
}
