using System.Numerics;

namespace RhmLab.Rhm;

/// <summary>
/// Draws uniformly random ordered sequences of distinct dataset indices (ALGORITHMS.md §1.7): a partial
/// Fisher–Yates shuffle when P_max ≤ 2^22 (over a dense array when more than a quarter of [0, P_max) is requested,
/// over a dictionary of displaced entries otherwise; both make the same draws), sequential rejection above.
/// The algorithm depends on P_max only, never on the count, so for one seed the sequence of a smaller count is a
/// prefix of that of a larger one: this is what keeps test sets equal and training sets nested across P.
/// </summary>
public static class IndexSampler
{
    private const long DenseShuffleLimit = 1L << 22;
    // Rejection remembers drawn indices in a bitmap up to this P_max (32 MiB), a hash set above; the draws are the
    // same either way, only the membership test is faster.
    private const long BitmapLimit = 1L << 28;

    /// <summary>An ordered sequence of <paramref name="count"/> distinct indices from [0, <paramref name="pMax"/>).</summary>
    public static long[] Distinct(long pMax, int count, Rng rng)
    {
        if (pMax <= 0) throw new ArgumentOutOfRangeException(nameof(pMax), "P_max must be positive");
        if (count < 0 || count > pMax)
            throw new ArgumentOutOfRangeException(nameof(count), $"cannot draw {count} distinct indices from P_max = {pMax}");
        var result = new long[count];
        if (pMax <= DenseShuffleLimit)
        {
            if (count > pMax / 4)
            {
                var pool = new long[pMax];
                for (long i = 0; i < pMax; i++) pool[i] = i;
                for (int i = 0; i < count; i++)
                {
                    long k = i + (long)rng.NextBelow((ulong)(pMax - i));
                    (pool[i], pool[k]) = (pool[k], pool[i]);
                    result[i] = pool[i];
                }
            }
            else
            {
                // Sparse Fisher–Yates: only displaced entries are stored, memory O(count).
                var displaced = new Dictionary<long, long>(count);
                for (int i = 0; i < count; i++)
                {
                    long k = i + (long)rng.NextBelow((ulong)(pMax - i));
                    long atK = displaced.TryGetValue(k, out long vk) ? vk : k;
                    long atI = displaced.TryGetValue(i, out long vi) ? vi : i;
                    displaced[k] = atI;
                    result[i] = atK;
                }
            }
            return result;
        }
        if (pMax <= BitmapLimit)
        {
            var seen = new ulong[(pMax + 63) / 64];
            for (int i = 0; i < count;)
            {
                long x = (long)rng.NextBelow((ulong)pMax);
                ref ulong word = ref seen[x >> 6];
                ulong bit = 1UL << (int)(x & 63);
                if ((word & bit) != 0) continue;
                word |= bit;
                result[i++] = x;
            }
        }
        else
        {
            var seen = new HashSet<long>(count);
            for (int i = 0; i < count;)
            {
                long x = (long)rng.NextBelow((ulong)pMax);
                if (seen.Add(x)) result[i++] = x;
            }
        }
        return result;
    }

    /// <summary>The BigInteger path: sequential rejection with a hash set (P_max ≥ 2^63).</summary>
    public static BigInteger[] Distinct(BigInteger pMax, int count, Rng rng)
    {
        if (pMax.Sign <= 0) throw new ArgumentOutOfRangeException(nameof(pMax), "P_max must be positive");
        if (count < 0 || count > pMax)
            throw new ArgumentOutOfRangeException(nameof(count), $"cannot draw {count} distinct indices from P_max = {pMax}");
        if (pMax < long.MaxValue)
            return Array.ConvertAll(Distinct((long)pMax, count, rng), x => new BigInteger(x));
        var result = new BigInteger[count];
        var seen = new HashSet<BigInteger>(count);
        for (int i = 0; i < count;)
        {
            var x = rng.NextBelow(pMax);
            if (seen.Add(x)) result[i++] = x;
        }
        return result;
    }

    /// <summary>Indices drawn independently with replacement (the <c>iid</c> fallback).</summary>
    public static BigInteger[] WithReplacement(BigInteger pMax, int count, Rng rng)
    {
        var result = new BigInteger[count];
        for (int i = 0; i < count; i++) result[i] = rng.NextBelow(pMax);
        return result;
    }
}
