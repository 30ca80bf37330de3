namespace RhmLab.Data;

/// <summary>Memory layout of a one-hot batch.</summary>
public enum OneHotLayout
{
    /// <summary>[B, d, v], position-major, channels last: the engine's layout (ALGORITHMS.md §2.3).</summary>
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
    /// <summary>
    /// Writes the one-hot encoding of <paramref name="tokens"/> (row-major [B, d]) into <paramref name="destination"/>
    /// (B·d·v floats), clearing it first.
    /// </summary>
    public static void Encode(ReadOnlySpan<ushort> tokens, int inputLength, int vocabulary, Span<float> destination, OneHotLayout layout = OneHotLayout.PositionMajor)
    {
        int b = tokens.Length / inputLength;
        if (tokens.Length != b * inputLength) throw new ArgumentException("tokens: length is not a multiple of the input length");
        if (destination.Length < tokens.Length * vocabulary)
            throw new ArgumentException($"destination: needs {tokens.Length * vocabulary} floats, got {destination.Length}");
        destination = destination[..(tokens.Length * vocabulary)];
        destination.Clear();
        if (layout == OneHotLayout.PositionMajor)
        {
            for (int i = 0; i < tokens.Length; i++) destination[i * vocabulary + tokens[i]] = 1f;
        }
        else
        {
            int block = inputLength * vocabulary;
            for (int n = 0; n < b; n++)
            {
                var dst = destination.Slice(n * block, block);
                var src = tokens.Slice(n * inputLength, inputLength);
                for (int pos = 0; pos < inputLength; pos++) dst[src[pos] * inputLength + pos] = 1f;
            }
        }
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
