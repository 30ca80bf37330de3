using System.Text.Json.Nodes;

namespace RhmLab.Experiments;

/// <summary>
/// The finished run records under other results folders, by run key, for a sweep's <c>--reuse</c>. A run key is the
/// hash of a run's whole configuration (<see cref="RunHash"/>), and a run is deterministic for its configuration, so a
/// valid record with the same key in another folder is the record this run would write: it can be copied instead of
/// computed again. Every <c>runs/&lt;hash&gt;/</c> below a folder counts, at any depth (a whole <c>results/paper</c>
/// can be named). The folders are listed once, when the index is made; each record is validated when it is looked up,
/// as a sweep validates its own (<see cref="SweepStore.TryReadResult(string, string)"/>).
/// </summary>
public sealed class RecordIndex
{
    private readonly Dictionary<string, List<string>> _byHash;

    /// <summary>
    /// An index of the records under <paramref name="roots"/>, listed now (folders that cannot be read are passed over);
    /// each must be an existing folder.
    /// </summary>
    public RecordIndex(IReadOnlyList<string> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        _byHash = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true, IgnoreInaccessible = true, MatchCasing = MatchCasing.CaseSensitive,
            AttributesToSkip = FileAttributes.ReparsePoint,
        };
        foreach (string root in roots)
        {
            if (!Directory.Exists(root))
                throw new ArgumentException(File.Exists(root)
                    ? $"--reuse: '{root}' is a file, not a results folder"
                    : $"--reuse: folder '{root}' does not exist");
            IEnumerable<string> runsFolders = Path.GetFileName(Path.TrimEndingDirectorySeparator(root)) == "runs"
                ? [root]
                : Directory.EnumerateDirectories(root, "runs", options);
            // In ordinal order, so that which of several copies is taken does not depend on the file system.
            foreach (string runs in runsFolders.Order(StringComparer.Ordinal))
                foreach (string dir in Directory.EnumerateDirectories(runs, "*", new EnumerationOptions { IgnoreInaccessible = true }).Order(StringComparer.Ordinal))
                {
                    string hash = Path.GetFileName(dir);
                    if (!RunHash.IsValid(hash)) continue;
                    if (!_byHash.TryGetValue(hash, out var list)) _byHash[hash] = list = [];
                    list.Add(dir);
                }
        }
    }

    /// <summary>Whether no run folder was found.</summary>
    public bool IsEmpty => _byHash.Count == 0;

    /// <summary>
    /// A valid record of the run <paramref name="hash"/> under the folders, and the run folder it is in; null when none
    /// is. Run folders equal to <paramref name="except"/> (the sweep's own) are passed over.
    /// </summary>
    public JsonObject? Find(string hash, string? except, out string? source)
    {
        source = null;
        if (!_byHash.TryGetValue(hash, out var dirs)) return null;
        string? own = except is null ? null : Path.GetFullPath(except);
        foreach (string dir in dirs)
        {
            if (own != null && string.Equals(Path.GetFullPath(dir), own, StringComparison.Ordinal)) continue;
            if (SweepStore.TryReadResult(dir, hash) is { } record)
            {
                source = dir;
                return record;
            }
        }
        return null;
    }
}
