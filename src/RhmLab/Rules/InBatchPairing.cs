namespace RhmLab.Rules;

/// <summary>
/// The pairs of an in-batch CLAPP step (<see cref="RuleInput.InBatchPairs"/>): a batch of 2n rows holds n data and
/// then a positive partner of each, so every row is an anchor whose positive is its partner r ± n. The negative of
/// row r is the next row after it, cyclically, of another class (or, with <c>shift</c>, the next row whatever its
/// class), so negatives cost no extra rows. The labels only group rows into objects. A row labelled −1 (a missing
/// partner) is no anchor, nobody's positive and nobody's negative.
/// </summary>
public static class InBatchPairing
{
    /// <summary>
    /// Fills, for each of the <paramref name="labels"/>.Length = 2n rows, its partner and negative row (the row
    /// itself where it has none) and whether it has a positive and a negative.
    /// </summary>
    public static void Pair(ReadOnlySpan<int> labels, bool negatives, bool shift, Span<int> partner, Span<int> negative, Span<bool> hasPositive, Span<bool> hasNegative)
    {
        int rows = labels.Length;
        if (rows % 2 != 0) throw new ArgumentException($"an in-batch batch has an even number of rows (got {rows})", nameof(labels));
        if (partner.Length < rows || negative.Length < rows || hasPositive.Length < rows || hasNegative.Length < rows)
            throw new ArgumentException("pairing buffers are shorter than the batch");
        int n = rows / 2;
        for (int r = 0; r < rows; r++)
        {
            int p = r < n ? r + n : r - n;
            partner[r] = p;
            bool anchor = labels[r] >= 0;
            hasPositive[r] = anchor && labels[p] >= 0;
            int neg = -1;
            if (anchor && negatives)
            {
                for (int step = 1; step < rows; step++)
                {
                    int q = r + step < rows ? r + step : r + step - rows;
                    if (labels[q] < 0) continue;
                    if (shift || labels[q] != labels[r]) { neg = q; break; }
                }
            }
            hasNegative[r] = neg >= 0;
            negative[r] = neg >= 0 ? neg : r;
        }
    }
}
