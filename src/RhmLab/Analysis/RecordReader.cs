namespace RhmLab.Analysis;

/// <summary>A file that was not read, and why.</summary>
public sealed record SkippedRecord(string Path, string Reason);

/// <summary>The records found under a folder, and the files that were skipped.</summary>
public sealed record RecordSet(string Root, IReadOnlyList<RunRecord> Records, IReadOnlyList<SkippedRecord> Skipped)
{
    /// <summary>
    /// The set with each run once: a record whose run key (<see cref="RunRecord.RunHash"/>) an earlier record of the set
    /// has is left out, so that a run kept in two folders (copied by <c>--reuse</c>, or shared by a check and a
    /// campaign) does not weigh twice in a mean over seeds. Records without a key are all kept.
    /// <paramref name="repeats"/>: how many were left out; <paramref name="differing"/>: the pairs (kept, left out) whose
    /// results differ (the test error, the probe errors or the epochs run), which one key should never give (a record
    /// edited by hand, or made by a binary whose results changed).
    /// </summary>
    public RecordSet DistinctRuns(out int repeats, out IReadOnlyList<(string Kept, string LeftOut)> differing)
    {
        var kept = RecordReader.DistinctRuns(Records, out repeats, out differing);
        return repeats == 0 ? this : this with { Records = kept };
    }
}

/// <summary>
/// Finds every <c>result.json</c> under a folder (any depth, so single runs and sweep trees read alike) and parses
/// it. A damaged record (truncated by a killed writer, wrong types, missing fields) is skipped with one warning
/// line naming the file, so that one bad file neither stops an analysis nor enters a count.
/// </summary>
public static class RecordReader
{
    /// <summary>The file name every run writes.</summary>
    public const string FileName = "result.json";

    /// <summary>
    /// Each run once, as <see cref="RecordSet.DistinctRuns"/>: the records in their order, less those whose run key an
    /// earlier one has.
    /// </summary>
    public static IReadOnlyList<RunRecord> DistinctRuns(IReadOnlyList<RunRecord> records, out int repeats, out IReadOnlyList<(string Kept, string LeftOut)> differing)
    {
        ArgumentNullException.ThrowIfNull(records);
        var first = new Dictionary<string, RunRecord>(StringComparer.Ordinal);
        var kept = new List<RunRecord>();
        var diff = new List<(string, string)>();
        foreach (var r in records)
        {
            if (r.RunHash is null) { kept.Add(r); continue; }
            if (first.TryGetValue(r.RunHash, out var earlier))
            {
                if (!SameResults(earlier, r)) diff.Add((earlier.Path, r.Path));
                continue;
            }
            first[r.RunHash] = r;
            kept.Add(r);
        }
        repeats = records.Count - kept.Count;
        differing = diff;
        return kept;

        static bool SameResults(RunRecord a, RunRecord b) =>
            a.EpochsRun == b.EpochsRun && a.TestError.Equals(b.TestError) && a.ProbeErrors.AsSpan().SequenceEqual(b.ProbeErrors);
    }

    /// <summary>Reads every record under <paramref name="folder"/>, in path order; warnings go to <paramref name="warnings"/>.</summary>
    public static RecordSet Read(string folder, TextWriter? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (File.Exists(folder) && string.Equals(Path.GetFileName(folder), FileName, StringComparison.Ordinal))
            folder = Path.GetDirectoryName(Path.GetFullPath(folder)) ?? ".";
        if (!Directory.Exists(folder)) throw new ArgumentException($"folder '{folder}' does not exist");
        string root = Path.GetFullPath(folder);
        var files = Directory.EnumerateFiles(root, FileName, new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            MatchCasing = MatchCasing.CaseSensitive,
            AttributesToSkip = FileAttributes.ReparsePoint,
        }).Order(StringComparer.Ordinal).ToList();
        var records = new List<RunRecord>();
        var skipped = new List<SkippedRecord>();
        foreach (var file in files)
        {
            string id = Path.GetRelativePath(root, Path.GetDirectoryName(file)!).Replace('\\', '/');
            try
            {
                records.Add(RunRecord.Parse(File.ReadAllText(file), file, id));
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
            {
                skipped.Add(new SkippedRecord(file, e.Message));
                warnings?.WriteLine($"rhmlab: warning: skipping {file}: {e.Message}");
            }
        }
        return new RecordSet(root, records, skipped);
    }
}
