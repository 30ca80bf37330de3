using System.CommandLine;
using RhmLab.Experiments;
using RhmLab.Rhm;

namespace RhmLab.Cli;

/// <summary>The flags that define an RHM, shared by every command that draws one.</summary>
internal sealed class RhmFlags
{
    public Option<int> Nc { get; } = Declared<int>("nc");
    public Option<int> M { get; } = Declared<int>("m");
    public Option<int> V { get; } = Declared<int>("v");
    public Option<int> S { get; } = Declared<int>("s");
    public Option<int> L { get; } = Declared<int>("L");
    public Option<long> Seed { get; } = Declared<long>("seed");
    public Option<long?> RulesSeed { get; } = Declared<long?>("rules-seed");
    public Option<string> Version { get; } = Declared<string>("rules");
    public Option<string?> RulesFile { get; } = new("--rules-file") { Description = "Load the rules from a JSON file instead of drawing them" };
    public Option<bool> V1Dynamic { get; } = new("--v1-constraint-dynamic") { Description = "v1 only: check tuples per level during generation" };

    /// <summary>
    /// A flag with the key, help and default of a run option (<see cref="RunOptions"/>: the RHM's are declared by
    /// <c>RhmLab.Rhm.RhmOptions</c>), so that they are declared once for <c>train</c>, <c>data</c>, <c>bench</c> and the rest.
    /// </summary>
    public static Option<T> Declared<T>(string key)
    {
        var opt = RunOptions.Find(key) ?? throw new InvalidOperationException($"no run option '{key}'");
        var flag = new Option<T>("--" + opt.Key, opt.Alias is string a ? ["--" + a] : []) { Description = opt.Help };
        if (opt.Default is { } def) flag.DefaultValueFactory = _ => def.GetValue<T>();
        return flag;
    }

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
