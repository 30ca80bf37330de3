namespace RhmLab.Tests.Reliability;

/// <summary>
/// Inputs that once crashed the CLI or ran it out of memory (found by the fuzzer and by review of what it skips):
/// each is now refused up front with one error line, or runs.
/// </summary>
public sealed class ReaderLimitTests : IDisposable
{
    private readonly TempFolder _tmp = new("rhmlab-limits-");
    private string _dir => _tmp.Path;

    public void Dispose() => _tmp.Dispose();

    private static void AssertOneLineError(Cli.Cli.Result r, params string[] mentions)
    {
        Assert.True(r.ExitCode == 2, r.ToString());
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, r.ToString());
        Assert.StartsWith("rhmlab: error: ", lines[0]);
        Assert.DoesNotContain("Exception", r.Stderr);
        foreach (var m in mentions) Assert.True(lines[0].Contains(m, StringComparison.Ordinal), $"'{m}' not in: {lines[0]}");
    }

    [Fact]
    public void BatchFarAboveTheTrainingSetRuns()
    {
        // Used to size the rule's buffers by the batch option: an array beyond the runtime's limit.
        var r = Cli.Cli.Run(["train", .. Cli.Cli.Args("--L", "2", "--width", "8", "--epochs", "2", "--blas", "managed", "--batch", "2147483647", "--json")]);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    [Fact]
    public void WeightsBeyondAnArrayAreRefusedNamingTheWidth() =>
        // Used to overflow the weight count to 0 and fail later about matrix strides.
        AssertOneLineError(Cli.Cli.Run(["train", .. Cli.Cli.Args("--L", "2", "--width", "65536", "--epochs", "1")]), "width: layer 2", "weights");

    [Fact]
    public void DataBeyondAnArrayAreRefusedBeforeSampling()
    {
        AssertOneLineError(Cli.Cli.Run("data", "--nc", "8", "--m", "8", "--v", "8", "--L", "5", "--train", "1000000000", "--test", "10"), "train:", "tokens");
        AssertOneLineError(Cli.Cli.Run("train", "--nc", "8", "--m", "8", "--v", "8", "--L", "3", "--train", "2000000", "--width", "4096"), "layer-1 representation");
    }

    [Theory]
    [InlineData("train", "--config")]
    [InlineData("sweep", null)]
    [InlineData("data", "--rules-file")]
    public void EndlessInputFilesAreRefused(string command, string? option)
    {
        if (!File.Exists("/dev/zero")) return;
        // File.ReadAllText("/dev/zero") never ends: the process used to die out of memory.
        string[] args = option is null ? [command, "/dev/zero", "--out", Path.Combine(_dir, "o")] : [command, option, "/dev/zero"];
        AssertOneLineError(Cli.Cli.Run(args), "/dev/zero", "64 MiB");
    }

    [Fact]
    public void ResponseFilesAreNotRead()
    {
        // "@file" made the parser read the file to its end before any check: "@/dev/zero" died out of memory.
        AssertOneLineError(Cli.Cli.Run("@/dev/zero"), "unrecognized command or argument '@/dev/zero'");
        string file = Path.Combine(_dir, "args.rsp");
        File.WriteAllText(file, "data\n--help\n");
        AssertOneLineError(Cli.Cli.Run("@" + file), "unrecognized");
    }

    [Fact]
    public void SingularRidgeProbeNamesTheOptionToChange()
    {
        // The centred one-hot input has collinear columns: without regularisation its probe cannot be solved.
        var r = Cli.Cli.Run(["train", .. Cli.Cli.Args("--L", "2", "--width", "8", "--epochs", "1", "--blas", "managed", "--ridge-alpha", "0")]);
        AssertOneLineError(r, "ridge probe of layer 0", "ridge-alpha = 0 is too small");
    }

    [Fact]
    public void EmptyPathsAreInvalidPaths()
    {
        AssertOneLineError(Cli.Cli.Run("train", "--config", ""), "--config: cannot read '' (not a valid path)");
        AssertOneLineError(Cli.Cli.Run("sweep", "", "--out", Path.Combine(_dir, "o")), "not a valid path");
    }
}
