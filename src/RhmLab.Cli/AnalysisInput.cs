using System.CommandLine;
using RhmLab.Analysis;

namespace RhmLab.Cli;

/// <summary>The folder argument of the analysis commands, and reading it.</summary>
internal static class AnalysisInput
{
    public static Argument<string> Folder() => new("folder") { Description = "Folder searched recursively for result.json files" };

    /// <summary>Reads the records (warnings for skipped files go to stderr); no readable record is a user error.</summary>
    public static RecordSet Read(string folder, TextWriter stderr)
    {
        var set = RecordReader.Read(folder, stderr);
        if (set.Records.Count == 0)
            throw new InvalidDataException(set.Skipped.Count == 0
                ? $"no result.json under '{folder}'"
                : $"no readable result.json under '{folder}' ({set.Skipped.Count} skipped)");
        return set;
    }
}
