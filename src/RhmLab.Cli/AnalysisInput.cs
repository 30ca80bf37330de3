using System.CommandLine;
using RhmLab.Analysis;

namespace RhmLab.Cli;

/// <summary>The folder arguments of the analysis commands, and reading them.</summary>
internal static class AnalysisInput
{
    /// <summary>One or more folders: a depth comparison reads the campaign's folders together (results/paper/L2 L3 depth).</summary>
    public static Argument<string[]> Folder() => new("folder")
    {
        Description = "Folder(s) searched recursively for result.json files; several are read as one set",
        Arity = ArgumentArity.OneOrMore,
    };

    /// <summary>
    /// Reads the records of every folder (warnings for skipped files go to stderr), each run once
    /// (<see cref="RecordSet.DistinctRuns"/>); no readable record is a user error.
    /// </summary>
    public static RecordSet Read(IReadOnlyList<string> folders, TextWriter stderr)
    {
        var sets = folders.Select(f => RecordReader.Read(f, stderr)).ToList();
        var set = sets.Count == 1 ? sets[0]
            : new RecordSet(string.Join(", ", folders), sets.SelectMany(s => s.Records).ToList(), sets.SelectMany(s => s.Skipped).ToList());
        set = set.DistinctRuns(out int repeats, out var differing);
        if (repeats > 0)
            stderr.WriteLine($"rhmlab: note: {repeats} record(s) repeat a run already read (the same run key in another folder: a copy made by --reuse, or a run a check shares with a campaign); each run counts once, as its first record in the order read");
        foreach (var (kept, leftOut) in differing)
            stderr.WriteLine($"rhmlab: warning: {leftOut} has the run key of {kept} but other results; only the first counts");
        if (set.Records.Count == 0)
            throw new InvalidDataException(set.Skipped.Count == 0
                ? $"no result.json under '{set.Root}'"
                : $"no readable result.json under '{set.Root}' ({set.Skipped.Count} skipped)");
        return set;
    }
}
