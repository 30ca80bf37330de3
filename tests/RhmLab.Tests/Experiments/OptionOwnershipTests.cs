using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using RhmLab.Experiments;
using RhmLab.Options;
using RhmLab.Rules;

namespace RhmLab.Tests.Experiments;

/// <summary>
/// Each component owns its options (docs/EXTENDING.md): a rule's options are declared by the rule's own types in the
/// Rules layer and consumed by the rule itself, the layers above name none of them, and every declared option is
/// reachable the same way: parsed from text and JSON, shown in <c>--help</c>, written into a record and hashed.
/// These are the facts behind the counts of files a new rule, rule option or trainer option touches.
/// </summary>
public sealed class OptionOwnershipTests
{
    private static readonly Assembly Library = typeof(RunConfig).Assembly;

    [Fact]
    public void EveryBuiltInRulesOptionsAreDeclaredInTheRulesLayerAndConsumedByTheRule()
    {
        foreach (var row in RuleCatalog.All.Where(r => r.BuiltIn))
        {
            Assert.Equal("RhmLab.Rules", row.OptionsType.Namespace);
            // The rule takes its typed options in a constructor: no layer above maps them field by field.
            var rule = ResolvedRun.Resolve(new RunConfig { Rule = row.Name, Rhm = { Nc = 3, M = 3, V = 3, L = 2 }, Data = { Train = 20, Test = 10 } }).CreateRule<float>();
            Assert.True(rule.GetType().GetConstructors().Any(c => c.GetParameters().Any(p => p.ParameterType.IsAssignableFrom(row.OptionsType))),
                $"{row.Name}: {rule.GetType().Name} has no constructor that takes {row.OptionsType.Name}");
        }
    }

    [Fact]
    public void EachOptionIsDeclaredByTheLayerOfTheComponentThatReadsIt()
    {
        // The Experiments layer declares only the rule's name and how a run executes; every other option belongs to a
        // component below it (the RHM, the data, the network, the evaluation, a rule, the trainer).
        var experiments = RunOptions.All.Where(o => o.Owner.Namespace == "RhmLab.Experiments").Select(o => o.Key).Order();
        Assert.Equal(["blas", "rule", "save-model", "threads"], experiments);
        var owners = RunOptions.All.Where(o => o.Owner.Assembly == Library).Select(o => o.Owner.Namespace).Distinct().Order();
        Assert.Equal(["RhmLab.Data", "RhmLab.Evaluation", "RhmLab.Experiments", "RhmLab.Networks", "RhmLab.Rhm", "RhmLab.Rules", "RhmLab.Training"], owners);
        // A rule's option is read by some rule, and by rules only.
        foreach (var opt in RunOptions.All.Where(o => o.Owner.Namespace == "RhmLab.Rules"))
        {
            Assert.False(opt.IsCore, opt.Key);
            Assert.NotEmpty(RuleCatalog.ReadersOf(opt.Key));
        }
    }

