using System.Numerics;
using RhmLab.Rhm;

namespace RhmLab.Data;

/// <summary>
/// A set of RHM data held as compact tokens (never one-hot): <see cref="Count"/> strings of s^L tokens, their
/// labels and their dataset indices. One-hot batches are built on the fly by <see cref="OneHot"/>.
/// </summary>
public sealed class Dataset
{
    /// <summary>Creates a dataset from tokens (row-major [count, d]) and labels.</summary>
    public Dataset(Grammar grammar, ushort[] tokens, int[] labels, long[]? indices = null, BigInteger[]? bigIndices = null)
    {
        Grammar = grammar ?? throw new ArgumentNullException(nameof(grammar));
        InputLength = grammar.Parameters.InputLength;
        if (tokens.Length != labels.Length * InputLength)
            throw new ArgumentException($"tokens: expected {labels.Length}*{InputLength} entries, got {tokens.Length}");
        TokenData = tokens;
        Labels = labels;
        Indices = indices;
        BigIndices = bigIndices;
    }

    /// <summary>The grammar that generated the data.</summary>
    public Grammar Grammar { get; }

    /// <summary>Number of data.</summary>
    public int Count => Labels.Length;

    /// <summary>Tokens per datum d = s^L.</summary>
    public int InputLength { get; }

    /// <summary>All tokens, row-major [Count, d].</summary>
    public ushort[] TokenData { get; }

    /// <summary>Class labels.</summary>
    public int[] Labels { get; }

    /// <summary>Dataset indices when P_max &lt; 2^63, else null.</summary>
    public long[]? Indices { get; }

    /// <summary>Dataset indices when P_max ≥ 2^63, else null.</summary>
    public BigInteger[]? BigIndices { get; }

    /// <summary>The tokens of datum <paramref name="i"/>.</summary>
    public ReadOnlySpan<ushort> Tokens(int i) => TokenData.AsSpan(i * InputLength, InputLength);

    /// <summary>Number of data of each class.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[Grammar.Parameters.Classes];
        foreach (int y in Labels) counts[y]++;
        return counts;
    }
}
