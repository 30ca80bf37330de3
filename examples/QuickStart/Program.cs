// RhmLab from C#: draw an RHM, look at one datum and its latent tree, then train BP and CLAPP on the same data
// and probe every layer. Everything the CLI does is reachable like this.
using RhmLab.Data;
using RhmLab.Experiments;
using RhmLab.Rhm;

var rhm = new RhmParameters(Classes: 4, Synonyms: 4, Vocabulary: 4, TupleSize: 2, Depth: 2);
var grammar = Grammar.Sample(rhm, seed: 1);
var data = DataSplit.Sample(grammar, train: 192, test: 64, new SamplingOptions(SampleSeed: 1, SplitSeed: 1));
Console.WriteLine($"RHM {rhm}: P_max = {rhm.PMax}, n_c*m^L = {rhm.SampleScale}");
Console.WriteLine($"first training datum: tokens [{string.Join(' ', data.Train.Tokens(0).ToArray())}], class {data.Train.Labels[0]}");

foreach (var rule in new[] { "bp", "clapp" })
{
    var config = new RunConfig
    {
        Rule = rule, Rhm = { Nc = 4, M = 4, V = 4, L = 2 }, Network = { Width = 32 }, Data = { Train = 192 },
        Training = { Epochs = rule == "bp" ? 200 : 300 }, Seeds = { Seed = 1 },
    };
    if (rule == "clapp") config.Training.Lr = 1e-2;
    var result = RunExecutor.Execute(ResolvedRun.Resolve(config));
    Console.WriteLine($"{rule,-6} epochs {result.Outcome.Epochs.Count,4}  probe errors per layer [{string.Join(", ", result.ProbeErrors.Select(e => e.ToString("0.000")))}]"
        + $"  (input {result.InputProbeError:0.000}, chance {1 - 1.0 / rhm.Classes:0.000})");
}