    [Fact]
    public void NoLayerAboveTheRulesNamesARulesOption()
    {
        // A rule's option is declared and read in the rule's own file: if the experiment layer, the trainer or the CLI
        // named one (to map it, check it or pass it on), a new rule option would touch them too.
        string root = RepositoryRoot();
        var ruleKeys = RunOptions.All.Where(o => o.Owner.Namespace == "RhmLab.Rules").Select(o => o.Key).ToArray();
        var files = new[] { "src/RhmLab/Experiments", "src/RhmLab/Training", "src/RhmLab.Cli" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, d), "*.cs", SearchOption.AllDirectories));
        var found = new List<string>();
        foreach (var file in files)
        {
            string text = File.ReadAllText(file);
            foreach (var key in ruleKeys)
                if (Regex.IsMatch(text, "\"" + Regex.Escape(key) + "[\":]"))
                    found.Add($"{Path.GetFileName(file)}: {key}");
        }
        Assert.Empty(found);
    }

    [Fact]
    public void EveryOptionParsesShowsInHelpRecordsAndHashes()
    {
        string help = Cli.Cli.Run("train", "--help").Stdout;
        foreach (var opt in RunOptions.All)
        {
            Assert.Contains("--" + opt.Key + " ", help);
            if (opt.Key == "rule" || opt.Choices is [_]) continue;
            string rule = opt.IsCore ? "bp" : RuleCatalog.ReadersOf(opt.Key)[0];
            var baseline = new RunConfig { Rule = rule };
            var config = baseline.Clone();
            string text = OtherText(opt, opt.Get(baseline));
            opt.SetText(config, text);
            var recorded = config.ToJson();
            Assert.True(recorded.ContainsKey(opt.Key), opt.Key);
            Assert.NotEqual(RunHash.Canonical(opt.Default), RunHash.Canonical(recorded[opt.Key]));
            Assert.NotEqual(RunHash.Of(baseline), RunHash.Of(config));
            // The record reads back into the same run.
            var back = new RunConfig();
            RunOptions.Apply(back, recorded);
            Assert.Equal(RunHash.Of(config), RunHash.Of(back));
            Assert.Equal(recorded.ToJsonString(), back.ToJson().ToJsonString());
        }
    }

    [Fact]
    public void AnotherRulesOptionIsRefusedUnlessAtItsDefault()
    {
        var config = new RunConfig { Rule = "bp" };
        var e = Assert.Throws<ArgumentException>(() => config.Set("clapp-pairing", "in-batch"));
        Assert.Equal("clapp-pairing: not an option of rule bp (read by clapp, clapp-pos, e2e-clapp, e2e-clapp-nc)", e.Message);
        // Its default is accepted and changes nothing: a record lists every built-in option.
        config.Set("clapp-pairing", "triplets");
        Assert.Equal(RunHash.Of(new RunConfig()), RunHash.Of(config));
        Assert.Equal("dfa-top: unknown value 'maybe' (expected random, true)", Assert.Throws<ArgumentException>(() => config.Set("dfa-top", "maybe")).Message);
    }

    [Fact]
    public void TheRuleComesFirstWhereverItIsWritten()
    {
        var config = new RunConfig();
        RunOptions.Apply(config, new JsonObject { ["clapp-pairing"] = "in-batch", ["anti-collapse"] = "hinge-only", ["rule"] = "clapp-pos" });
        Assert.True(config.Get<ClappOptions>().InBatch);
        Assert.Equal("hinge-only", config.Get<ClappOptions>().AntiCollapse!.Mechanism);
        // Setting the rule again to one with the same options keeps them; to another gives the new rule its defaults.
        config.Rule = "e2e-clapp-nc";
        Assert.True(config.Get<ClappOptions>().InBatch);
        config.Rule = "clapp";
        Assert.False(config.Get<ClappOptions>().InBatch);
        Assert.Null(config.Get<ClappOptions>().AntiCollapse);
        Assert.Equal("rule: vicreg has no ClappOptions (its options are VicregOptions)",
            Assert.Throws<ArgumentException>(() => new RunConfig { Rule = "vicreg" }.Get<ClappOptions>()).Message);
    }

    [Fact]
    public void EnumsAndWordedBooleansKeepTheirWordsInRecords()
    {
        var config = new RunConfig { Rule = "dfa", Training = { ProbeStop = { Enabled = true } } };
        config.Get<DfaOptions>().TrueTop = true;
        var json = config.ToJson();
        Assert.Equal("true", (string?)json["dfa-top"]);
        Assert.Equal("on", (string?)json["probe-stop"]);
        Assert.Equal("off", (string?)json["objective-stop"]);
        Assert.Equal("per-position", (string?)json["dfa-layout"]);
        Assert.Equal("fan-in", (string?)json["conv-scale"]);
        Assert.Null(json["anti-collapse"]);
        Assert.Equal(JsonValueKindOf(false), json["sensitivity"]!.GetValueKind());
        Assert.Equal(["ridge", "logistic", "both", "none"], Choices.Words(typeof(RhmLab.Evaluation.ProbeKind)));
    }

    private static System.Text.Json.JsonValueKind JsonValueKindOf(bool b) => JsonValue.Create(b).GetValueKind();

    private static string OtherText(RunOption opt, JsonNode? current) => opt.Type switch
    {
        "string" when opt.Choices != null => opt.Choices.First(x => x != (string?)current),
        "string" when opt.Key == "anti-collapse" => (string?)current == "hinge-only" ? "centered" : "hinge-only",
        "int" => (current is null ? 7 : (int)current + 1).ToString(CultureInfo.InvariantCulture),
        "long" => (current is null ? 7L : (long)current + 1).ToString(CultureInfo.InvariantCulture),
        "double" => (current is null ? 0.375 : (double)current is var d && d > 0 ? d / 2 : d + 0.5).ToString("R", CultureInfo.InvariantCulture),
        "int-list" => "5,6",
        "bool" => current is JsonValue b && b.GetValue<bool>() ? "false" : "true",
        _ => throw new InvalidOperationException(opt.Type),
    };

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "RhmLab.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("the repository root (RhmLab.sln) is not above the test binaries");
    }
}
