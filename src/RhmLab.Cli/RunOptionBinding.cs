using System.CommandLine;
using System.Text.Json.Nodes;
using RhmLab.Experiments;

namespace RhmLab.Cli;

/// <summary>Exposes every run option of <see cref="RunOptions"/> as a <c>--key</c> flag, parsed by the library.</summary>
internal static class RunOptionBinding
{
    public static Dictionary<RunOption, Option> AddTo(Command cmd)
    {
        var map = new Dictionary<RunOption, Option>();
        var defaults = new RunConfig();
        foreach (var opt in RunOptions.All)
        {
            string[] names = opt.Alias is string alias ? ["--" + opt.Key, "--" + alias] : ["--" + opt.Key];
            // A boolean option is a plain switch (--save-model), which also accepts an explicit true or false.
            Option flag = opt.Type == "bool" ? new Option<bool>(names[0], names[1..]) : new Option<string?>(names[0], names[1..]);
            var def = opt.Get(defaults);
            flag.Description = opt.Help + (def is null ? "" : $" [default: {def.ToJsonString().Trim('"')}]");
            if (opt.Type != "bool") flag.HelpName = opt.Type == "string" ? "value" : opt.Type;
            cmd.Options.Add(flag);
            map[opt] = flag;
        }
        return map;
    }

    /// <summary>The config: defaults, then the --config file, then flags given on the command line.</summary>
    public static RunConfig Build(ParseResult parse, Dictionary<RunOption, Option> map, string? configFile)
    {
        var cfg = configFile != null ? RunOptions.Load(configFile) : new RunConfig();
        foreach (var (opt, flag) in map)
        {
            switch (flag)
            {
                case Option<bool> b:
                    // Only a flag actually given may override the config file's value.
                    var result = parse.GetResult(b);
                    if (result != null && !result.Implicit) opt.Set(cfg, JsonValue.Create(parse.GetValue(b)));
                    break;
                case Option<string?> s:
                    string? text = parse.GetValue(s);
                    if (text != null) opt.SetText(cfg, text);
                    break;
            }
        }
        return cfg;
    }
}
