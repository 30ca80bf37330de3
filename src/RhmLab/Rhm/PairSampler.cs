using RhmLab.Options;

namespace RhmLab.Rhm;

/// <summary>How a negative partner is chosen (docs/METHODS.md §1.10).</summary>
public enum NegativeMode
{
    /// <summary>Default: uniform among training data of another class.</summary>
    [Choice("other-class")] OtherClass,
    /// <summary>Any other training datum (the original CLAPP style); may share the anchor's class.</summary>
    [Choice("random")] Random,
    /// <summary>Batch element b + 1 (mod B), the deterministic choice of [LSSL]; resolved by the batch builder.</summary>
    [Choice("shift")] Shift,
}

/// <summary>
/// Same-object pair sampling for self-supervised rules, using only the P training points: a positive is another
/// training datum of the same class, a negative one of another class. Labels group encodings into objects and are
/// never used as targets.
/// </summary>
public sealed class PairSampler
{
    private readonly int[] _labels;
    private readonly int[] _byClass;      // training indices sorted by class
    private readonly int[] _classStart;   // _byClass[_classStart[c].._classStart[c+1]) belong to class c
    private readonly Rng _rng;

    /// <summary>Creates a sampler over training labels, drawing from <paramref name="rng"/> (the <c>pairs</c> stream).</summary>
    public PairSampler(int[] labels, int classes, Rng rng, NegativeMode negatives = NegativeMode.OtherClass)
    {
        _labels = labels ?? throw new ArgumentNullException(nameof(labels));
        _rng = rng ?? throw new ArgumentNullException(nameof(rng));
        Negatives = negatives;
        _classStart = new int[classes + 1];
        foreach (int y in labels)
        {
            if (y < 0 || y >= classes) throw new ArgumentOutOfRangeException(nameof(labels), $"label {y} outside [0, {classes})");
            _classStart[y + 1]++;
        }
        for (int c = 0; c < classes; c++) _classStart[c + 1] += _classStart[c];
        _byClass = new int[labels.Length];
        var fill = (int[])_classStart.Clone();
        for (int i = 0; i < labels.Length; i++) _byClass[fill[labels[i]]++] = i;
        Singletons = 0;
        for (int c = 0; c < classes; c++) if (_classStart[c + 1] - _classStart[c] == 1) Singletons++;
    }

    /// <summary>The negative mode.</summary>
    public NegativeMode Negatives { get; }

    /// <summary>Number of classes with a single training datum (their anchors have no positive).</summary>
    public int Singletons { get; }

    /// <summary>Fills <paramref name="order"/> with a random permutation of the training indices (one epoch of anchors).</summary>
    public void ShuffleAnchors(Span<int> order)
    {
        for (int i = 0; i < order.Length; i++) order[i] = i;
        _rng.Shuffle(order);
    }

    /// <summary>A positive partner for <paramref name="anchor"/>: uniform among the other training data of its class, or −1.</summary>
    public int Positive(int anchor)
    {
        int c = _labels[anchor];
        int start = _classStart[c], count = _classStart[c + 1] - start;
        if (count < 2) return -1;
        // Draw among the count − 1 others by skipping the anchor's own slot.
        int k = _rng.NextInt(count - 1);
        int pick = _byClass[start + k];
        return pick == anchor ? _byClass[start + count - 1] : pick;
    }

    /// <summary>A negative partner for <paramref name="anchor"/>, or −1 when none exists (or under <see cref="NegativeMode.Shift"/>).</summary>
    public int Negative(int anchor)
    {
        int n = _labels.Length;
        switch (Negatives)
        {
            case NegativeMode.Random:
                if (n < 2) return -1;
                int r = _rng.NextInt(n - 1);
                return r >= anchor ? r + 1 : r;
            case NegativeMode.Shift:
                return -1;
            default:
                int c = _labels[anchor];
                int start = _classStart[c], count = _classStart[c + 1] - start;
                int others = n - count;
                if (others == 0) return -1;
                int k = _rng.NextInt(others);
                return _byClass[k < start ? k : k + count];
        }
    }
}
