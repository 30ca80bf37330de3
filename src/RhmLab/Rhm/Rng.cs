using System.Numerics;
using System.Runtime.CompilerServices;

namespace RhmLab.Rhm;

/// <summary>
/// xoshiro256** generator owned by the project, so that every draw is the same on every runtime version
/// (the platform's <see cref="System.Random"/> may change between releases).
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareGaussian;
    private bool _hasSpare;

    /// <summary>Creates a generator whose state is expanded from <paramref name="seed"/> with SplitMix64.</summary>
    public Rng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
        if ((_s0 | _s1 | _s2 | _s3) == 0) _s0 = 1;
    }

    /// <summary>
    /// The generator of a named stream (<c>rules</c>, <c>sample</c>, <c>split</c>, <c>init</c>, <c>feedback</c>,
    /// <c>batches</c>, <c>pairs</c>, <c>perturb</c>, <c>probe</c>, <c>ica</c>): a SplitMix64-style hash of
    /// (master seed, stream name), so streams are independent and adding a stream never shifts another.
    /// </summary>
    public static Rng ForStream(long seed, string stream) => new(StreamSeed(seed, stream));

    /// <summary>The 64-bit seed of a named stream.</summary>
    public static ulong StreamSeed(long seed, string stream)
    {
        // FNV-1a over the name, then mixed with the master seed through SplitMix64.
        ulong h = 14695981039346656037UL;
        foreach (char c in stream) { h ^= c; h *= 1099511628211UL; }
        ulong x = unchecked((ulong)seed) ^ (h * 0x9E3779B97F4A7C15UL);
        return SplitMix64(ref x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Next 64 uniformly random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextBelow(ulong n)
    {
        if (n == 0) throw new ArgumentOutOfRangeException(nameof(n), "n must be positive");
        ulong hi = Math.BigMul(NextUInt64(), n, out ulong lo);
        if (lo < n)
        {
            ulong threshold = (0 - n) % n;
            while (lo < threshold) hi = Math.BigMul(NextUInt64(), n, out lo);
        }
        return hi;
    }

    /// <summary>Uniform integer in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextInt(int n) => (int)NextBelow((ulong)n);

    /// <summary>Uniform BigInteger in [0, n), by drawing bitlength(n) bits and rejecting values ≥ n.</summary>
    public BigInteger NextBelow(BigInteger n)
    {
        if (n.Sign <= 0) throw new ArgumentOutOfRangeException(nameof(n), "n must be positive");
        if (n <= ulong.MaxValue) return NextBelow((ulong)n);
        long bits = (long)n.GetBitLength();
        int bytes = (int)((bits + 7) / 8);
        var buf = new byte[bytes + 1];
        int topBits = (int)(bits - 8L * (bytes - 1));
        while (true)
        {
            for (int i = 0; i < bytes; i += 8)
            {
                ulong r = NextUInt64();
                for (int b = 0; b < 8 && i + b < bytes; b++) buf[i + b] = (byte)(r >> (8 * b));
            }
            buf[bytes - 1] &= (byte)((1 << topBits) - 1);
            buf[bytes] = 0;
            var value = new BigInteger(buf);
            if (value < n) return value;
        }
    }

    /// <summary>A copy of the generator's state, for hot loops that keep it in registers.</summary>
    internal State SaveState() => new() { S0 = _s0, S1 = _s1, S2 = _s2, S3 = _s3 };

    /// <summary>Continues from a state taken with <see cref="SaveState"/> and advanced elsewhere.</summary>
    internal void RestoreState(in State state)
    {
        _s0 = state.S0; _s1 = state.S1; _s2 = state.S2; _s3 = state.S3;
    }

    /// <summary>
    /// The xoshiro256** state as a value type: a loop that holds it in a local keeps the four words in registers,
    /// where the class's fields would be loaded and stored on every draw. Draws the same numbers as
    /// <see cref="NextUInt64"/> and <see cref="NextBelow(ulong)"/>.
    /// </summary>
    internal struct State
    {
        public ulong S0, S1, S2, S3;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong NextUInt64()
        {
            ulong result = BitOperations.RotateLeft(S1 * 5, 7) * 9;
            ulong t = S1 << 17;
            S2 ^= S0; S3 ^= S1; S1 ^= S2; S0 ^= S3; S2 ^= t;
            S3 = BitOperations.RotateLeft(S3, 45);
            return result;
        }

        /// <summary>Uniform integer in [0, n) for n &gt; 0, exactly as <see cref="Rng.NextBelow(ulong)"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong NextBelow(ulong n)
        {
            ulong hi = Math.BigMul(NextUInt64(), n, out ulong lo);
            if (lo < n)
            {
                ulong threshold = (0 - n) % n;
                while (lo < threshold) hi = Math.BigMul(NextUInt64(), n, out lo);
            }
            return hi;
        }
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal deviate (Marsaglia polar method).</summary>
    public double NextGaussian()
    {
        if (_hasSpare) { _hasSpare = false; return _spareGaussian; }
        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double f = Math.Sqrt(-2 * Math.Log(s) / s);
        _spareGaussian = v * f;
        _hasSpare = true;
        return u * f;
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = (int)NextBelow((ulong)(i + 1));
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
