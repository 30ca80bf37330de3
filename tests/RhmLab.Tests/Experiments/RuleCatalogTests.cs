using System.Text.Json.Nodes;
using RhmLab.Experiments;
using RhmLab.Numerics;
using RhmLab.Options;
using RhmLab.Rules;

namespace RhmLab.Tests.Experiments;

/// <summary>
/// The rule catalogue: every built-in rule has one row that the option, the run and the trainer read; a rule from
/// outside registers once and then trains, sweeps and is read back like a built-in one; the run records kept in the
/// repository still validate (their hashes did not move).
/// </summary>
public sealed class RuleCatalogTests
{
    [Fact]
    public void BuiltInRowsAreThePapersRulesAndTheirKinds()
    {
        Assert.Equal(
            ["bp", "fa", "dfa", "sign", "lga", "bp-nomask", "bp-avgmask", "bp-shufmask", "fa-nomask", "fa-avgmask", "fa-shufmask",
             "local-supervised", "clapp", "clapp-pos", "e2e-clapp", "e2e-clapp-nc", "vicreg", "e2e-vicreg", "lpl", "e2e-lpl", "ica"],
            RuleCatalog.All.Take(21).Select(r => r.Name));
        Assert.Equal(["clapp", "clapp-pos", "e2e-clapp", "e2e-clapp-nc"], ResolvedRun.ClappRules.Where(n => RuleCatalog.Get(n).Algorithm == "clapp"));
        Assert.Equal(["ica"], RuleCatalog.All.Where(r => r.Kind == RuleKind.Unsupervised).Select(r => r.Name));
        Assert.Equal(8, RuleCatalog.All.Count(r => r.Kind == RuleKind.SelfSupervised));
        // Every row's factory builds the rule it names, and every option a row reads is a run option.
        foreach (var row in RuleCatalog.All.Take(21))
        {
            var config = new RunConfig { Rule = row.Name, Rhm = { Nc = 3, M = 3, V = 3, L = 2 }, Data = { Train = 20, Test = 10 } };
            var rule = ResolvedRun.Resolve(config).CreateRule<float>();
            Assert.Equal(row.Name, rule.Name);
            Assert.Equal(row.Kind switch { RuleKind.Supervised => RuleInput.Labelled, RuleKind.Unsupervised => RuleInput.Unlabelled, _ => RuleInput.Pairs }, rule.Input);
            Assert.All(row.Options, o => Assert.NotNull(RunOptions.Find(o)));
        }
    }

    [Fact]
    public void ARegisteredRuleTrainsSweepsAndReadsLikeABuiltInOne()
    {
        // A rule from outside: BP under another name, so its numbers must equal BP's exactly.
        const string name = "test-bp-copy";
        if (RuleCatalog.Find(name) is null)
            RuleCatalog.Register(RuleDefinition.For<LossOptions>(name, RuleKind.Supervised, "local", "BP under another name (test)",
                (o, _) => new ChainRule<float>(name, FeedbackWeights.Forward, UpperMasks.True, o)));
        Assert.Contains(name, RunOptions.Find("rule")!.Choices!);
        Assert.Contains(name, RunOptions.Find("rule")!.Help);
        Assert.Equal("rule: 'test-bp-copy' is already registered", Assert.Throws<ArgumentException>(() =>
            RuleCatalog.Register(RuleDefinition.For<NoRuleOptions>(name, RuleKind.Supervised, "local", "", (_, _) => null!))).Message);
        Assert.Equal("rule: 'Bad Name' is not a rule name (lower-case letters, digits and '-')", Assert.Throws<ArgumentException>(() =>
            RuleCatalog.Register(RuleDefinition.For<NoRuleOptions>("Bad Name", RuleKind.Supervised, "local", "", (_, _) => null!))).Message);
        Assert.Equal("rule x-y: option 'lr' is declared twice, by TrainingOptions.Lr and ClashingOptions.Lr", Assert.Throws<ArgumentException>(() =>
            RuleCatalog.Register(RuleDefinition.For<ClashingOptions>("x-y", RuleKind.Supervised, "local", "", (_, _) => null!))).Message);

        RunConfig Config(string rule) => new() { Rule = rule, Rhm = { Nc = 3, M = 3, V = 3, L = 2 }, Data = { Train = 40, Test = 20 }, Network = { Width = 8 }, Training = { Epochs = 5 }, Execution = { Blas = MatMulChoice.Managed } };
        var copy = RunExecutor.Execute(ResolvedRun.Resolve(Config(name)));
        var bp = RunExecutor.Execute(ResolvedRun.Resolve(Config("bp")));
        Assert.Equal(bp.ProbeErrors, copy.ProbeErrors);
        Assert.Equal(bp.Outcome.Epochs.Select(e => e.TrainLoss), copy.Outcome.Epochs.Select(e => e.TrainLoss));

        using var tmp = new TempFolder();
        var plan = SweepPlan.Parse($$"""{ "grid": { "rule": ["{{name}}", "bp"] }, "fixed": { "nmv": 3, "L": 2, "train": 40, "test": 20, "width": 8, "epochs": 5, "blas": "managed" } }""");
        var summary = new SweepRunner(plan, new SweepOptions { OutDir = tmp.Path }).Run();
        Assert.Equal(2, summary.Executed);
        var records = RhmLab.Analysis.RecordReader.Read(tmp.Path).Records;
        Assert.Equal([name, "bp"], records.Select(r => r.Rule).OrderByDescending(r => r.Length));
    }

    [Fact]
    public void TheRecordsKeptInTheRepositoryStillValidate()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "RhmLab.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        string paper = Path.Combine(dir!.FullName, "results", "paper");
        if (!Directory.Exists(paper)) return;
        int n = 0;
        foreach (var file in Directory.EnumerateFiles(paper, "result.json", SearchOption.AllDirectories))
        {
            string hash = Path.GetFileName(Path.GetDirectoryName(file)!);
            var record = JsonNode.Parse(File.ReadAllText(file));
            Assert.True(SweepStore.RecordProblem(record, hash) is null, $"{file}: {SweepStore.RecordProblem(record, hash)}");
            // The hash of the config as this version writes it is the folder's: adding options kept it.
            var recorded = (JsonObject)record!["config"]!;
            var config = new RunConfig();
            RunOptions.Apply(config, (JsonObject)recorded.DeepClone());
            Assert.Equal(hash, RunHash.Of(config));
            // And this version writes the record's config back key for key, value for value, in the same order;
            // it only adds the options created since the record was written, at their defaults.
            var written = config.ToJson();
            var common = written.Select(kv => kv.Key).Where(recorded.ContainsKey).ToArray();
            Assert.Equal(recorded.Select(kv => kv.Key), common);
            foreach (var key in common) Assert.Equal(recorded[key]?.ToJsonString(), written[key]?.ToJsonString());
            n++;
        }
        Assert.True(n > 0);
    }
}

/// <summary>Options of a rule from outside that claim a key the trainer already declares.</summary>
public sealed class ClashingOptions
{
    /// <summary>A second <c>lr</c>.</summary>
    [RunOption("lr", "a second learning rate")]
    public double Lr { get; set; } = 1;
}
