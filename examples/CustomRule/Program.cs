// A learning rule from outside the library, run like a built-in one (docs/EXTENDING.md). The same assembly is a
// plugin for the CLI (LocalSignPlugin: `rhmlab train --plugin .../CustomRule.dll --rule local-sign`); run as a
// program it registers the plugin's rules itself and trains them through the same config, trainer, probes and
// records as BP. Prints one JSON line per run: the sign-feedback rule, its exact-feedback variant, the built-in
// local-supervised rule (which the exact variant must equal) and BP, at the same P.
using System.Text.Json.Nodes;
using CustomRule;
using RhmLab.Experiments;

foreach (var rule in new LocalSignPlugin().Rules) RuleCatalog.Register(rule);

int nmv = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 4;
foreach (var (rule, feedback) in new[] { ("local-sign", "sign"), ("local-sign", "exact"), ("local-supervised", null), ("bp", null) })
{
    var config = new RunConfig
    {
        Rule = rule, Rhm = { Nc = nmv, M = nmv, V = nmv, L = 3 }, Data = { TrainMultiple = 4 }, Seeds = { Seed = 1 }, Training = { EvalEvery = 0 },
    };
    if (feedback != null) config.Set("local-sign-feedback", feedback);
    var result = RunExecutor.Execute(ResolvedRun.Resolve(config));
    var record = result.ToJson(curves: false);
    Console.WriteLine(new JsonObject
    {
        ["rule"] = rule, ["local-sign-feedback"] = feedback, ["nc"] = nmv, ["m"] = nmv, ["v"] = nmv, ["L"] = 3, ["train"] = record["train"]?.DeepClone(),
        ["test_error"] = record["test_error"]?.DeepClone(), ["probe_errors"] = record["probe_errors"]?.DeepClone(),
        ["epochs_run"] = record["epochs_run"]?.DeepClone(), ["stop_reason"] = record["stop_reason"]?.DeepClone(),
        ["run_hash"] = RunHash.Of(config),
    }.ToJsonString());
}
