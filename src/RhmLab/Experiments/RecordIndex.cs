using System.Text.Json.Nodes;

namespace RhmLab.Experiments;

/// <summary>
/// The finished run records under other results folders, by run key, for a sweep's <c>--reuse</c>. A run key is the
/// hash of a run's whole configuration (<see cref="RunHash"/>), and a run is deterministic for its configuration, so a
/// valid record with the same key in another folder is the record this run would write: it can be copied instead of
/// computed again. Every <c>runs/&lt;hash&gt;/</c> below a folder counts, at any depth (a whole <c>results/paper</c>
/// can be named). The folders are listed once, on the first lookup; each record is validated when it is looked up, as
/// a sweep validates its own (<see cref="SweepStore.TryReadResult(string, string)"/>).
/// </summary>
public sealed class RecordIndex
{
    private readonly IReadOnlyList<string> _roots;
    private readonly Lazy<Dictionary<string, List<string>>> _byHash;

    /// <summary>An index of the records under <paramref name="roots"/> (listed on first use).</summary>
    public RecordIndex(IReadOnlyList<string> roots)
    {
        _roots = roots ?? throw new ArgumentNullException(nameof(roots));
        _byHash = new Lazy<Dictionary<string, List<string>>>(List, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Whether there is no folder to look in.</summary>
    public bool IsEmpty => _roots.Count == 0;

    /// <summary>
    /// A valid record of the run <paramref name="hash"/> under the folders, and the run folder it is in; null when none
    /// is. Run folders equal to <paramref name="except"/> (the sweep's own) are passed over.
    /// </summary>
    public JsonObject? Find(string hash, string? except, out string? source)
    {
        source = null;
        if (IsEmpty || !_byHash.Value.TryGetValue(hash, out var dirs)) return null;
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

    private Dictionary<string, List<string>> List()
    {
        var map = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string root in _roots)
        {
            IEnumerable<string> runsFolders;
            try
            {
                runsFolders = Path.GetFileName(Path.TrimEndingDirectorySeparator(root)) == "runs"
                    ? [root]
                    : Directory.EnumerateDirectories(root, "runs", SearchOption.AllDirectories);
                foreach (string runs in runsFolders)
                    foreach (string dir in Directory.EnumerateDirectories(runs))
                    {
                        string hash = Path.GetFileName(dir);
                        if (!RunHash.IsValid(hash)) continue;
                        if (!map.TryGetValue(hash, out var list)) map[hash] = list = [];
                        list.Add(dir);
                    }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"--reuse: cannot list the records under '{root}' ({SweepStore.OneLine(e.Message)})", e);
            }
        }
        return map;
    }
}
