using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RhmLab.Data;

/// <summary>Memory layout of a one-hot batch.</summary>
public enum OneHotLayout
{
    /// <summary>[B, d, v], position-major, channels last: the engine's layout (docs/METHODS.md §2.3).</summary>
    PositionMajor,
    /// <summary>[B, v, d], the logical [channels, positions] layout of conv1d code.</summary>
    ChannelMajor,
}

/// <summary>
/// Builds one-hot float32 batches from tokens on the fly, so that no whole data set is ever materialised one-hot
/// (1e6 samples of 32 tokens × 32 symbols would take 4 GB).
/// </summary>
public static class OneHot
{
    // From this size on the output is streamed to memory with non-temporal stores: it cannot stay in the caches
    // anyway, and streaming stores skip the read-for-ownership that ordinary stores of a fresh line cost.
    private const long StreamingMinFloats = 2L << 20;
    // The staging buffer holds whole data of at most this many floats (16 KiB), so that it lives in L1.
    private const int StageFloats = 4096;
    // Data larger than this are written directly: staging them would spill out of L2.
    private const int MaxStagedBlock = 1 << 16;

    /// <summary>
    /// Writes the one-hot encoding of <paramref name="tokens"/> (row-major [B, d]) into <paramref name="destination"/>
    /// (B·d·v floats), clearing it first. Throws <see cref="ArgumentException"/> for a token ≥ <paramref name="vocabulary"/>.
    /// </summary>
    public static void Encode(ReadOnlySpan<ushort> tokens, int inputLength, int vocabulary, Span<float> destination, OneHotLayout layout = OneHotLayout.PositionMajor)
    {
        if (inputLength < 1) throw new ArgumentOutOfRangeException(nameof(inputLength), $"inputLength must be >= 1 (got {inputLength})");
        if (vocabulary < 1) throw new ArgumentOutOfRangeException(nameof(vocabulary), $"vocabulary must be >= 1 (got {vocabulary})");
        int b = tokens.Length / inputLength;
        if (tokens.Length != b * inputLength) throw new ArgumentException("tokens: length is not a multiple of the input length");
        long floats = (long)tokens.Length * vocabulary;
        if (destination.Length < floats)
            throw new ArgumentException($"destination: needs {floats} floats, got {destination.Length}");
        destination = destination[..(int)floats];
        int bad = FirstOutOfRange(tokens, vocabulary);
        if (bad >= 0) throw new ArgumentException($"tokens: token {tokens[bad]} at {bad} is outside [0, {vocabulary})");
        int block = inputLength * vocabulary;
        if (floats < StreamingMinFloats) EncodeDirect(tokens, inputLength, vocabulary, destination, layout);
        else if (layout == OneHotLayout.PositionMajor && vocabulary == 8 && tokens.Length >= 2 && Avx.IsSupported) StreamEightSymbols(tokens, destination);
        else if (block <= MaxStagedBlock) EncodeStaged(tokens, inputLength, vocabulary, destination, layout);
        else EncodeDirect(tokens, inputLength, vocabulary, destination, layout);
    }

    private static int FirstOutOfRange(ReadOnlySpan<ushort> tokens, int vocabulary)
    {
        if (vocabulary > ushort.MaxValue) return -1;
        // Vectorised scan: every token must be below v.
        return tokens.IndexOfAnyInRange((ushort)vocabulary, ushort.MaxValue);
    }

