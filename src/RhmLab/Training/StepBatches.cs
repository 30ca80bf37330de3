using RhmLab.Data;
using RhmLab.Rhm;
using RhmLab.Rules;

namespace RhmLab.Training;

/// <summary>
/// How a step's rows are built from the epoch's order, one implementation per kind of rule input: the data alone
/// (labelled and unlabelled rules), each datum followed by a positive partner (in-batch pairing), or anchors,
/// positives and negatives in three blocks (triplets). The rows go into buffers made once; nothing is allocated per
/// step. The pair sampler's draws happen in the order they always did, so runs stay bit-identical.
/// </summary>
internal abstract class StepBatches
{
    protected StepBatches(Dataset train) { Train = train; }

    protected Dataset Train { get; }

    /// <summary>Negative partners drawn this epoch (triplets), and how many shared the anchor's class.</summary>
    public long Negatives { get; protected set; }

    /// <summary>Of <see cref="Negatives"/>, those of the anchor's class.</summary>
    public long SameClassNegatives { get; protected set; }

    /// <summary>Starts an epoch's counts.</summary>
    public void BeginEpoch() { Negatives = 0; SameClassNegatives = 0; }

    /// <summary>Fills the rows of the step of data order[start … start + b − 1]; returns the number of rows.</summary>
    public abstract int Fill(int[] order, int start, int b, int[] tokens, int[] labels);

    /// <summary>The builder for a rule's input.</summary>
    public static StepBatches For(RuleInput input, Dataset train, PairSampler? sampler) => input switch
    {
        RuleInput.InBatchPairs => new InBatchPairs(train, sampler ?? throw new ArgumentNullException(nameof(sampler))),
        RuleInput.Pairs => new Triplets(train, sampler ?? throw new ArgumentNullException(nameof(sampler))),
        _ => new Plain(train),
    };

    protected void CopyRow(int row, int slot, int[] tokens, int[] labels) => CopyRow(Train, row, slot, tokens, labels);

    /// <summary>Datum <paramref name="row"/> of <paramref name="data"/> into row <paramref name="slot"/> of a step's tokens and labels.</summary>
    public static void CopyRow(Dataset data, int row, int slot, int[] tokens, int[] labels)
    {
        int d = data.InputLength;
        labels[slot] = data.Labels[row];
        var src = data.Tokens(row);
        for (int q = 0; q < d; q++) tokens[slot * d + q] = src[q];
    }

    /// <summary>The data alone, one row each.</summary>
    private sealed class Plain(Dataset train) : StepBatches(train)
    {
        public override int Fill(int[] order, int start, int b, int[] tokens, int[] labels)
        {
            for (int i = 0; i < b; i++) CopyRow(order[start + i], i, tokens, labels);
            return b;
        }
    }

    /// <summary>b data, then a positive partner each (a missing partner repeats its datum with label −1).</summary>
    private sealed class InBatchPairs(Dataset train, PairSampler sampler) : StepBatches(train)
    {
        public override int Fill(int[] order, int start, int b, int[] tokens, int[] labels)
        {
            for (int i = 0; i < b; i++) CopyRow(order[start + i], i, tokens, labels);
            for (int i = 0; i < b; i++)
            {
                int pos = sampler.Positive(order[start + i]);
                CopyRow(pos >= 0 ? pos : order[start + i], b + i, tokens, labels);
                if (pos < 0) labels[b + i] = -1;
            }
            return 2 * b;
        }
    }

    /// <summary>b anchors, their positives, their negatives (the next anchor of the step under <c>negatives shift</c>).</summary>
    private sealed class Triplets(Dataset train, PairSampler sampler) : StepBatches(train)
    {
        public override int Fill(int[] order, int start, int b, int[] tokens, int[] labels)
        {
            for (int i = 0; i < b; i++) CopyRow(order[start + i], i, tokens, labels);
            for (int i = 0; i < b; i++)
            {
                int anchor = order[start + i];
                int pos = sampler.Positive(anchor);
                int neg = sampler.Negatives == NegativeMode.Shift ? (b > 1 ? order[start + (i + 1) % b] : -1) : sampler.Negative(anchor);
                // A missing partner is marked by label −1; its row repeats the anchor and is never scored.
                CopyRow(pos >= 0 ? pos : anchor, b + i, tokens, labels);
                if (pos < 0) labels[b + i] = -1;
                CopyRow(neg >= 0 ? neg : anchor, 2 * b + i, tokens, labels);
                if (neg < 0) labels[2 * b + i] = -1;
                else { Negatives++; if (Train.Labels[neg] == Train.Labels[anchor]) SameClassNegatives++; }
            }
            return 3 * b;
        }
    }
}
