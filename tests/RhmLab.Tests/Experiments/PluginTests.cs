using System.Text.Json.Nodes;
using RhmLab.Experiments;
using RhmLab.Numerics;
using RhmLab.Options;
using RhmLab.Rules;

namespace RhmLab.Tests.Experiments;

/// <summary>
/// The run options of <see cref="TestPlugin"/>'s rule: the loss, and which feedback carries the error down, so that
/// the option visibly reaches the rule (forward: BP's numbers; sign: sign symmetry's).
/// </summary>
public sealed record PluginFeedbackOptions : LossOptions
{
    /// <summary>sign(W) instead of W as the feedback.</summary>
    [RunOption("plugin-feedback", "Test plugin: feedback of the chain", Off = "forward", On = "sign")]
    public bool Sign { get; set; }

    /// <summary>A number with a range, to see the plugin's ranges checked.</summary>
    [RunOption("plugin-gain", "Test plugin: a gain (unused)", Min = 0, MinExclusive = true)]
    public double Gain { get; set; } = 1;
}

/// <summary>A plugin as users write one: a public class with a parameterless constructor, in its own assembly (here the test assembly).</summary>
public sealed class TestPlugin : IRulePlugin
{
    /// <summary>The rule's name.</summary>
    public const string RuleName = "plugin-chain";

    /// <inheritdoc/>
    public IEnumerable<RuleDefinition> Rules =>
    [
        RuleDefinition.For<PluginFeedbackOptions>(RuleName, RuleKind.Supervised, "chain", "test plugin: BP or sign symmetry by an option",
            (o, _) => new ChainRule<float>(RuleName, o.Sign ? FeedbackWeights.Sign : FeedbackWeights.Forward, UpperMasks.True, o)),
    ];
}

/// <summary>
/// A rule from a plugin assembly is first-class: loaded by <c>--plugin</c> or <c>RHMLAB_PLUGINS</c>, its option parses,
/// validates, shows in <c>--help</c>, sweeps, hashes and records like a built-in rule's.
/// </summary>
public sealed class PluginTests
{
    private static readonly string PluginPath = typeof(TestPlugin).Assembly.Location;

    private static void Load() => RulePlugins.Load(PluginPath);

    private static RunConfig Small(string rule) => new()
    {
        Rule = rule, Rhm = { Nc = 3, M = 3, V = 3, L = 2 }, Data = { Train = 40, Test = 20 }, Network = { Width = 8 },
        Training = { Epochs = 4 }, Execution = { Blas = MatMulChoice.Managed },
    };

    [Fact]
    public void APluginRegistersItsRuleOnceAndItsOptionBecomesARunOption()
    {
        Load();
        Assert.Empty(RulePlugins.Load(PluginPath));
        Assert.Contains(Path.GetFullPath(PluginPath), RulePlugins.Loaded);
        Assert.NotNull(RuleCatalog.Find(TestPlugin.RuleName));
        var opt = RunOptions.Find("plugin-feedback")!;
        Assert.False(opt.IsCore);
        Assert.Equal(["forward", "sign"], opt.Choices!);
        Assert.EndsWith("read by " + TestPlugin.RuleName, opt.Help);
        Assert.Contains(TestPlugin.RuleName, RunOptions.Find("loss")!.Help);
    }

    [Fact]
    public void ItsOptionParsesValidatesAndReachesTheRule()
    {
        Load();
        var config = Small(TestPlugin.RuleName).Set("plugin-feedback", "sign");
        Assert.True(config.Get<PluginFeedbackOptions>().Sign);
        Assert.Equal("plugin-feedback: unknown value 'maybe' (expected forward, sign)",
            Assert.Throws<ArgumentException>(() => config.Set("plugin-feedback", "maybe")).Message);
        Assert.Equal("plugin-gain: must be > 0 (got 0)", Assert.Throws<ArgumentException>(() => config.Set("plugin-gain", "0")).Message);
        Assert.Equal("plugin-gain: must be > 0 (got -1)", Assert.Throws<ArgumentException>(() =>
            ResolvedRun.Resolve(new RunConfig { Rule = TestPlugin.RuleName, RuleOptions = new PluginFeedbackOptions { Gain = -1 } })).Message);
        Assert.Equal("plugin-feedback: not an option of rule bp (read by plugin-chain)",
            Assert.Throws<ArgumentException>(() => Small("bp").Set("plugin-feedback", "sign")).Message);
        // The option reaches the rule: forward feedback is BP, sign feedback is sign symmetry, number for number.
        var sign = RunExecutor.Execute(ResolvedRun.Resolve(config));
        var forward = RunExecutor.Execute(ResolvedRun.Resolve(Small(TestPlugin.RuleName)));
        Assert.Equal(RunExecutor.Execute(ResolvedRun.Resolve(Small("sign"))).ProbeErrors, sign.ProbeErrors);
        Assert.Equal(RunExecutor.Execute(ResolvedRun.Resolve(Small("bp"))).ProbeErrors, forward.ProbeErrors);
    }