    /// <summary>The plain form: clear, then set one element per token; best while the output stays in cache.</summary>
    private static void EncodeDirect(ReadOnlySpan<ushort> tokens, int inputLength, int vocabulary, Span<float> destination, OneHotLayout layout)
    {
        destination.Clear();
        Scatter(tokens, inputLength, vocabulary, destination, layout);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scatter(ReadOnlySpan<ushort> tokens, int inputLength, int vocabulary, Span<float> destination, OneHotLayout layout)
    {
        ref float dst = ref MemoryMarshal.GetReference(destination);
        ref ushort src = ref MemoryMarshal.GetReference(tokens);
        // The caller has checked every token against v and the destination length, so the offsets stay inside.
        if (layout == OneHotLayout.PositionMajor)
        {
            for (int i = 0; i < tokens.Length; i++) Unsafe.Add(ref dst, (nint)i * vocabulary + Unsafe.Add(ref src, i)) = 1f;
        }
        else
        {
            int block = inputLength * vocabulary;
            int b = tokens.Length / inputLength;
            for (int n = 0; n < b; n++)
            {
                ref float row = ref Unsafe.Add(ref dst, (nint)n * block);
                ref ushort tok = ref Unsafe.Add(ref src, (nint)n * inputLength);
                for (int pos = 0; pos < inputLength; pos++) Unsafe.Add(ref row, Unsafe.Add(ref tok, pos) * inputLength + pos) = 1f;
            }
        }
    }

    /// <summary>
    /// The large-output form: encode a few data at a time into an L1-resident staging buffer, then stream it out, so
    /// that every output line is written to memory once and never read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void EncodeStaged(ReadOnlySpan<ushort> tokens, int inputLength, int vocabulary, Span<float> destination, OneHotLayout layout)
    {
        int block = inputLength * vocabulary;
        int b = tokens.Length / inputLength;
        int per = Math.Max(1, StageFloats / block);
        int stageFloats = per * block;
        float* stage = (float*)NativeMemory.AlignedAlloc((nuint)stageFloats * sizeof(float), 64);
        try
        {
            var stageSpan = new Span<float>(stage, stageFloats);
            fixed (float* dp = destination)
            {
                for (int n0 = 0; n0 < b; n0 += per)
                {
                    int count = Math.Min(per, b - n0);
                    int len = count * block;
                    var part = stageSpan[..len];
                    var src = tokens.Slice(n0 * inputLength, count * inputLength);
                    if (layout == OneHotLayout.ChannelMajor && inputLength % 8 == 0 && Avx2.IsSupported)
                        CompareChannelMajor(src, inputLength, vocabulary, stage);
                    else
                    {
                        part.Clear();
                        Scatter(src, inputLength, vocabulary, part, layout);
                    }
                    StreamCopy(stage, dp + (long)n0 * block, len);
                }
            }
            if (Sse.IsSupported) Sse.StoreFence();
        }
        finally
        {
            NativeMemory.AlignedFree(stage);
        }
    }

    /// <summary>
    /// [B, d, 8] straight to memory, for the v = 8 shapes of the paper. The output is the concatenation of identity
    /// rows e_t, one per token, 32 bytes each. If the destination starts h floats before a 32-byte boundary, aligned
    /// output vector c holds the last 8 − h floats of row c and the first h of row c+1, a function of the token pair
    /// (t_c, t_(c+1)) alone: one lookup in a 64-entry table built for this h, and one streaming store. Nothing is
    /// cleared first and nothing is read back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void StreamEightSymbols(ReadOnlySpan<ushort> tokens, Span<float> destination)
    {
        const int v = 8;
        int rows = tokens.Length;
        int total = destination.Length;
        fixed (ushort* tp = tokens)
        fixed (float* dp = destination)
        {
            int head = (int)((32 - ((nuint)dp & 31)) & 31) / sizeof(float);
            for (int q = 0; q < head; q++) dp[q] = Element(tp, v, q);
            Vector256<float>* table = stackalloc Vector256<float>[64 + 1];
            table = (Vector256<float>*)(((nuint)table + 31) & ~(nuint)31);
            float* lanes = stackalloc float[8];
            for (int a = 0; a < 8; a++)
                for (int b = 0; b < 8; b++)
                {
                    for (int lane = 0; lane < 8; lane++)
                        lanes[lane] = lane + head < 8 ? (lane + head == a ? 1f : 0f) : (lane + head - 8 == b ? 1f : 0f);
                    table[a * 8 + b] = Avx.LoadVector256(lanes);
                }
            int q0 = head;
            // Stops one row early, so that the read of t_(c+1) stays inside the tokens.
            for (int c = 0; c < rows - 1; c++, q0 += 8)
            {
                uint pair = Unsafe.ReadUnaligned<uint>(tp + c);
                Avx.StoreAlignedNonTemporal(dp + q0, table[(BitConverter.IsLittleEndian ? (pair & 0xFFFF) * 8 + (pair >> 16) : (pair >> 16) * 8 + (pair & 0xFFFF))]);
            }
            for (; q0 < total; q0++) dp[q0] = Element(tp, v, q0);
        }
        Sse.StoreFence();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float Element(ushort* tokens, int v, long q)
    {
        long row = q / v;
        return q - row * v == tokens[row] ? 1f : 0f;
    }

    /// <summary>
    /// [B, v, d] rows for d a multiple of 8: row a of a datum is (x_p == a) over p, eight positions per compare, so
    /// every element is written once and nothing needs clearing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CompareChannelMajor(ReadOnlySpan<ushort> tokens, int inputLength, int vocabulary, float* stage)
    {
        var one = Vector256.Create(1f);
        int b = tokens.Length / inputLength;
        fixed (ushort* tp = tokens)
        {
            for (int n = 0; n < b; n++)
            {
                ushort* x = tp + (long)n * inputLength;
                float* block = stage + (long)n * inputLength * vocabulary;
                for (int p = 0; p < inputLength; p += 8)
                {
                    var t = Avx2.ConvertToVector256Int32(x + p);
                    for (int a = 0; a < vocabulary; a++)
                    {
                        var hit = Avx2.CompareEqual(t, Vector256.Create(a)).AsSingle();
                        Avx.Store(block + (long)a * inputLength + p, Avx.And(hit, one));
                    }
                }
            }
        }
    }

    /// <summary>Copies with non-temporal 32-byte stores where the hardware has them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StreamCopy(float* src, float* dst, int count)
    {
        if (!Avx.IsSupported)
        {
            new Span<float>(src, count).CopyTo(new Span<float>(dst, count));
            return;
        }
        int i = 0;
        // Ordinary stores up to the first 32-byte boundary of the destination, which streaming stores need.
        while (i < count && ((nuint)(dst + i) & 31) != 0) { dst[i] = src[i]; i++; }
        for (; i + 32 <= count; i += 32)
        {
            Avx.StoreAlignedNonTemporal(dst + i, Avx.LoadVector256(src + i));
            Avx.StoreAlignedNonTemporal(dst + i + 8, Avx.LoadVector256(src + i + 8));
            Avx.StoreAlignedNonTemporal(dst + i + 16, Avx.LoadVector256(src + i + 16));
            Avx.StoreAlignedNonTemporal(dst + i + 24, Avx.LoadVector256(src + i + 24));
        }
        for (; i + 8 <= count; i += 8) Avx.StoreAlignedNonTemporal(dst + i, Avx.LoadVector256(src + i));
        for (; i < count; i++) dst[i] = src[i];
    }

    /// <summary>
    /// Writes the one-hot encoding of <paramref name="tokens"/> like
    /// <see cref="Encode(ReadOnlySpan{ushort}, int, int, Span{float}, OneHotLayout)"/>, splitting the data over up
    /// to <paramref name="threads"/> threads; the result does not depend on the thread count.
    /// </summary>
    public static void Encode(ushort[] tokens, int inputLength, int vocabulary, float[] destination, OneHotLayout layout, int threads)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(destination);
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"threads must be >= 1 (got {threads})");
        if (inputLength < 1) throw new ArgumentOutOfRangeException(nameof(inputLength), $"inputLength must be >= 1 (got {inputLength})");
        int n = tokens.Length / inputLength;
        int chunks = DataSplit.ChunkCount(n, threads);
        if (chunks <= 1 || tokens.Length != n * inputLength || destination.Length < (long)tokens.Length * vocabulary)
        {
            Encode(tokens, inputLength, vocabulary, destination, layout);
            return;
        }
        int block = inputLength * vocabulary;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, c =>
        {
            var (start, count) = DataSplit.Chunk(n, chunks, c);
            Encode(tokens.AsSpan(start * inputLength, count * inputLength), inputLength, vocabulary,
                destination.AsSpan(start * block, count * block), layout);
        });
    }

    /// <summary>Gathers the rows <paramref name="rows"/> of a dataset and writes their one-hot batch.</summary>
    public static void EncodeRows(Dataset data, ReadOnlySpan<int> rows, Span<float> destination, OneHotLayout layout = OneHotLayout.PositionMajor)
    {
        ArgumentNullException.ThrowIfNull(data);
        int d = data.InputLength, v = data.Grammar.Parameters.Vocabulary;
        int block = d * v;
        for (int r = 0; r < rows.Length; r++)
            Encode(data.Tokens(rows[r]), d, v, destination.Slice(r * block, block), layout);
    }
}
