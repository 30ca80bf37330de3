using System.Numerics;
using System.Runtime.CompilerServices;

namespace RhmLab.Rhm;

/// <summary>
/// The production rules of one RHM: for every level l = 1..L a table giving each parent symbol its m productions,
/// each an s-tuple of level-(l−1) symbols (docs/METHODS.md §1.3). Levels are numbered bottom-up (0 = input tokens,
/// L = class). The grammar generates a datum from its class and production choices, and parses a string back.
/// </summary>
public sealed class Grammar
{
    // _productions[l-1][(a*m + j)*s + q] = child q of production j of parent a at level l; -1 for a v1 symbol without rules.
    private readonly int[][] _productions;
    // _inverse[l-1][tuple] = a*m + j of the unique production using that tuple at level l, or -1.
    private readonly int[][] _inverse;
    // _hasRules[l-1][a] for the v1 generator, where unused symbols get no productions.
    private readonly bool[][] _hasRules;

    /// <summary>The model's parameters.</summary>
    public RhmParameters Parameters { get; }

    /// <summary>The generator that drew the rules.</summary>
    public RuleVersion Version { get; }

    /// <summary>The seed of the <c>rules</c> stream used to draw the rules (null for rules loaded without one).</summary>
    public long? Seed { get; }

    private Grammar(RhmParameters p, RuleVersion version, long? seed, int[][] productions)
    {
        Parameters = p;
        Version = version;
        Seed = seed;
        _productions = productions;
        _inverse = new int[p.Depth][];
        _hasRules = new bool[p.Depth][];
        int m = p.Synonyms, s = p.TupleSize, v = p.Vocabulary;
        for (int l = 1; l <= p.Depth; l++)
        {
            var inv = new int[p.TupleCount];
            Array.Fill(inv, -1);
            int parents = p.ParentsAtLevel(l);
            var has = new bool[parents];
            var table = productions[l - 1];
            for (int a = 0; a < parents; a++)
            {
                if (table[a * m * s] < 0) continue;
                has[a] = true;
                for (int j = 0; j < m; j++)
                {
                    int t = 0;
                    for (int q = 0; q < s; q++) t = t * v + table[(a * m + j) * s + q];
                    inv[t] = a * m + j;
                }
            }
            _inverse[l - 1] = inv;
            _hasRules[l - 1] = has;
        }
    }

    /// <summary>
    /// Draws the rules of a new RHM from the <c>rules</c> stream of <paramref name="seed"/>.
    /// </summary>
    /// <param name="parameters">Model parameters; validated first.</param>
    /// <param name="seed">Seed of the <c>rules</c> stream.</param>
    /// <param name="version">Generator, <see cref="RuleVersion.V2"/> by default.</param>
    /// <param name="dynamicV1Constraint">v1 only: check m·|U_l| ≤ v^s during generation instead of the v2 inequality up front.</param>
    public static Grammar Sample(RhmParameters parameters, long seed, RuleVersion version = RuleVersion.V2, bool dynamicV1Constraint = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate(version == RuleVersion.V1 && dynamicV1Constraint);
        var rng = Rng.ForStream(seed, "rules");
        var tables = version == RuleVersion.V2 ? SampleV2(parameters, rng) : SampleV1(parameters, rng);
        return new Grammar(parameters, version, seed, tables);
    }

    private static int[][] SampleV2(RhmParameters p, Rng rng)
    {
        var tables = new int[p.Depth][];
        var pool = new int[p.TupleCount];
        for (int l = p.Depth; l >= 1; l--)
        {
            int parents = p.ParentsAtLevel(l);
            int count = parents * p.Synonyms;
            // Ordered sample without replacement: a partial Fisher–Yates over all tuple numbers.
            for (int i = 0; i < pool.Length; i++) pool[i] = i;
            var table = new int[count * p.TupleSize];
            for (int i = 0; i < count; i++)
            {
                int k = i + (int)rng.NextBelow((ulong)(pool.Length - i));
                (pool[i], pool[k]) = (pool[k], pool[i]);
                WriteTuple(p, pool[i], table.AsSpan(i * p.TupleSize, p.TupleSize));
            }
            tables[l - 1] = table;
        }
        return tables;
    }

    private static int[][] SampleV1(RhmParameters p, Rng rng)
    {
        var tables = new int[p.Depth][];
        var used = new SortedSet<int>(Enumerable.Range(0, p.Classes));
        var perm = new int[p.TupleCount];
        for (int l = p.Depth; l >= 1; l--)
        {
            int parents = p.ParentsAtLevel(l);
            long need = (long)p.Synonyms * used.Count;
            if (need > p.TupleCount)
                throw new InvalidOperationException(
                    $"m: level {l} needs m*|U| = {p.Synonyms}*{used.Count} = {need} distinct s-tuples, only v^s = {p.TupleCount} exist");
            for (int i = 0; i < perm.Length; i++) perm[i] = i;
            rng.Shuffle(perm.AsSpan());
            var table = new int[parents * p.Synonyms * p.TupleSize];
            Array.Fill(table, -1);
            var next = new SortedSet<int>();
            int t = 0;
            foreach (int a in used)
            {
                for (int j = 0; j < p.Synonyms; j++, t++)
                {
                    var dst = table.AsSpan((a * p.Synonyms + j) * p.TupleSize, p.TupleSize);
                    WriteTuple(p, perm[t], dst);
                    foreach (int b in dst) next.Add(b);
                }
            }
            tables[l - 1] = table;
            used = next;
        }
        return tables;
    }

