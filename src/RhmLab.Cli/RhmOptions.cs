using System.CommandLine;
using RhmLab.Rhm;

namespace RhmLab.Cli;

/// <summary>The options that define an RHM, shared by every command that draws one.</summary>
internal sealed class RhmOptions
{
    public Option<int> Nc { get; } = new("--nc") { Description = "Number of classes n_c", DefaultValueFactory = _ => 8 };
    public Option<int> M { get; } = new("--m") { Description = "Productions (synonyms) per symbol m", DefaultValueFactory = _ => 8 };
    public Option<int> V { get; } = new("--v") { Description = "Vocabulary size v", DefaultValueFactory = _ => 8 };
    public Option<int> S { get; } = new("--s") { Description = "Tuple size s", DefaultValueFactory = _ => 2 };
    public Option<int> L { get; } = new("--L", "--depth") { Description = "Depth L (number of levels)", DefaultValueFactory = _ => 3 };
    public Option<long> Seed { get; } = new("--seed") { Description = "Master seed of every stream", DefaultValueFactory = _ => 1 };
    public Option<long?> RulesSeed { get; } = new("--rules-seed") { Description = "Seed of the rules stream (default: --seed)" };
    public Option<string> Version { get; } = new("--rules") { Description = "Rule generator: v2 (default) or v1", DefaultValueFactory = _ => "v2" };
    public Option<string?> RulesFile { get; } = new("--rules-file") { Description = "Load the rules from a JSON file instead of drawing them" };
    public Option<bool> V1Dynamic { get; } = new("--v1-constraint-dynamic") { Description = "v1 only: check tuples per level during generation" };

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { Nc, M, V, S, L, Seed, RulesSeed, Version, RulesFile, V1Dynamic }) cmd.Options.Add(o);
    }

    /// <summary>The grammar the options describe: loaded from --rules-file, or drawn.</summary>
    public Grammar Grammar(ParseResult parse)
    {
        string? file = parse.GetValue(RulesFile);
        if (file != null)
        {
            var g = Rhm.RulesFile.Load(file);
            var p = g.Parameters;
            void Check(Option<int> o, int actual)
            {
                var r = parse.GetResult(o);
                if (r != null && !r.Implicit && parse.GetValue(o) != actual)
                    throw new ArgumentException($"{o.Name} = {parse.GetValue(o)} contradicts the rules file ({file} has {actual})");
            }
            Check(Nc, p.Classes); Check(M, p.Synonyms); Check(V, p.Vocabulary); Check(S, p.TupleSize); Check(L, p.Depth);
            return g;
        }
        var parameters = new RhmParameters(parse.GetValue(Nc), parse.GetValue(M), parse.GetValue(V), parse.GetValue(S), parse.GetValue(L));
        var version = RuleVersions.Parse(parse.GetValue(Version)!, "--rules");
        long seed = parse.GetValue(RulesSeed) ?? parse.GetValue(Seed);
        return Rhm.Grammar.Sample(parameters, seed, version, parse.GetValue(V1Dynamic));
    }
}
