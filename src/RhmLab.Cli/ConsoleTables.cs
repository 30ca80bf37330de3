using Spectre.Console;

namespace RhmLab.Cli;

/// <summary>Writes Spectre tables to a plain writer: no colour or cursor codes, so redirected output stays clean.</summary>
internal static class ConsoleTables
{
    public static void Write(TextWriter w, Table table)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(w), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 200;
        console.Write(table);
    }

    /// <summary>Spectre reads square brackets as markup; every cell goes through this.</summary>
    public static string Cell(string? text) => Markup.Escape(text ?? "");
}
