using System.Numerics;
using System.Runtime.CompilerServices;

namespace RhmLab.Rhm;

/// <summary>
/// Division by a fixed divisor without the hardware divider where possible: a shift for powers of two, and for
/// 32-bit dividends a multiply by ceil(2^64/d) (Lemire, Kaser and Kurz, "Faster remainder by direct computation",
/// 2019), which is exact for every 32-bit dividend and divisor. Decoding an index takes one division per digit,
/// and a 64-bit hardware division costs several times a multiply.
/// </summary>
internal readonly struct FastDivisor
{
    private readonly ulong _d;
    private readonly ulong _magic;
    private readonly int _shift;

    public FastDivisor(ulong divisor)
    {
        if (divisor == 0) throw new ArgumentOutOfRangeException(nameof(divisor), "divisor must be positive");
        _d = divisor;
        _shift = BitOperations.IsPow2(divisor) ? BitOperations.Log2(divisor) : -1;
        _magic = _shift < 0 && divisor <= uint.MaxValue ? ulong.MaxValue / divisor + 1 : 0;
    }

    public ulong Divisor => _d;

    public bool IsPowerOfTwo => _shift >= 0;

    public int Shift => _shift;

    /// <summary>ceil(2^64/d) for divisors that are not powers of two and fit 32 bits; 0 otherwise.</summary>
    public ulong Magic => _magic;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong DivRem(ulong a, out ulong remainder)
    {
        ulong q;
        if (_shift >= 0) q = a >> _shift;
        else if (_magic != 0 && a <= uint.MaxValue) q = Math.BigMul(_magic, a, out _);
        else q = a / _d;
        remainder = a - q * _d;
        return q;
    }

    /// <summary>The quotient of a 32-bit dividend by a 32-bit divisor that is not a power of two, given its magic.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Div32(uint a, ulong magic) => (uint)Math.BigMul(magic, a, out _);
}

/// <summary>
/// The N base-m digits of a remainder r &lt; m^N, most significant first (docs/METHODS.md §1.6). Powers of two use
/// shifts; other radices split r into chunks of k digits with m^k &lt; 2^32 (one division per chunk) and take each
/// chunk's digits with 32-bit multiplications.
/// </summary>
internal readonly struct DigitExtractor
{
    private readonly int _n;
    private readonly uint _m;
    private readonly int _shift;
    private readonly ulong _magic;
    private readonly int _chunkDigits;
    private readonly FastDivisor _chunk;

    public DigitExtractor(int digits, int radix)
    {
        if (digits < 0) throw new ArgumentOutOfRangeException(nameof(digits), "digits must be >= 0");
        if (radix < 1) throw new ArgumentOutOfRangeException(nameof(radix), "radix must be >= 1");
        _n = digits;
        _m = (uint)radix;
        var div = new FastDivisor((ulong)radix);
        _shift = div.Shift;
        _magic = div.Magic;
        ulong pow = 1;
        int k = 0;
        while (k < digits && pow * (ulong)radix <= uint.MaxValue) { pow *= (ulong)radix; k++; }
        _chunkDigits = Math.Max(k, 1);
        _chunk = new FastDivisor(pow);
    }

    public int Count => _n;

    /// <summary>log2(m) when the radix is a power of two, else −1.</summary>
    public int Shift => _shift;

    /// <summary>Writes the digits to <paramref name="digits"/>[0..N), most significant first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Extract(ulong r, ref int digits)
    {
        int left = _n;
        if (_shift >= 0)
        {
            int b = _shift;
            ulong mask = (1UL << b) - 1;
            while (left > 0) { Unsafe.Add(ref digits, --left) = (int)(r & mask); r >>= b; }
            return;
        }
        uint m = _m;
        ulong magic = _magic;
        while (left > 0)
        {
            int len = Math.Min(left, _chunkDigits);
            uint chunk;
            if (left > _chunkDigits) { r = _chunk.DivRem(r, out ulong lo); chunk = (uint)lo; }
            else chunk = (uint)r;
            for (int u = 0; u < len; u++)
            {
                uint q = FastDivisor.Div32(chunk, magic);
                Unsafe.Add(ref digits, --left) = (int)(chunk - q * m);
                chunk = q;
            }
        }
    }
}
