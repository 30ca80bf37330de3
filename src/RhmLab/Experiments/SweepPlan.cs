using RhmLab.IO;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RhmLab.Experiments;

/// <summary>
/// A sweep plan: the cartesian product of a grid of run options, each point merged with a set of fixed options
/// (docs/SWEEPS.md). Parsing validates everything a sweep could trip over later (JSON syntax, duplicate keys, unknown
/// options, value types, empty lists, overlaps between grid and fixed, and every point's resolved run), so a plan
/// that parses can be handed to a cluster without a late surprise. Errors are one-line
/// <see cref="ArgumentException"/>s that name the field.
/// </summary>
public sealed class SweepPlan
{
    /// <summary>The pseudo-option that sets n_c, m and v to one value.</summary>
    public const string NmvKey = "nmv";

    /// <summary>Largest number of points a plan may have (each point is resolved when the plan is read).</summary>
    public const int MaxPoints = 100_000;

    private static readonly string[] TopLevelKeys = ["grid", "fixed", "description", "search"];

    private SweepPlan(JsonObject source, IReadOnlyList<KeyValuePair<string, JsonArray>> grid, JsonObject fixedOptions, IReadOnlyList<SweepPoint> points, PStarSearchOptions? search = null)
    {
        Search = search;
        Source = source;
        Grid = grid;
        Fixed = fixedOptions;
        Points = points;
    }

    /// <summary>
    /// The adaptive P* search (<c>"search"</c>), or null for a plain grid. In a search plan each point stands for one
    /// configuration and seed at the search's first P; <see cref="SearchRunner"/> chooses the other sizes.
    /// </summary>
    public PStarSearchOptions? Search { get; }

    /// <summary>A plan holding given points (the runs of one search step), for <see cref="SweepRunner"/>.</summary>
    internal static SweepPlan FromPoints(SweepPlan parent, IReadOnlyList<SweepPoint> points) =>
        new(parent.Source, parent.Grid, parent.Fixed, points);

    /// <summary>The plan as written (comments dropped).</summary>
    public JsonObject Source { get; }

    /// <summary>The grid axes in the order written; the first axis varies slowest.</summary>
    public IReadOnlyList<KeyValuePair<string, JsonArray>> Grid { get; }

    /// <summary>The fixed options.</summary>
    public JsonObject Fixed { get; }

    /// <summary>Every point, in the plan's canonical order (<see cref="SweepPoint.Index"/> = position).</summary>
    public IReadOnlyList<SweepPoint> Points { get; }

    /// <summary>The plan as JSON (what <see cref="Parse"/> read, for the sweep manifest).</summary>
    public JsonObject ToJson() => (JsonObject)Source.DeepClone();

    /// <summary>Reads a plan file; <paramref name="where"/> prefixes error messages (default: the path).</summary>
    public static SweepPlan Load(string path, string? where = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try { text = TextInput.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        { throw new ArgumentException($"plan: cannot read '{path}' ({(e is ArgumentException or NotSupportedException ? "not a valid path" : e.Message)})"); }
        return Parse(text, where ?? path);
    }

    /// <summary>Parses plan text. <paramref name="where"/> prefixes every error message.</summary>
    public static SweepPlan Parse(string json, string where = "plan")
    {
        ArgumentNullException.ThrowIfNull(json);
        CheckSyntaxAndDuplicateKeys(json, where);
        JsonNode? root;
        try { root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip }); }
        catch (JsonException e) { throw new ArgumentException($"{where}: not valid JSON ({FirstLine(e.Message)})"); }
        if (root is not JsonObject top) throw new ArgumentException($"{where}: a plan must be a JSON object with \"grid\" and \"fixed\"");
        foreach (var (key, _) in top)
            if (!TopLevelKeys.Contains(key))
                throw new ArgumentException($"{where}: unknown top-level key '{key}' (expected {string.Join(", ", TopLevelKeys)})");
        if (top["description"] is { } desc && (desc is not JsonValue dv || !dv.TryGetValue(out string? _)))
            throw new ArgumentException($"{where}: description: expected a string");