    private static void WriteTuple(RhmParameters p, int tuple, Span<int> dst)
    {
        // First child most significant: t = Σ_q b_q·v^(s−1−q).
        for (int q = p.TupleSize - 1; q >= 0; q--)
        {
            dst[q] = tuple % p.Vocabulary;
            tuple /= p.Vocabulary;
        }
    }

    /// <summary>
    /// Builds a grammar from explicit rule tables (bottom-up: <paramref name="tables"/>[l−1] is level l, of shape
    /// [parents, m, s] flattened row-major; −1 rows mark v1 symbols without rules). Validates every table.
    /// </summary>
    public static Grammar FromTables(RhmParameters parameters, IReadOnlyList<int[]> tables, RuleVersion version = RuleVersion.V2, long? seed = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(tables);
        parameters.Validate(version == RuleVersion.V1);
        var p = parameters;
        if (tables.Count != p.Depth)
            throw new ArgumentException($"rules: expected {p.Depth} level tables, got {tables.Count}");
        var copy = new int[p.Depth][];
        for (int l = 1; l <= p.Depth; l++)
        {
            var table = tables[l - 1] ?? throw new ArgumentException($"rules_{l}: missing table");
            int parents = p.ParentsAtLevel(l);
            if (table.Length != parents * p.Synonyms * p.TupleSize)
                throw new ArgumentException($"rules_{l}: expected shape [{parents}, {p.Synonyms}, {p.TupleSize}], got {table.Length} entries");
            var seen = new HashSet<int>();
            int withRules = 0;
            for (int a = 0; a < parents; a++)
            {
                bool none = table[a * p.Synonyms * p.TupleSize] < 0;
                if (!none) withRules++;
                for (int j = 0; j < p.Synonyms; j++)
                {
                    int t = 0;
                    for (int q = 0; q < p.TupleSize; q++)
                    {
                        int b = table[(a * p.Synonyms + j) * p.TupleSize + q];
                        if (none)
                        {
                            if (b != -1 || version != RuleVersion.V1)
                                throw new ArgumentException($"rules_{l}: symbol {a} has a negative entry (only v1 rules may leave a symbol without productions, as a row of -1)");
                            continue;
                        }
                        if (b < 0 || b >= p.Vocabulary)
                            throw new ArgumentException($"rules_{l}: symbol {b} in production {j} of parent {a} is outside [0, {p.Vocabulary})");
                        t = t * p.Vocabulary + b;
                    }
                    if (!none && !seen.Add(t))
                        throw new ArgumentException($"rules_{l}: tuple of production {j} of parent {a} is used twice within the level (rules must be unambiguous)");
                }
            }
            if (l == p.Depth && withRules != parents)
                throw new ArgumentException($"rules_{l}: every class needs {p.Synonyms} productions");
            copy[l - 1] = (int[])table.Clone();
        }
        // v1: a symbol produced at level l must have productions of its own at level l−1 (else generation emits −1).
        for (int l = p.Depth; l >= 2; l--)
        {
            var table = copy[l - 1];
            var below = copy[l - 2];
            foreach (int b in table)
                if (b >= 0 && below[b * p.Synonyms * p.TupleSize] < 0)
                    throw new ArgumentException($"rules_{l - 1}: symbol {b} is produced at level {l} but has no productions at level {l - 1}");
        }
        return new Grammar(p, version, seed, copy);
    }

    /// <summary>The level-l table as a flat row-major [parents, m, s] span (l = 1..L).</summary>
    public ReadOnlySpan<int> Productions(int level)
    {
        CheckLevel(level);
        return _productions[level - 1];
    }

    /// <summary>The s children of production <paramref name="choice"/> of <paramref name="parent"/> at <paramref name="level"/>.</summary>
    public ReadOnlySpan<int> Production(int level, int parent, int choice)
    {
        int s = Parameters.TupleSize;
        return Productions(level).Slice((parent * Parameters.Synonyms + choice) * s, s);
    }

    /// <summary>Whether a symbol has productions at a level (always true under v2).</summary>
    public bool HasRules(int level, int symbol)
    {
        CheckLevel(level);
        return _hasRules[level - 1][symbol];
    }

    /// <summary>
    /// The (parent, choice) that produces a tuple at a level, or null if no production uses it.
    /// </summary>
    public (int Parent, int Choice)? Producer(int level, ReadOnlySpan<int> tuple)
    {
        CheckLevel(level);
        int t = TupleNumber(tuple);
        int k = _inverse[level - 1][t];
        return k < 0 ? null : (k / Parameters.Synonyms, k % Parameters.Synonyms);
    }

