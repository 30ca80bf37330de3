using System.Numerics;

namespace RhmLab.Rhm;

/// <summary>
/// The five numbers that define a Random Hierarchy Model (docs/METHODS.md §1.1): n_c classes, m productions
/// (synonyms) per symbol, vocabulary v of every level below the class, tuple size s (branching factor) and depth L.
/// </summary>
/// <param name="Classes">n_c, number of classes (top-level objects), ≥ 2.</param>
/// <param name="Synonyms">m, productions per symbol, ≥ 1.</param>
/// <param name="Vocabulary">v, vocabulary size of every level below the class, ≥ 2.</param>
/// <param name="TupleSize">s, symbols per production (patch size), ≥ 2.</param>
/// <param name="Depth">L, number of rewriting steps (levels), ≥ 1.</param>
public sealed record RhmParameters(int Classes, int Synonyms, int Vocabulary, int TupleSize, int Depth)
{
    /// <summary>Largest allowed number of s-tuples v^s (enumeration-size convention, §1.4).</summary>
    public const long MaxTupleCount = 1L << 24;
    /// <summary>Largest allowed input length s^L (enumeration-size convention, §1.4).</summary>
    public const long MaxInputLength = 1L << 20;

    /// <summary>Input length d = s^L (number of tokens of a datum).</summary>
    public int InputLength => (int)IntPow(TupleSize, Depth);

    /// <summary>Number of production choices per datum N = (s^L − 1)/(s − 1), one per internal node.</summary>
    public int ChoiceCount => (InputLength - 1) / (TupleSize - 1);

    /// <summary>Number of distinct s-tuples v^s.</summary>
    public int TupleCount => (int)IntPow(Vocabulary, TupleSize);

    /// <summary>Number of nodes at level l: s^(L−l) (level L has the single root).</summary>
    public int NodesAtLevel(int level) => (int)IntPow(TupleSize, Depth - level);

    /// <summary>Number of parent symbols whose productions form the level-l table: n_c at level L, v below.</summary>
    public int ParentsAtLevel(int level) => level == Depth ? Classes : Vocabulary;

    /// <summary>Offset of the first level-l choice in the choice digits (root first, then each level top-down).</summary>
    public int ChoiceOffset(int level) => (NodesAtLevel(level) - 1) / (TupleSize - 1);

    /// <summary>Number of data per class m^N.</summary>
    public BigInteger ClassSize => BigInteger.Pow(Synonyms, ChoiceCount);

    /// <summary>Number of distinct data P_max = n_c·m^N.</summary>
    public BigInteger PMax => Classes * ClassSize;

    /// <summary>True when P_max &lt; 2^63, so that indices fit a <see cref="long"/>.</summary>
    public bool FitsInt64 => PMax < new BigInteger(long.MaxValue);

    /// <summary>n_c·m^L, the BP sample-complexity scale of [RHM].</summary>
    public double SampleScale => Classes * Math.Pow(Synonyms, Depth);

    /// <summary>D* = n_c·v^L (§4.4).</summary>
    public double DStar => Classes * Math.Pow(Vocabulary, Depth);

    /// <summary>The random-guess error 1 − 1/n_c.</summary>
    public double ChanceError => 1.0 - 1.0 / Classes;

    /// <summary>
    /// Checks every constraint of docs/METHODS.md §1.4 and throws with a message that names the parameter and the
    /// violated inequality with its numbers. Call before drawing anything.
    /// </summary>
    /// <param name="dynamicV1">For the v1 generator with <c>v1-constraint = dynamic</c>: skip the static tuple checks.</param>
    public void Validate(bool dynamicV1 = false)
    {
        if (Classes < 2) throw new ArgumentOutOfRangeException(null, $"nc must be >= 2 (got {Classes})");
        if (Synonyms < 1) throw new ArgumentOutOfRangeException(null, $"m must be >= 1 (got {Synonyms})");
        if (Vocabulary < 2) throw new ArgumentOutOfRangeException(null, $"v must be >= 2 (got {Vocabulary})");
        if (TupleSize < 2) throw new ArgumentOutOfRangeException(null, $"s must be >= 2 (got {TupleSize})");
        if (Depth < 1) throw new ArgumentOutOfRangeException(null, $"L must be >= 1 (got {Depth})");
        if (IntPowSaturating(Vocabulary, TupleSize) > MaxTupleCount)
            throw new ArgumentOutOfRangeException(null, $"v^s must be <= 2^24 (v = {Vocabulary}, s = {TupleSize})");
        if (IntPowSaturating(TupleSize, Depth) > MaxInputLength)
            throw new ArgumentOutOfRangeException(null, $"s^L must be <= 2^20 (s = {TupleSize}, L = {Depth})");
        if (dynamicV1) return;
        long tuples = TupleCount;
        // The largest m that passes both inequalities (the lower levels bind whenever n_c < v and L >= 2).
        long largestM = Depth >= 2 ? Math.Min(tuples / Classes, tuples / Vocabulary) : tuples / Classes;
        if ((long)Classes * Synonyms > tuples)
            throw new ArgumentException(
                $"m: top level needs n_c*m = {Classes}*{Synonyms} = {(long)Classes * Synonyms} distinct s-tuples, only v^s = {tuples} exist (largest m allowed: {largestM})");
        if (Depth >= 2 && (long)Vocabulary * Synonyms > tuples)
            throw new ArgumentException(
                $"m: each lower level needs v*m = {Vocabulary}*{Synonyms} = {(long)Vocabulary * Synonyms} distinct s-tuples, only v^s = {tuples} exist (largest m allowed: {largestM})");
    }

    internal static long IntPow(long b, int e)
    {
        long r = 1;
        for (int i = 0; i < e; i++) r = checked(r * b);
        return r;
    }

    private static long IntPowSaturating(long b, int e)
    {
        long r = 1;
        for (int i = 0; i < e; i++)
        {
            if (r > long.MaxValue / b) return long.MaxValue;
            r *= b;
        }
        return r;
    }

    /// <inheritdoc />
    public override string ToString() => $"nc={Classes} m={Synonyms} v={Vocabulary} s={TupleSize} L={Depth}";
}