        PStarSearchOptions? search = top["search"] is { } searchNode ? PStarSearchOptions.Parse(searchNode, where) : null;
        var fixedOptions = new JsonObject();
        var canonicalOwner = new Dictionary<string, string>(StringComparer.Ordinal);   // option key -> field that sets it
        if (top["fixed"] is { } fixedNode)
        {
            if (fixedNode is not JsonObject fo) throw new ArgumentException($"{where}: fixed: expected an object of options");
            foreach (var (key, value) in fo)
            {
                string canon = Canonicalize(key, $"fixed.{key}", where);
                Claim(canonicalOwner, canon, $"fixed.{key}", where);
                CheckValue(canon, value, $"fixed.{key}", where);
                fixedOptions[canon] = value?.DeepClone();
            }
        }

        var grid = new List<KeyValuePair<string, JsonArray>>();
        if (top["grid"] is { } gridNode)
        {
            if (gridNode is not JsonObject go) throw new ArgumentException($"{where}: grid: expected an object of option lists");
            foreach (var (key, value) in go)
            {
                string canon = Canonicalize(key, $"grid.{key}", where);
                Claim(canonicalOwner, canon, $"grid.{key}", where);
                if (value is not JsonArray list)
                    throw new ArgumentException($"{where}: grid.{key}: expected a list of values, got {Show(value)}");
                if (list.Count == 0) throw new ArgumentException($"{where}: grid.{key}: the list is empty");
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (int i = 0; i < list.Count; i++)
                {
                    CheckValue(canon, list[i], $"grid.{key}[{i}]", where);
                    if (!seen.Add(RunHash.Canonical(list[i])))
                        throw new ArgumentException($"{where}: grid.{key}[{i}]: value {Show(list[i])} appears twice");
                }
                grid.Add(KeyValuePair.Create(canon, (JsonArray)list.DeepClone()));
            }
        }

        if (search != null)
            foreach (string key in (string[])["train", "train-x"])
                if (canonicalOwner.TryGetValue(key, out string? field))
                    throw new ArgumentException($"{where}: {field}: a plan with \"search\" chooses P itself (leave train and train-x out)");

        long count = 1;
        foreach (var (key, values) in grid)
        {
            count *= values.Count;
            if (count > MaxPoints)
                throw new ArgumentException($"{where}: grid: more than {MaxPoints} points (split the plan)");
        }

