using System.Runtime.CompilerServices;

namespace RhmLab.Rhm;

/// <summary>
/// Batch form of <see cref="Enumeration.Decode(long, Span{int})"/> followed by <see cref="Grammar.Generate"/>, for
/// P_max &lt; 2^63: the same digits and the same tokens, but with divisions by multiplication, the rule tables packed
/// as 16-bit tokens (two per 32-bit word when s = 2) and no per-datum span bookkeeping.
/// </summary>
internal sealed unsafe class DatumDecoder
{
    private readonly int _n, _d, _s, _m, _depth;
    private readonly ulong _pMax;
    private readonly FastDivisor _classSize;
    private readonly DigitExtractor _digits;
    // Level l's table (l = L..1, top first) starts at _levelStart[L - l]; entry (a·m + j)·s + q, as in Grammar.
    private readonly ushort[] _tokens;
    private readonly uint[] _pairs;
    private readonly int[] _levelStart;

    public DatumDecoder(Grammar grammar)
    {
        var p = grammar.Parameters;
        if (!p.FitsInt64) throw new InvalidOperationException("P_max >= 2^63: use the BigInteger decoder");
        _n = p.ChoiceCount;
        _d = p.InputLength;
        _s = p.TupleSize;
        _m = p.Synonyms;
        _depth = p.Depth;
        _pMax = (ulong)p.PMax;
        _classSize = new FastDivisor((ulong)p.ClassSize);
        _digits = new DigitExtractor(_n, _m);
        _levelStart = new int[_depth + 1];
        int total = 0;
        for (int l = _depth; l >= 1; l--)
        {
            _levelStart[_depth - l] = total;
            total += p.ParentsAtLevel(l) * _m;
        }
        _levelStart[_depth] = total;
        _tokens = new ushort[total * _s];
        _pairs = new uint[_s == 2 ? total : 0];
        for (int l = _depth; l >= 1; l--)
        {
            var table = grammar.Productions(l);
            int start = _levelStart[_depth - l];
            for (int e = 0; e < table.Length; e++) _tokens[start * _s + e] = (ushort)table[e];
            if (_s == 2)
                for (int r = 0; r < table.Length / 2; r++)
                    _pairs[start + r] = (ushort)table[2 * r] | ((uint)(ushort)table[2 * r + 1] << 16);
        }
    }

    /// <summary>Decodes every index into its label and its s^L tokens (row-major).</summary>
    public void Decode(ReadOnlySpan<long> indices, Span<int> labels, Span<ushort> tokens)
    {
        if (labels.Length < indices.Length) throw new ArgumentException($"labels: needs {indices.Length} entries, got {labels.Length}");
        if (tokens.Length < (long)indices.Length * _d) throw new ArgumentException($"tokens: needs {(long)indices.Length * _d} entries, got {tokens.Length}");
        fixed (long* ip = indices)
        fixed (int* lp = labels)
        fixed (ushort* tp = tokens)
        {
            if (_s == 2 && _digits.Shift >= 0) DecodeBinaryPowerOfTwo(ip, lp, tp, indices.Length);
            else DecodeGeneral(ip, lp, tp, indices.Length);
        }
    }

    /// <summary>
    /// s = 2 and m = 2^b, the commonest shapes: each node's digit is a bit field of the remainder, read while the
    /// node is expanded, so no digit is stored, and each production is one 32-bit load and store.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodeBinaryPowerOfTwo(long* ip, int* lp, ushort* tp, int count)
    {
        int m = _m, b = _digits.Shift, depth = _depth, n = _n, d = _d;
        ulong mask = (ulong)m - 1;
        ulong pMax = _pMax;
        var classSize = _classSize;
        // Level k (k = 0 at the root) has 2^k nodes; its digits are the bit field starting at levelShift[k],
        // the rightmost node's digit lowest.
        int* levelShift = stackalloc int[depth];
        for (int k = 0, offset = 0; k < depth; offset += 1 << k, k++) levelShift[k] = (n - offset - (1 << k)) * b;
        fixed (uint* pairs = _pairs)
        fixed (int* starts = _levelStart)
        {
            for (int i = 0; i < count; i++)
            {
                ulong index = (ulong)ip[i];
                if (index >= pMax) ThrowIndex(ip[i]);
                int label = (int)classSize.DivRem(index, out ulong r);
                lp[i] = label;
                ushort* tok = tp + (long)i * d;
                Unsafe.WriteUnaligned(tok, pairs[label * m + (int)(r >> levelShift[0])]);
                for (int k = 1; k < depth; k++)
                {
                    uint* table = pairs + starts[k];
                    ulong digits = r >> levelShift[k];
                    // Right to left in place: node j's children go to 2j and 2j+1, which no node left of j still needs.
                    for (int j = (1 << k) - 1; j >= 0; j--)
                    {
                        Unsafe.WriteUnaligned(tok + 2 * j, table[tok[j] * m + (int)(digits & mask)]);
                        digits >>= b;
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodeGeneral(long* ip, int* lp, ushort* tp, int count)
    {
        int* digits = stackalloc int[_n <= 1024 ? _n : 0];
        int[]? heap = _n <= 1024 ? null : new int[_n];
        fixed (int* heapDigits = heap)
        fixed (ushort* tab = _tokens)
        fixed (uint* pairs = _pairs)
        fixed (int* starts = _levelStart)
        {
            int* dig = heap == null ? digits : heapDigits;
            for (int i = 0; i < count; i++)
            {
                ulong index = (ulong)ip[i];
                if (index >= _pMax) ThrowIndex(ip[i]);
                int label = (int)_classSize.DivRem(index, out ulong r);
                lp[i] = label;
                _digits.Extract(r, ref *dig);
                if (_s == 2) GeneratePairs(label, dig, pairs, starts, tp + (long)i * _d);
                else Generate(label, dig, tab, starts, tp + (long)i * _d);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void GeneratePairs(int label, int* dig, uint* pairs, int* starts, ushort* tok)
    {
        int m = _m;
        // The root's production, from the label kept as an int: a class may exceed the 16-bit token range.
        Unsafe.WriteUnaligned(tok, pairs[label * m + dig[0]]);
        int nodes = 2, offset = 1;
        for (int level = 1; level < _depth; level++)
        {
            uint* table = pairs + starts[level];
            // Right to left in place: node j's children go to 2j and 2j+1, which no node left of j still needs.
            for (int j = nodes - 1; j >= 0; j--)
                Unsafe.WriteUnaligned(tok + 2 * j, table[tok[j] * m + dig[offset + j]]);
            offset += nodes;
            nodes *= 2;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Generate(int label, int* dig, ushort* tab, int* starts, ushort* tok)
    {
        int m = _m, s = _s;
        ushort* root = tab + (long)(label * m + dig[0]) * s;
        for (int q = 0; q < s; q++) tok[q] = root[q];
        int nodes = s, offset = 1;
        for (int level = 1; level < _depth; level++)
        {
            ushort* table = tab + (long)starts[level] * s;
            for (int j = nodes - 1; j >= 0; j--)
            {
                ushort* src = table + (tok[j] * m + dig[offset + j]) * s;
                ushort* dst = tok + s * j;
                for (int q = 0; q < s; q++) dst[q] = src[q];
            }
            offset += nodes;
            nodes *= s;
        }
    }

    private void ThrowIndex(long index) =>
        throw new ArgumentOutOfRangeException(nameof(index), $"index must be in [0, {_pMax}) (got {index})");
}
