using System.Numerics;
using RhmLab.Rhm;

namespace RhmLab.Data;

/// <summary>
/// A training set of P and a test set of T data drawn from one grammar (docs/METHODS.md §1.7): distinct and disjoint
/// by default, with nested training sets across P for one sample seed.
/// </summary>
public sealed class DataSplit
{
    private DataSplit(Dataset train, Dataset test, SamplingOptions options, int duplicates)
    {
        Train = train;
        Test = test;
        Options = options;
        Duplicates = duplicates;
    }

    /// <summary>The P training data.</summary>
    public Dataset Train { get; }

    /// <summary>The T test data.</summary>
    public Dataset Test { get; }

    /// <summary>The sampling options used.</summary>
    public SamplingOptions Options { get; }

    /// <summary>Repeated indices observed (always 0 under <see cref="SamplingMode.Distinct"/>).</summary>
    public int Duplicates { get; }

    /// <summary>The default test size min(20 000, P_max − P_top) (§1.7).</summary>
    public static int DefaultTestSize(RhmParameters p, long largestTrain)
    {
        ArgumentNullException.ThrowIfNull(p);
        var rest = p.PMax - largestTrain;
        return rest < 20000 ? (int)BigInteger.Max(rest, BigInteger.Zero) : 20000;
    }

    /// <summary>
    /// Draws <paramref name="train"/> training and <paramref name="test"/> test data. Throws
    /// <see cref="ArgumentOutOfRangeException"/> when P &lt; 1, T &lt; 0, or P + T &gt; P_max for distinct sampling.
    /// </summary>
    public static DataSplit Sample(Grammar grammar, int train, int test, SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(options);
        var p = grammar.Parameters;
        if (train < 1) throw new ArgumentOutOfRangeException(null, $"train must be >= 1 (got {train})");
        if (test < 0) throw new ArgumentOutOfRangeException(null, $"test must be >= 0 (got {test})");
        long total = (long)train + test;
        if (total > int.MaxValue) throw new ArgumentOutOfRangeException(null, $"train + test must be < 2^31 (got {total})");
        if (options.Sampling == SamplingMode.Distinct && total > p.PMax)
            throw new ArgumentOutOfRangeException(null, $"train + test = {total} exceeds P_max = {p.PMax} (distinct sampling)");
        // Checked before drawing, so that an impossible request fails at once instead of after minutes of sampling.
        long tokens = Math.Max(train, test) * (long)p.InputLength;
        if (tokens > Array.MaxLength)
            throw new ArgumentOutOfRangeException(null, $"train: {Math.Max(train, test)} data of {p.InputLength} tokens would need {tokens} tokens in one array, more than the {Array.MaxLength} it can hold");

        var rng = Rng.ForStream(options.SampleSeed, "sample");
        int n = (int)total;
        long[]? seq = null;
        BigInteger[]? big = null;
        int duplicates = 0;
        if (options.Sampling == SamplingMode.Iid)
        {
            big = IndexSampler.WithReplacement(p.PMax, n, rng);
            duplicates = n - new HashSet<BigInteger>(big).Count;
            if (p.FitsInt64) { seq = Array.ConvertAll(big, x => (long)x); big = null; }
        }
        else if (p.FitsInt64) seq = IndexSampler.Distinct((long)p.PMax, n, rng);
        else big = IndexSampler.Distinct(p.PMax, n, rng);

        if (options.Split == SplitMode.Joint)
        {
            var splitRng = Rng.ForStream(options.SplitSeed, "split");
            if (seq != null) splitRng.Shuffle(seq.AsSpan()); else splitRng.Shuffle(big.AsSpan());
        }
        int trainStart = options.Split == SplitMode.TestFirstNested ? test : 0;
        int testStart = options.Split == SplitMode.TestFirstNested ? 0 : train;
        Dataset Make(int start, int count) => seq != null
            ? Decode(grammar, seq.AsSpan(start, count).ToArray())
            : Decode(grammar, big.AsSpan(start, count).ToArray());
        return new DataSplit(Make(trainStart, train), Make(testStart, test), options, duplicates);
    }

