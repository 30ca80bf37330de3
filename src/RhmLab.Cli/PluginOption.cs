using System.CommandLine;
using RhmLab.Experiments;

namespace RhmLab.Cli;

/// <summary>
/// <c>--plugin PATH</c> of the commands that run rules. The plugins are loaded before the command line is parsed
/// (<see cref="LoadNamedIn"/>), because their rules' options are flags of the command; the option is declared so
/// that it is accepted and documented.
/// </summary>
internal static class PluginOption
{
    public const string Name = "--plugin";

    /// <summary>The commands that run or resolve rules, and so load plugins.</summary>
    private static readonly string[] Commands = ["train", "sweep", "slurm", "reproduce", "cost"];

    public static Option<string[]> Create() => new(Name)
    {
        Description = $"Load the learning rules of a plugin assembly (a built .dll with a public IRulePlugin class; docs/EXTENDING.md); repeatable. {RulePlugins.EnvironmentVariable} (separated by '{Path.PathSeparator}') names plugins too, and Slurm jobs get it",
        HelpName = "path",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>
    /// Loads the plugins of <see cref="RulePlugins.EnvironmentVariable"/> and of every <c>--plugin</c> of a command line
    /// whose command runs rules, so that their options become flags before the parse.
    /// </summary>
    public static void LoadNamedIn(string[] args)
    {
        if (args.Length == 0 || !Commands.Contains(args[0])) return;
        RulePlugins.LoadFromEnvironment();
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--") break;
            if (args[i] == Name && i + 1 < args.Length) RulePlugins.Load(args[++i]);
            else if (args[i].StartsWith(Name + "=", StringComparison.Ordinal)) RulePlugins.Load(args[i][(Name.Length + 1)..]);
        }
    }
}
