using System.CommandLine;
using RhmLab.Experiments;

namespace RhmLab.Cli;

/// <summary>Exposes every run option of <see cref="RunOptions"/> as a <c>--key</c> flag, parsed by the library.</summary>
internal static class RunOptionBinding
{
    public static Dictionary<RunOption, Option<string?>> AddTo(Command cmd)
    {
        var map = new Dictionary<RunOption, Option<string?>>();
        var defaults = new RunConfig();
        foreach (var opt in RunOptions.All)
        {
            var flag = opt.Key == "L" ? new Option<string?>("--L", "--depth") : new Option<string?>("--" + opt.Key);
            var def = opt.Get(defaults);
            flag.Description = opt.Help + (def is null ? "" : $" [default: {def.ToJsonString().Trim('"')}]");
            flag.HelpName = opt.Type == "string" ? "value" : opt.Type;
            cmd.Options.Add(flag);
            map[opt] = flag;
        }
        return map;
    }

    /// <summary>The config: defaults, then the --config file, then flags given on the command line.</summary>
    public static RunConfig Build(ParseResult parse, Dictionary<RunOption, Option<string?>> map, string? configFile)
    {
        var cfg = configFile != null ? RunOptions.Load(configFile) : new RunConfig();
        foreach (var (opt, flag) in map)
        {
            string? text = parse.GetValue(flag);
            if (text != null) opt.SetText(cfg, text);
        }
        return cfg;
    }
}