    private int TupleNumber(ReadOnlySpan<int> tuple)
    {
        int t = 0;
        foreach (int b in tuple) t = t * Parameters.Vocabulary + b;
        return t;
    }

    private void CheckLevel(int level)
    {
        if (level < 1 || level > Parameters.Depth)
            throw new ArgumentOutOfRangeException(nameof(level), $"level must be in 1..{Parameters.Depth} (got {level})");
    }

    /// <summary>
    /// Generates the leaf string of the datum with class <paramref name="label"/> and production choices
    /// <paramref name="choices"/> (N digits: root first, then each level top-down, nodes left to right).
    /// </summary>
    /// <param name="label">The class α.</param>
    /// <param name="choices">N production choices.</param>
    /// <param name="tokens">Output, s^L tokens; also used as scratch space.</param>
    public void Generate(int label, ReadOnlySpan<int> choices, Span<ushort> tokens)
    {
        var p = Parameters;
        int s = p.TupleSize, m = p.Synonyms;
        // The root's production comes from the label as an int: a class may exceed the 16-bit token range.
        var root = _productions[p.Depth - 1].AsSpan((label * m + choices[0]) * s, s);
        for (int q = 0; q < s; q++) tokens[q] = (ushort)root[q];
        int nodes = s;
        int offset = 1;
        for (int l = p.Depth - 1; l >= 1; l--)
        {
            var table = _productions[l - 1];
            // Right to left in place: node j's children go to s·j.., which no node left of j still needs.
            for (int j = nodes - 1; j >= 0; j--)
            {
                int baseIdx = (tokens[j] * m + choices[offset + j]) * s;
                for (int q = 0; q < s; q++) tokens[s * j + q] = (ushort)table[baseIdx + q];
            }
            offset += nodes;
            nodes *= s;
        }
    }

    /// <summary>
    /// Parses a leaf string bottom-up through the inverse tables. Returns false when some tuple is produced by no
    /// rule or the top parent is not a class, i.e. the string is not a valid datum.
    /// </summary>
    public bool TryParse(ReadOnlySpan<ushort> tokens, out int label, Span<int> choices)
    {
        var p = Parameters;
        int s = p.TupleSize, v = p.Vocabulary, m = p.Synonyms;
        label = -1;
        if (tokens.Length != p.InputLength) return false;
        Span<int> sym = tokens.Length <= 1024 ? stackalloc int[tokens.Length] : new int[tokens.Length];
        for (int i = 0; i < tokens.Length; i++)
        {
            if (tokens[i] >= v) return false;
            sym[i] = tokens[i];
        }
        int nodes = tokens.Length;
        for (int l = 1; l <= p.Depth; l++)
        {
            nodes /= s;
            var inv = _inverse[l - 1];
            int offset = p.ChoiceOffset(l);
            for (int j = 0; j < nodes; j++)
            {
                int t = 0;
                for (int q = 0; q < s; q++) t = t * v + sym[s * j + q];
                int k = inv[t];
                if (k < 0) return false;
                sym[j] = k / m;
                choices[offset + j] = k % m;
            }
        }
        if (sym[0] >= p.Classes) return false;
        label = sym[0];
        return true;
    }

    /// <summary>The leaf string of an index (see <see cref="Enumeration"/>).</summary>
    public ushort[] Datum(long index)
    {
        var e = new Enumeration(Parameters);
        var choices = new int[Parameters.ChoiceCount];
        int label = e.Decode(index, choices);
        var tokens = new ushort[Parameters.InputLength];
        Generate(label, choices, tokens);
        return tokens;
    }

    /// <summary>Symbols of every level for one datum: <c>result[l]</c> holds the s^(L−l) symbols of level l (l = 0..L).</summary>
    public int[][] LatentSymbols(int label, ReadOnlySpan<int> choices)
    {
        var p = Parameters;
        var levels = new int[p.Depth + 1][];
        levels[p.Depth] = [label];
        for (int l = p.Depth; l >= 1; l--)
        {
            var above = levels[l];
            var below = new int[above.Length * p.TupleSize];
            int offset = p.ChoiceOffset(l);
            for (int j = 0; j < above.Length; j++)
            {
                var prod = Production(l, above[j], choices[offset + j]);
                if (prod[0] < 0) throw new InvalidOperationException($"symbol {above[j]} has no rules at level {l}");
                prod.CopyTo(below.AsSpan(j * p.TupleSize));
            }
            levels[l - 1] = below;
        }
        return levels;
    }

    /// <summary>Generates the leaf string from explicit level symbols, regenerating below <paramref name="fromLevel"/>.</summary>
    internal void GenerateFrom(int[][] levels, int fromLevel, ReadOnlySpan<int> choices)
    {
        var p = Parameters;
        for (int l = fromLevel; l >= 1; l--)
        {
            var above = levels[l];
            var below = levels[l - 1];
            int offset = p.ChoiceOffset(l);
            for (int j = 0; j < above.Length; j++)
                Production(l, above[j], choices[offset + j]).CopyTo(below.AsSpan(j * p.TupleSize));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int TableEntry(int level, int index) => _productions[level - 1][index];
}
