using System.CommandLine;
using System.Text.Json;

namespace RhmLab.Cli;

/// <summary>The <c>rhmlab</c> command: a thin shell over the library.</summary>
public static class CliApp
{
    /// <summary>Exit code for user errors (bad options, bad files).</summary>
    public const int UserError = 2;

    /// <summary>Parses and runs a command line; returns the exit code. User errors print one line to stderr.</summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        try { PluginOption.LoadNamedIn(args); }
        catch (ArgumentException e)
        {
            stderr.WriteLine($"rhmlab: error: {OneLine(e.Message)}");
            return UserError;
        }
        // A root named "rhmlab", not RootCommand (named after the executable, RhmLab.Cli): usage lines in --help
        // must show the command users type. It gets RootCommand's help and version options.
        var root = new Command("rhmlab", "RhmLab: the Random Hierarchy Model, hierarchical CNNs and local learning rules (arXiv 2605.18557).")
        {
            Options = { new System.CommandLine.Help.HelpOption(), new VersionOption() },
        };
        root.Subcommands.Add(DataCommand.Create(stdout));
        root.Subcommands.Add(TrainCommand.Create(stdout, stderr));
        root.Subcommands.Add(BenchCommand.Create(stdout));
        root.Subcommands.Add(SweepCommand.Create(stdout, stderr));
        root.Subcommands.Add(SlurmCommand.Create(stdout));
        root.Subcommands.Add(ResultsCommand.Create(stdout, stderr));
        root.Subcommands.Add(PStarCommand.Create(stdout, stderr));
        root.Subcommands.Add(PlotCommand.Create(stdout, stderr));
        root.Subcommands.Add(ReportCommand.Create(stdout, stderr));
        root.Subcommands.Add(SensitivityCommand.Create(stdout));
        root.Subcommands.Add(ReproduceCommand.Create(stdout, stderr));
        root.Subcommands.Add(CostCommand.Create(stdout, stderr));
        // No response files: "@path" would make the parser read any file to its end before anything is checked
        // (rhmlab @/dev/zero died out of memory), and run configs and sweep plans already hold long option lists.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            // An unknown word first: otherwise "rhmlab frobnicate" reports only "Required command was not provided."
            string message = parse.UnmatchedTokens.Count > 0
                ? $"unrecognized command or argument '{parse.UnmatchedTokens[0]}'"
                : parse.Errors[0].Message;
            stderr.WriteLine($"rhmlab: error: {OneLine(message)}");
            return UserError;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (IsUserError(e))
        {
            stderr.WriteLine($"rhmlab: error: {OneLine(e.Message)}");
            return UserError;
        }
    }

    /// <summary>Exceptions that describe a mistake in the user's input rather than a bug.</summary>
    public static bool IsUserError(Exception e) =>
        e is ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException or JsonException
            or InvalidOperationException or FormatException or OverflowException or NotSupportedException;

    /// <summary>The first line of a message, without the " (Parameter 'x')" suffix of argument exceptions.</summary>
    public static string OneLine(string message)
    {
        int nl = message.IndexOf('\n');
        if (nl >= 0) message = message[..nl];
        int par = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (par >= 0) message = message[..par];
        return message.TrimEnd('\r');
    }
}
