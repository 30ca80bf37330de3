using RhmLab.Rhm;
using Xunit.Abstractions;

namespace RhmLab.Tests.Cli;

/// <summary>
/// Every bad input of <c>rhmlab data</c> gives exit code 2 and exactly one stderr line starting with
/// "rhmlab: error:" that names the problem, with no stack trace, and writes no output file.
/// </summary>
public sealed class CliErrorTests : IDisposable
{
    private readonly TempFolder _tmp = new("rhmlab-cli-err-");
    private string _dir => _tmp.Path;
    private readonly ITestOutputHelper _log;

    public CliErrorTests(ITestOutputHelper log) => _log = log;

    public void Dispose()
    {
        if (!OperatingSystem.IsWindows())
            foreach (var d in Directory.GetDirectories(_dir))
                File.SetUnixFileMode(d, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _tmp.Dispose();
    }

    private string Out => Path.Combine(_dir, "out.npz");

    /// <summary>Runs <c>rhmlab data ARGS --out OUT</c> and checks the error.</summary>
    private Cli.Result AssertUserError(string[] args, params string[] mentions)
    {
        var r = Cli.Run(["data", .. args, "--out", Out]);
        AssertOneLineError(r, mentions);
        Assert.False(File.Exists(Out), "an output file was written despite the error");
        return r;
    }

    private static void AssertOneLineError(Cli.Result r, params string[] mentions)
    {
        Assert.True(r.ExitCode == 2, r.ToString());
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one stderr line: {r}");
        Assert.StartsWith("rhmlab: error: ", lines[0]);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
        foreach (var m in mentions) Assert.True(lines[0].Contains(m, StringComparison.Ordinal), $"'{m}' not in: {lines[0]}");
    }

    [Fact]
    public void TopLevelConstraintNamesItselfAndTheLargestM() =>
        AssertUserError(Cli.Args("--nc", "3", "--m", "3", "--v", "2", "--s", "2", "--L", "1"), "top level", "n_c*m", "v^s = 4", "largest m allowed: 1");

    [Fact]
    public void TopLevelConstraintGivesAnMThatAlsoPassesTheLowerLevels() =>
        // The top allows m ≤ 16/2 = 8, but the lower levels only m ≤ v^(s−1) = 4.
        AssertUserError(Cli.Args("--nc", "2", "--m", "9", "--v", "4", "--s", "2", "--L", "2"), "top level", "largest m allowed: 4");

    [Fact]
    public void LowerLevelConstraint() =>
        AssertUserError(Cli.Args("--nc", "2", "--m", "5", "--v", "4", "--s", "2", "--L", "2"), "lower level", "v*m", "v^s = 16", "largest m allowed: 4");

    [Fact]
    public void TrainPlusTestBeyondPMax() =>
        AssertUserError(Cli.Args("--nc", "2", "--m", "2", "--v", "2", "--s", "2", "--L", "2", "--train", "10", "--test", "7"), "P_max = 16", "17");

    [Fact]
    public void TrainBeyondPMaxWithTheDefaultTestSize() =>
        AssertUserError(Cli.Args("--nc", "2", "--m", "2", "--v", "2", "--s", "2", "--L", "2", "--train", "17"), "P_max = 16");

    [Theory]
    [InlineData("--s", "1", "s must be >= 2")]
    [InlineData("--L", "0", "L must be >= 1")]
    [InlineData("--L", "-2", "L must be >= 1")]
    [InlineData("--nc", "1", "nc must be >= 2")]
    [InlineData("--m", "0", "m must be >= 1")]
    [InlineData("--v", "1", "v must be >= 2")]
    [InlineData("--L", "40", "2^20")]
    [InlineData("--v", "5000", "2^24")]
    [InlineData("--train", "0", "--train")]
    [InlineData("--train", "-5", "--train")]
    [InlineData("--test", "-1", "--test")]
    [InlineData("--rules", "v3", "v3")]
    [InlineData("--sampling", "sometimes", "sometimes")]
    [InlineData("--split", "halves", "halves")]
    public void BadValues(string option, string value, string mention)
    {
        var r = AssertUserError(Cli.Args(option, value), mention);
        if (option == "--rules") Assert.Contains("--rules", r.Stderr);
    }

    [Theory]
    [InlineData("--nc", "abc")]
    [InlineData("--train", "1.5")]
    [InlineData("--seed", "x1")]
    [InlineData("--test", "many")]
    public void NonIntegerValues(string option, string value) => AssertUserError(Cli.Args(option, value), value);

    [Fact]
    public void UnknownOption() => AssertUserError(Cli.Args("--frobnicate", "3"), "--frobnicate");

    [Fact]
    public void UnknownCommand() => AssertOneLineError(Cli.Run("frobnicate"), "frobnicate");

    [Fact]
    public void StrayArgument() => AssertUserError(Cli.Args("stray"), "stray");

    [Fact]
    public void RepeatedOption() => AssertUserError(["--train", "5", .. Cli.Args()], "--train");

    [Fact]
    public void OutInANonexistentFolder()
    {
        string path = Path.Combine(_dir, "nope", "x.npz");
        var r = Cli.Run(["data", .. Cli.Args(), "--out", path]);
        AssertOneLineError(r, "--out", "does not exist");
        Assert.False(Directory.Exists(Path.Combine(_dir, "nope")));
    }

    [Fact]
    public void OutIsAFolder() => AssertOneLineError(Cli.Run(["data", .. Cli.Args(), "--out", _dir]), "--out", "directory");

    [Fact]
    public void OutInAnUnwritableFolder()
    {
        string? dir = Cli.UnwritableFolder(_dir);
        if (dir == null)
        {
            _log.WriteLine("note: no unwritable folder could be found on this machine; test skipped");
            return;
        }
        var r = Cli.Run(["data", .. Cli.Args(), "--out", Path.Combine(dir, "x.npz")]);
        AssertOneLineError(r, "--out", "cannot write");
    }

    [Fact]
    public void SaveRulesInANonexistentFolder() =>
        AssertUserError(Cli.Args("--save-rules", Path.Combine(_dir, "nope", "r.json")), "--save-rules", "does not exist");

    [Fact]
    public void RulesFileMissing() =>
        AssertUserError(Cli.Args("--rules-file", Path.Combine(_dir, "missing.json")), "missing.json", "cannot read");

    [Fact]
    public void RulesFileNotJson()
    {
        string path = Path.Combine(_dir, "r.json");
        File.WriteAllText(path, "nc = 3\nm = 3\n");
        AssertUserError(["--rules-file", path], "r.json", "JSON");
    }

    [Fact]
    public void RulesFileWithADuplicateTuple()
    {
        var g = Grammar.Sample(new RhmParameters(2, 2, 2, 2, 2), 1);
        var o = System.Text.Json.Nodes.JsonNode.Parse(RulesFile.ToJson(g))!;
        o["rules"]!["1"]![1]![1] = o["rules"]!["1"]![0]![0]!.DeepClone();
        string path = Path.Combine(_dir, "dup.json");
        File.WriteAllText(path, o.ToJsonString());
        AssertUserError(["--rules-file", path], "dup.json", "rules", "twice");
    }

    [Fact]
    public void RulesFileContradictingTheOptions()
    {
        string path = Path.Combine(_dir, "ok.json");
        RulesFile.Save(Grammar.Sample(new RhmParameters(2, 2, 2, 2, 2), 1), path);
        AssertUserError(["--rules-file", path, "--nc", "3"], "--nc", "contradicts", "ok.json");
        AssertUserError(["--rules-file", path, "--L", "3"], "contradicts");
        // Options that agree with the file are fine.
        var r = Cli.Run("data", "--rules-file", path, "--nc", "2", "--train", "4", "--test", "4");
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    [Fact]
    public void RulesFileThatIsAFolder() => AssertUserError(["--rules-file", _dir], "cannot read");
}