        var points = new List<SweepPoint>((int)count);
        var byHash = new Dictionary<string, int>(StringComparer.Ordinal);
        bool threadsSet = canonicalOwner.ContainsKey("threads");
        for (int index = 0; index < count; index++)
        {
            var values = new JsonObject();
            int rest = index;
            var picks = new JsonNode?[grid.Count];
            for (int g = grid.Count - 1; g >= 0; g--)
            {
                var axis = grid[g].Value;
                picks[g] = axis[rest % axis.Count];
                rest /= axis.Count;
            }
            for (int g = 0; g < grid.Count; g++) values[grid[g].Key] = picks[g]?.DeepClone();
            string label = Label(values);

            var config = new RunConfig();
            // Each run gets one core: parallelism comes from running several runs at once.
            if (!threadsSet) config.Execution.Threads = 1;
            // The fixed options and the point's values together, so that the rule, wherever it is given, comes first.
            var assignment = new JsonObject();
            foreach (var (key, value) in fixedOptions) Expand(assignment, key, value);
            foreach (var (key, value) in values) Expand(assignment, key, value);
            ResolvedRun run;
            try
            {
                RunOptions.Apply(config, assignment);
                if (search != null)
                {
                    // A search point stands for its configuration at the first P, with the test size of all its runs.
                    var rhm = config.Rhm.Parameters;
                    var probeStop = config.Training.ProbeStop;
                    var (start, min, max, test) = PStarSearch.Range(rhm, search, config.Data.Test, probeStop.Enabled ? probeStop.Data : 0);
                    // Every size between the ends resolves when both ends do: check them now, not hours into the search.
                    foreach (long size in (long[])[min, max])
                    {
                        var end = config.Clone();
                        end.Data.Train = size;
                        end.Data.Test = test;
                        try { ResolvedRun.Resolve(end); }
                        catch (ArgumentException e) { throw new ArgumentException($"search at train = {size}: {FirstLine(e.Message)}"); }
                    }
                    config.Data.Train = start;
                    config.Data.Test = test;
                }
                run = ResolvedRun.Resolve(config);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or OverflowException)
            {
                string at = label.Length > 0 ? $"point {index} ({label})" : $"point {index}";
                throw new ArgumentException($"{where}: {at}: {FirstLine(e.Message)}");
            }
            string hash = RunHash.Of(config);
            if (byHash.TryGetValue(hash, out int other))
                throw new ArgumentException($"{where}: point {index} ({label}) has the same config as point {other} ({points[other].Label})");
            byHash[hash] = index;
            points.Add(new SweepPoint(index, values, config, run, hash, label));
        }
        return new SweepPlan(top, grid, fixedOptions, points, search);
    }

    /// <summary>Adds one plan option (a run option, or <c>nmv</c> for n_c, m and v) to the assignment of a point.</summary>
    private static void Expand(JsonObject assignment, string key, JsonNode? value)
    {
        if (key == NmvKey)
        {
            foreach (var k in new[] { "nc", "m", "v" }) assignment[k] = value?.DeepClone();
            return;
        }
        assignment[key] = value?.DeepClone();
    }

    /// <summary>The option key a plan key stands for (<c>depth</c> is <c>L</c>); unknown keys are errors.</summary>
    private static string Canonicalize(string key, string field, string where)
    {
        if (key == NmvKey) return NmvKey;
        var opt = RunOptions.Find(key) ?? throw new ArgumentException($"{where}: {field}: unknown option '{key}'");
        return opt.Key;
    }

    /// <summary>Records which field sets an option, so no option is set twice (directly, by alias or through nmv).</summary>
    private static void Claim(Dictionary<string, string> owner, string canon, string field, string where)
    {
        var keys = canon == NmvKey ? new[] { NmvKey, "nc", "m", "v" } : canon is "nc" or "m" or "v" ? new[] { canon, NmvKey } : new[] { canon };
        foreach (var k in keys)
            if (owner.TryGetValue(k, out string? first))
                throw new ArgumentException($"{where}: {field}: conflicts with {first} (an option may be set once, in grid or in fixed)");
        owner[canon] = field;
    }

    /// <summary>Checks a value against its option's declaration, whatever the rule, so type errors surface now, named by their field.</summary>
    private static void CheckValue(string canon, JsonNode? value, string field, string where)
    {
        try { RunOptions.Find(canon == NmvKey ? "nc" : canon)!.Check(value); }
        catch (ArgumentException e)
        {
            string message = FirstLine(e.Message);
            foreach (var prefix in new[] { canon + ": ", "nc: " })
                if (message.StartsWith(prefix, StringComparison.Ordinal)) { message = message[prefix.Length..]; break; }
            throw new ArgumentException($"{where}: {field}: {message}");
        }
    }

    /// <summary>"rule=bp seed=2": the grid values of a point, for progress lines and error messages.</summary>
    internal static string Label(JsonObject values)
    {
        var sb = new StringBuilder();
        foreach (var (key, value) in values)
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(key).Append('=').Append(value is JsonValue v && v.TryGetValue(out string? s) ? s : Show(value));
        }
        return sb.ToString();
    }

    /// <summary>
    /// Walks the text once with a reader, because <see cref="JsonNode.Parse(string, JsonNodeOptions?, JsonDocumentOptions)"/>
    /// keeps the last of two equal keys without a word, and a plan that silently drops a grid axis is a wasted cluster run.
    /// </summary>
    private static void CheckSyntaxAndDuplicateKeys(string json, string where)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var frames = new Stack<Frame>();
        string? pendingName = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        string path = ChildPath(frames, pendingName);
                        AfterValue(frames);
                        pendingName = null;
                        frames.Push(new Frame(path, reader.TokenType == JsonTokenType.StartObject ? new HashSet<string>(StringComparer.Ordinal) : null));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        frames.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        string name = reader.GetString()!;
                        var frame = frames.Peek();
                        if (!frame.Keys!.Add(name))
                        {
                            string field = frame.Path.Length == 0 ? name : $"{frame.Path}.{name}";
                            throw new ArgumentException($"{where}: {field}: duplicate key");
                        }
                        pendingName = name;
                        break;
                    default:
                        AfterValue(frames);
                        pendingName = null;
                        break;
                }
            }
        }
        catch (JsonException e) { throw new ArgumentException($"{where}: not valid JSON ({FirstLine(e.Message)})"); }

        static string ChildPath(Stack<Frame> frames, string? name)
        {
            if (frames.Count == 0) return "";
            var parent = frames.Peek();
            if (parent.Keys == null) return $"{parent.Path}[{parent.NextIndex}]";
            return parent.Path.Length == 0 ? name ?? "" : $"{parent.Path}.{name}";
        }

        static void AfterValue(Stack<Frame> frames)
        {
            if (frames.Count > 0 && frames.Peek().Keys == null) frames.Peek().NextIndex++;
        }
    }

    private sealed class Frame(string path, HashSet<string>? keys)
    {
        public string Path { get; } = path;
        public HashSet<string>? Keys { get; } = keys;
        public int NextIndex { get; set; }
    }

    private static string Show(JsonNode? n) => n is null ? "null" : n.ToJsonString();

    private static string FirstLine(string s)
    {
        int nl = s.IndexOf('\n');
        return (nl >= 0 ? s[..nl] : s).TrimEnd('\r');
    }

    /// <summary>The points of one shard, in plan order.</summary>
    public IEnumerable<SweepPoint> PointsOf(SweepShard? shard) => shard is null ? Points : Points.Where(p => shard.Contains(p.Index));
}

