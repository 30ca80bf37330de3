namespace RhmLab.Training;

/// <summary>
/// The rule's objective on its training data, gathered into blocks of at least a given number of updates: what
/// objective-stop and keep-weights judge, so that both read the same block means. The trainer hands it, at the end of
/// each epoch, the epoch's updates and the mean of their losses; a block's mean weighs epochs by their updates, which
/// for a fixed batch is the mean per datum up to the last partial batch.
/// </summary>
public sealed class ObjectiveBlocks
{
    private readonly long _every;
    private double _sum;
    private long _updates;

    /// <summary>Blocks of at least <paramref name="every"/> updates (≥ 1; the callers name their own option).</summary>
    public ObjectiveBlocks(long every)
    {
        if (every < 1) throw new ArgumentOutOfRangeException(nameof(every), every, "a block holds at least one update");
        _every = every;
    }

    /// <summary>The mean of the last block closed, or NaN before the first.</summary>
    public double Last { get; private set; } = double.NaN;

    /// <summary>Adds one epoch; true when it closes a block, whose mean is then <see cref="Last"/>.</summary>
    public bool Add(long updates, double meanLoss)
    {
        if (updates <= 0) return false;
        _sum += meanLoss * updates;
        _updates += updates;
        return _updates >= _every && Close();
    }

    /// <summary>Closes the open, shorter block at the end of a run; true when it held any update.</summary>
    public bool Flush() => _updates > 0 && Close();

    private bool Close()
    {
        Last = _sum / _updates;
        _sum = 0;
        _updates = 0;
        return true;
    }
}