    [Fact]
    public void ItsOptionIsRecordedAndHashedInItsOwnRunsOnly()
    {
        Load();
        var config = Small(TestPlugin.RuleName);
        var json = config.ToJson();
        Assert.Equal("forward", (string?)json["plugin-feedback"]);
        Assert.False(Small("bp").ToJson().ContainsKey("plugin-feedback"));
        Assert.NotEqual(RunHash.Of(config), RunHash.Of(config.Clone().Set("plugin-feedback", "sign")));
        // A plugin's options stay in its runs' hashes even at their defaults, so a record hashes alike whether or
        // not an analysis loads the plugin.
        var withoutDefaults = (JsonObject)json.DeepClone();
        withoutDefaults.Remove("plugin-feedback");
        Assert.NotEqual(RunHash.Of(config), RunHash.OfConfigJson(withoutDefaults));
        var back = new RunConfig();
        RunOptions.Apply(back, json);
        Assert.Equal(RunHash.Of(config), RunHash.Of(back));
    }

    [Fact]
    public void TheCliLoadsThePluginAndTrainsItsRuleWithItsOption()
    {
        using var tmp = new TempFolder();
        var help = Cli.Cli.Run("train", "--plugin", PluginPath, "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--plugin-feedback", help.Stdout);
        Assert.Contains("--plugin <path>", help.Stdout);
        string dir = Path.Combine(tmp.Path, "run");
        var run = Cli.Cli.Run("train", "--plugin", PluginPath, "--rule", TestPlugin.RuleName, "--plugin-feedback", "sign",
            "--nc", "3", "--m", "3", "--v", "3", "--L", "2", "--train", "40", "--test", "20", "--width", "8", "--epochs", "3",
            "--blas", "managed", "--json", "--out", dir);
        Assert.True(run.ExitCode == 0, run.ToString());
        var record = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "result.json")))!;
        Assert.Equal(TestPlugin.RuleName, (string?)record["rule"]);
        Assert.Equal("sign", (string?)record["config"]!["plugin-feedback"]);
        var expected = Small(TestPlugin.RuleName).Set("plugin-feedback", "sign");
        expected.Training.Epochs = 3;
        Assert.Equal(RunHash.Of(expected), RunHash.OfConfigJson((JsonObject)record["config"]!));
        var bad = Cli.Cli.Run("train", "--plugin", PluginPath, "--rule", TestPlugin.RuleName, "--plugin-feedback", "maybe");
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("rhmlab: error: plugin-feedback: unknown value 'maybe' (expected forward, sign)", bad.Stderr.Trim());
        var missing = Cli.Cli.Run("train", "--plugin", Path.Combine(tmp.Path, "none.dll"));
        Assert.Equal(2, missing.ExitCode);
        Assert.StartsWith("rhmlab: error: --plugin: no file", missing.Stderr);
        var notAPlugin = Cli.Cli.Run("train", "--plugin", typeof(RunConfig).Assembly.Location);
        Assert.Equal(2, notAPlugin.ExitCode);
        Assert.Contains("has no public class implementing IRulePlugin", notAPlugin.Stderr);
    }

    [Fact]
    public void ASweepOverThePluginsOptionRunsAndReadsBack()
    {
        Load();
        using var tmp = new TempFolder();
        var plan = SweepPlan.Parse($$"""
            { "grid": { "plugin-feedback": ["forward", "sign"] },
              "fixed": { "rule": "{{TestPlugin.RuleName}}", "nmv": 3, "L": 2, "train": 40, "test": 20, "width": 8, "epochs": 3, "blas": "managed" } }
            """);
        Assert.Equal(2, plan.Points.Select(p => p.Hash).Distinct().Count());
        var summary = new SweepRunner(plan, new SweepOptions { OutDir = tmp.Path }).Run();
        Assert.Equal(2, summary.Executed);
        var records = RhmLab.Analysis.RecordReader.Read(tmp.Path).Records;
        Assert.Equal(["forward", "sign"], records.Select(r => (string?)r.Config["plugin-feedback"]).Order());
        // A plan that gives the plugin's option to a rule that does not read it names the point.
        var e = Assert.Throws<ArgumentException>(() => SweepPlan.Parse("""{ "grid": { "rule": ["bp"] }, "fixed": { "plugin-feedback": "sign", "nmv": 3, "L": 2 } }"""));
        Assert.Contains("plugin-feedback: not an option of rule bp", e.Message);
    }

    [Fact]
    public void SlurmJobsLoadThePlugins()
    {
        string plugin = Path.GetFullPath(PluginPath);
        var script = SlurmScript.Generate(new SlurmJobOptions
        {
            Array = 2, Command = ["/usr/bin/dotnet", "/opt/rhmlab/RhmLab.Cli.dll"], PlanPath = "/r/plan.json", ResultsDir = "/r/out",
            LogDir = "/r/logs", Plugins = [plugin],
        });
        Assert.Contains($"export {RulePlugins.EnvironmentVariable}={SlurmScript.Quote(plugin)}\n", script);
        Assert.True(script.IndexOf("export ", StringComparison.Ordinal) < script.IndexOf("exec ", StringComparison.Ordinal));
        Assert.Equal("--plugin: 'rel.dll' is not an absolute path", Assert.Throws<ArgumentException>(() => SlurmScript.Validate(new SlurmJobOptions
        {
            Array = 1, Command = ["/usr/bin/dotnet"], PlanPath = "/p", ResultsDir = "/r", LogDir = "/l", Plugins = ["rel.dll"],
        })).Message);
        Assert.Equal([plugin, "/b.dll"], RulePlugins.Split($"{plugin}{Path.PathSeparator}{Path.PathSeparator}/b.dll"));
    }
}
