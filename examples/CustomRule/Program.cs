// A learning rule from outside the library, run like a built-in one (docs/EXTENDING.md): register it in the rule
// catalogue, then train it through the same config, trainer, probes and records as BP or CLAPP. The rule here is a
// scientific control: layer-local *supervised* learning (each layer through its own fixed random readout of the
// label), beside BP, at the same P. Prints one JSON line per rule with the run's test_error.
using System.Text.Json.Nodes;
using CustomRule;
using RhmLab.Experiments;

RuleCatalog.Register(new RuleDefinition(
    Name: "local-supervised-example",
    Kind: RuleKind.Supervised,
    Algorithm: "local",
    Description: "layer-local supervised: every layer trained through its own fixed random readout of the label",
    Options: [],
    Create: run => new LocalSupervisedRule()));

int nmv = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 4;
foreach (var rule in new[] { "local-supervised-example", "bp" })
{
    var config = new RunConfig { Nc = nmv, M = nmv, V = nmv, L = 3, Rule = rule, TrainMultiple = 4, Seed = 1, EvalEvery = 0 };
    var result = RunExecutor.Execute(ResolvedRun.Resolve(config));
    var record = result.ToJson(curves: false);
    Console.WriteLine(new JsonObject
    {
        ["rule"] = rule, ["nc"] = nmv, ["m"] = nmv, ["v"] = nmv, ["L"] = 3, ["train"] = record["train"]?.DeepClone(),
        ["test_error"] = record["test_error"]?.DeepClone(), ["probe_errors"] = record["probe_errors"]?.DeepClone(),
        ["epochs_run"] = record["epochs_run"]?.DeepClone(), ["stop_reason"] = record["stop_reason"]?.DeepClone(),
        ["run_hash"] = RunHash.Of(config),
    }.ToJsonString());
}
