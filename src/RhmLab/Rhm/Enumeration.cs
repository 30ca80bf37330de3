using System.Numerics;
using System.Runtime.InteropServices;

namespace RhmLab.Rhm;

/// <summary>
/// The bijection between the integers [0, P_max) and the data of an RHM (docs/METHODS.md §1.6), in mixed radix:
/// class α most significant (radix n_c), then the N production choices (radix m), root first, then each level
/// top-down, nodes left to right. The same index names the same datum as in the public reference code for the
/// same rules. Uses <see cref="long"/> when P_max &lt; 2^63 and <see cref="BigInteger"/> otherwise.
/// </summary>
public sealed class Enumeration
{
    private readonly RhmParameters _p;
    private readonly long _classSize;
    private readonly BigInteger _classSizeBig;
    private readonly FastDivisor _classDivisor;
    private readonly DigitExtractor _digits;

    /// <summary>Creates the enumeration of an RHM's parameters.</summary>
    public Enumeration(RhmParameters parameters)
    {
        _p = parameters ?? throw new ArgumentNullException(nameof(parameters));
        _classSizeBig = parameters.ClassSize;
        FitsInt64 = parameters.FitsInt64;
        PMax = parameters.PMax;
        _classSize = FitsInt64 ? (long)_classSizeBig : -1;
        if (FitsInt64)
        {
            _classDivisor = new FastDivisor((ulong)_classSize);
            _digits = new DigitExtractor(parameters.ChoiceCount, parameters.Synonyms);
        }
    }

    /// <summary>Whether indices fit a <see cref="long"/> (P_max &lt; 2^63).</summary>
    public bool FitsInt64 { get; }

    /// <summary>The number of data P_max.</summary>
    public BigInteger PMax { get; }

    /// <summary>Decodes an index into its class and its N production choices.</summary>
    public int Decode(long index, Span<int> choices)
    {
        if (!FitsInt64) return Decode(new BigInteger(index), choices);
        if (index < 0 || index >= _classSize * _p.Classes)
            throw new ArgumentOutOfRangeException(nameof(index), $"index must be in [0, {_classSize * _p.Classes}) (got {index})");
        if (choices.Length < _p.ChoiceCount)
            throw new ArgumentException($"choices: needs {_p.ChoiceCount} entries, got {choices.Length}", nameof(choices));
        ulong label = _classDivisor.DivRem((ulong)index, out ulong r);
        _digits.Extract(r, ref MemoryMarshal.GetReference(choices));
        return (int)label;
    }

    /// <summary>Decodes a BigInteger index into its class and its N production choices.</summary>
    public int Decode(BigInteger index, Span<int> choices)
    {
        if (index.Sign < 0 || index >= PMax)
            throw new ArgumentOutOfRangeException(nameof(index), $"index must be in [0, P_max = {PMax}) (got {index})");
        var label = BigInteger.DivRem(index, _classSizeBig, out var r);
        var m = new BigInteger(_p.Synonyms);
        for (int t = _p.ChoiceCount - 1; t >= 0; t--)
        {
            r = BigInteger.DivRem(r, m, out var digit);
            choices[t] = (int)digit;
        }
        return (int)label;
    }

    /// <summary>Encodes a class and its choices into an index (Horner evaluation); requires P_max &lt; 2^63.</summary>
    public long Encode(int label, ReadOnlySpan<int> choices)
    {
        if (!FitsInt64) throw new InvalidOperationException("P_max >= 2^63: use EncodeBig");
        long r = label;
        foreach (int c in choices) r = r * _p.Synonyms + c;
        return r;
    }

    /// <summary>Encodes a class and its choices into a BigInteger index.</summary>
    public BigInteger EncodeBig(int label, ReadOnlySpan<int> choices)
    {
        BigInteger r = label;
        foreach (int c in choices) r = r * _p.Synonyms + c;
        return r;
    }
}
