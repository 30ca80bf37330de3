using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace RhmLab.Rhm;

/// <summary>
/// Draws uniformly random ordered sequences of distinct dataset indices (docs/METHODS.md §1.7): a partial
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

    /// <summary>
    /// The method that <see cref="Distinct(long, int, Rng)"/> uses for a shape: <c>shuffle-dense</c>,
    /// <c>shuffle-sparse</c>, <c>rejection-bitmap</c> or <c>rejection-hashset</c>.
    /// </summary>
    public static string MethodName(long pMax, int count) =>
        pMax <= DenseShuffleLimit ? (count > pMax / 4 ? "shuffle-dense" : "shuffle-sparse")
        : pMax <= BitmapLimit ? "rejection-bitmap" : "rejection-hashset";

    /// <summary>An ordered sequence of <paramref name="count"/> distinct indices from [0, <paramref name="pMax"/>).</summary>
    public static long[] Distinct(long pMax, int count, Rng rng)
    {
        if (pMax <= 0) throw new ArgumentOutOfRangeException(nameof(pMax), "P_max must be positive");
        if (count < 0 || count > pMax)
            throw new ArgumentOutOfRangeException(nameof(count), $"cannot draw {count} distinct indices from P_max = {pMax}");
        // Every element is written below, so the array need not be cleared first.
        var result = GC.AllocateUninitializedArray<long>(count);
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
        if (pMax <= BitmapLimit) RejectWithBitmap(pMax, result, rng);
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

    // Draws per block of the bitmap rejection; the block's bitmap lines (64 KiB at most) stay in L2 until checked.
    private const int RejectionBlock = 1024;

    /// <summary>
    /// Sequential rejection with a bitmap, in blocks: first draw min(still needed, 1024) numbers and prefetch their
    /// bitmap words, then test and accept them in order. The sequential algorithm draws at least as many numbers as
    /// are still needed, so a block never draws one that it would not have drawn: the indices and the generator's
    /// final state are the same, but the bitmap misses of a block overlap instead of following one another.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RejectWithBitmap(long pMax, long[] result, Rng rng)
    {
        var seen = new ulong[(pMax + 63) / 64];
        var state = rng.SaveState();
        ulong n = (ulong)pMax;
        int count = result.Length;
        ulong* block = stackalloc ulong[RejectionBlock];
        fixed (ulong* bits = seen)
        fixed (long* output = result)
        {
            int i = 0;
            while (i < count)
            {
                int draws = Math.Min(count - i, RejectionBlock);
                for (int k = 0; k < draws; k++)
                {
                    ulong x = state.NextBelow(n);
                    block[k] = x;
                    if (Sse.IsSupported) Sse.Prefetch0(bits + (x >> 6));
                }
                for (int k = 0; k < draws; k++)
                {
                    ulong x = block[k];
                    ulong* word = bits + (x >> 6);
                    ulong bit = 1UL << (int)(x & 63);
                    if ((*word & bit) != 0) continue;
                    *word |= bit;
                    output[i++] = (long)x;
                }
            }
        }
        rng.RestoreState(state);
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
