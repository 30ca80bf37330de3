
namespace RhmLab.Tests.Cli;

/// <summary>What a user meets: usage lines name the command they type, and a second run never silently replaces a record.</summary>
public sealed class CliSmallThingsTests
{
    [Fact]
    public void HelpUsageSaysRhmlab()
    {
        var r = Cli.Run("train", "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("rhmlab train [options]", r.Stdout);
        Assert.DoesNotContain("RhmLab.Cli", r.Stdout);
        Assert.Contains("rhmlab [command] [options]", Cli.Run("--help").Stdout);
    }

    [Fact]
    public void TrainRefusesToReplaceARecordUnlessAskedTo()
    {
        using var tmp = new TempFolder();
        string dir = tmp.File("run");
        string[] args = ["train", .. Cli.Args("--rule", "bp", "--epochs", "1", "--test", "20"), "--out", dir];
        Assert.Equal(0, Cli.Run(args).ExitCode);
        string first = File.ReadAllText(Path.Combine(dir, "result.json"));
        var again = Cli.Run(args);
        Assert.Equal(2, again.ExitCode);
        Assert.Equal($"rhmlab: error: --out: '{dir}' already holds a result.json (another run's record); choose another folder or add --overwrite", again.Stderr.Trim());
        Assert.Equal(first, File.ReadAllText(Path.Combine(dir, "result.json")));
        Assert.Equal(0, Cli.Run([.. args, "--overwrite"]).ExitCode);
        Assert.NotEqual(first, File.ReadAllText(Path.Combine(dir, "result.json")));
    }
}