    /// <summary>
    /// <paramref name="count"/> distinct data drawn uniformly (stream <c>validation</c> of <paramref name="seed"/>)
    /// from the data of neither the training nor the test set: a validation set that changes neither of them, so a
    /// run that uses one trains and is tested on exactly the data it would have without. Needs int64 indices.
    /// </summary>
    public static Dataset SampleDisjoint(Grammar grammar, DataSplit split, int count, long seed)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(split);
        var p = grammar.Parameters;
        if (!p.FitsInt64 || split.Train.Indices is null || split.Test.Indices is null)
            throw new ArgumentException("probe-stop: a validation set needs P_max < 2^63 and indexed data");
        var taken = new HashSet<long>(split.Train.Indices);
        taken.UnionWith(split.Test.Indices);
        long pMax = (long)p.PMax;
        if (count < 1 || pMax - taken.Count < count)
            throw new ArgumentException($"probe-stop-data: {count} validation data do not fit beside train and test in P_max = {p.PMax}");
        var rng = Rng.ForStream(seed, "validation");
        var drawn = new long[count];
        for (int i = 0; i < count;)
        {
            long x = (long)rng.NextBelow((ulong)pMax);
            if (taken.Add(x)) drawn[i++] = x;
        }
        return Decode(grammar, drawn);
    }

    /// <summary>Decodes indices (P_max &lt; 2^63) into a token dataset.</summary>
    public static Dataset Decode(Grammar grammar, long[] indices) => Decode(grammar, indices, 1);

    /// <summary>
    /// Decodes indices (P_max &lt; 2^63) into a token dataset, splitting the work over up to
    /// <paramref name="threads"/> threads; the result does not depend on the thread count.
    /// </summary>
    public static Dataset Decode(Grammar grammar, long[] indices, int threads)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(indices);
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"threads must be >= 1 (got {threads})");
        int d = grammar.Parameters.InputLength;
        // Every element is written by the decoder, so the arrays need not be cleared first.
        var tokens = GC.AllocateUninitializedArray<ushort>(checked(indices.Length * d));
        var labels = GC.AllocateUninitializedArray<int>(indices.Length);
        var decoder = new DatumDecoder(grammar);
        int chunks = ChunkCount(indices.Length, threads);
        if (chunks <= 1) decoder.Decode(indices, labels, tokens);
        else
        {
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, c =>
            {
                var (start, count) = Chunk(indices.Length, chunks, c);
                decoder.Decode(indices.AsSpan(start, count), labels.AsSpan(start, count), tokens.AsSpan(start * d, count * d));
            });
        }
        return new Dataset(grammar, tokens, labels, indices);
    }

    /// <summary>
    /// Decodes indices (P_max &lt; 2^63) into caller-owned label and token buffers (tokens row-major [N, d]), without
    /// allocating per datum.
    /// </summary>
    public static void DecodeInto(Grammar grammar, ReadOnlySpan<long> indices, Span<int> labels, Span<ushort> tokens)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        new DatumDecoder(grammar).Decode(indices, labels, tokens);
    }

    // Below this many data per thread, starting threads costs more than it saves.
    private const int MinChunk = 16384;

    // One thread takes the whole range on the calling thread; more get about four chunks each, so that a thread
    // slowed by another job on its core does not hold up the rest.
    internal static int ChunkCount(int n, int threads) =>
        threads <= 1 ? 1 : (int)Math.Clamp(Math.Min(n / MinChunk, 4L * threads), 1, int.MaxValue);

    internal static (int Start, int Count) Chunk(int n, int chunks, int c)
    {
        long start = (long)n * c / chunks, end = (long)n * (c + 1) / chunks;
        return ((int)start, (int)(end - start));
    }

    /// <summary>Decodes BigInteger indices into a token dataset.</summary>
    public static Dataset Decode(Grammar grammar, BigInteger[] indices)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(indices);
        var p = grammar.Parameters;
        var e = new Enumeration(p);
        int d = p.InputLength;
        var tokens = new ushort[(long)indices.Length * d];
        var labels = new int[indices.Length];
        var choices = new int[p.ChoiceCount];
        for (int i = 0; i < indices.Length; i++)
        {
            int label = e.Decode(indices[i], choices);
            labels[i] = label;
            grammar.Generate(label, choices, tokens.AsSpan(i * d, d));
        }
        return new Dataset(grammar, tokens, labels, null, indices);
    }
}