/// <summary>One point of a plan: its grid values, its full config, the resolved run and the run hash.</summary>
public sealed class SweepPoint
{
    internal SweepPoint(int index, JsonObject values, RunConfig config, ResolvedRun run, string hash, string label)
    {
        Index = index; Values = values; Config = config; Run = run; Hash = hash; Label = label;
    }

    /// <summary>Position in the plan's canonical order (0-based).</summary>
    public int Index { get; }
    /// <summary>The grid values of this point (keys as in the plan, <c>depth</c> written as <c>L</c>).</summary>
    public JsonObject Values { get; }
    /// <summary>The full config (fixed and grid options applied to the defaults).</summary>
    public RunConfig Config { get; }
    /// <summary>The resolved run.</summary>
    public ResolvedRun Run { get; }
    /// <summary>The run hash (<see cref="RunHash.Of"/>), which names the run's folder.</summary>
    public string Hash { get; }
    /// <summary>"rule=bp seed=2".</summary>
    public string Label { get; }
}

/// <summary>
/// One of n disjoint parts of a plan: shard i (1-based) holds the points whose index satisfies index mod n = i − 1,
/// so consecutive points, which often differ only in the seed, spread over all shards.
/// </summary>
public sealed class SweepShard
{
    /// <summary>A shard; throws when not 1 ≤ index ≤ count.</summary>
    public SweepShard(int index, int count)
    {
        if (count < 1) throw new ArgumentException($"--shard: the number of shards must be >= 1 (got {count})");
        if (index < 1 || index > count) throw new ArgumentException($"--shard: i must be in 1..{count} (got {index})");
        Index = index; Count = count;
    }

    /// <summary>i, 1-based.</summary>
    public int Index { get; }
    /// <summary>n.</summary>
    public int Count { get; }

    /// <summary>Whether the point with this plan index belongs to the shard.</summary>
    public bool Contains(int pointIndex) => pointIndex % Count == Index - 1;

    /// <summary>Parses "i/n".</summary>
    public static SweepShard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            throw new ArgumentException($"--shard: expected i/n with whole numbers, e.g. 2/8 (got '{text}')");
        return new SweepShard(i, n);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Index}/{Count}";
}
