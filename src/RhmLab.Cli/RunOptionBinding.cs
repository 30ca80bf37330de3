using System.CommandLine;
using System.Text.Json.Nodes;
using RhmLab.Experiments;

namespace RhmLab.Cli;

/// <summary>
/// Exposes every run option of <see cref="RunOptions"/> as a <c>--key</c> flag, parsed by the library: the core's,
/// every rule's (the built-in ones and those of loaded plugins), each with its declaration's help and default.
/// </summary>
internal static class RunOptionBinding
{
    public static Dictionary<RunOption, Option> AddTo(Command cmd)
    {
        var map = new Dictionary<RunOption, Option>();
        foreach (var opt in RunOptions.All)
        {
            string[] names = opt.Alias is string alias ? ["--" + opt.Key, "--" + alias] : ["--" + opt.Key];
            // A plain boolean option is a switch (--save-model), which also accepts an explicit true or false.
            Option flag = opt.Type == "bool" ? new Option<bool>(names[0], names[1..]) : new Option<string?>(names[0], names[1..]);
            var def = opt.Default;
            flag.Description = opt.Help + (def is null ? "" : $" [default: {def.ToJsonString().Trim('"')}]");
            if (opt.Type != "bool") flag.HelpName = opt.Type == "string" ? "value" : opt.Type;
            cmd.Options.Add(flag);
            map[opt] = flag;
        }
        return map;
    }

    /// <summary>
    /// The config: the --config file's options, with the flags given on the command line over them, applied together
    /// so that the rule, from either, comes first and the other options read as its own.
    /// </summary>
    public static RunConfig Build(ParseResult parse, Dictionary<RunOption, Option> map, string? configFile)
    {
        var values = configFile != null ? RunOptions.ReadObject(configFile) : [];
        // The file's values are checked as written, before any flag replaces them: a bad file is an error of its own.
        foreach (var (key, value) in values)
            (RunOptions.Find(key) ?? throw new ArgumentException($"{configFile}: unknown option '{key}'")).Check(value);
        foreach (var (opt, flag) in map)
        {
            JsonNode? value;
            switch (flag)
            {
                case Option<bool> b:
                    // Only a flag actually given may override the config file's value.
                    var result = parse.GetResult(b);
                    if (result == null || result.Implicit) continue;
                    value = JsonValue.Create(parse.GetValue(b));
                    break;
                case Option<string?> s:
                    string? text = parse.GetValue(s);
                    if (text == null) continue;
                    value = opt.Field.ParseText(text);
                    break;
                default:
                    continue;
            }
            if (opt.Alias is string alias) values.Remove(alias);
            values[opt.Key] = value;
        }
        var cfg = new RunConfig();
        RunOptions.Apply(cfg, values, configFile ?? "config");
        return cfg;
    }
}
