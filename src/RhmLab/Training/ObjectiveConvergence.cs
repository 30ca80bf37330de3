using RhmLab.Options;

namespace RhmLab.Training;

/// <summary>
/// The run options of objective-stop (docs/STOPPING.md): stop when the rule's own objective on its training data has
/// stopped falling. The data-exact stop: it reads nothing outside the P training data. Everything is counted in updates.
/// </summary>
public sealed record ObjectiveStopOptions : ICheckedOptions
{
    /// <summary>Whether the run stops on its own objective.</summary>
    [RunOption("objective-stop", "Stop when the rule's own objective, the mean loss on its training data over blocks of objective-stop-every updates, has not fallen by objective-stop-tol (relative) for objective-stop-window updates; reads only the training data", Off = "off", On = "on")]
    public bool Enabled { get; set; }
    /// <summary>Updates in one block: the criterion reads the mean objective over at least this many updates.</summary>
    [RunOption("objective-stop-every", "Objective-stop: updates averaged into one block mean of the objective (checked at the end of an epoch)", Min = 1)]
    public long Every { get; set; } = 1000;
    /// <summary>Updates without progress before a plateau stop.</summary>
    [RunOption("objective-stop-window", "Objective-stop: updates without progress before a plateau stop", Min = 1)]
    public long Window { get; set; } = 20000;
    /// <summary>The relative fall of the block mean, below its level at the last progress, that counts as progress.</summary>
    [RunOption("objective-stop-tol", "Objective-stop: relative fall of the block mean below its level at the last progress that counts as progress", Min = 0)]
    public double Tolerance { get; set; } = 0.01;
    /// <summary>No plateau stop before this many updates.</summary>
    [RunOption("objective-stop-min-updates", "Objective-stop: no plateau stop before this many updates", Min = 0)]
    public long MinUpdates { get; set; } = 20000;

    /// <inheritdoc/>
    public void Check()
    {
        var d = new ObjectiveStopOptions();
        if (!Enabled && (Every != d.Every || Window != d.Window || Tolerance != d.Tolerance || MinUpdates != d.MinUpdates))
            throw new ArgumentException("objective-stop-every, -window, -tol, -min-updates: apply only with objective-stop on");
    }
}

/// <summary>
/// When a run has stopped improving its own objective on its own training data (docs/STOPPING.md): the data-exact stop
/// of the self-supervised rules, which reads nothing but the P training data and the rule's loss on them, as BP's
/// train-loss stop does. The trainer hands it, at the end of each epoch, the updates made so far and the mean loss of
/// the updates since the last block; once a block holds at least <see cref="ObjectiveStopOptions.Every"/>
/// updates it is judged. A block whose mean lies more than the tolerance (relative) below the level at the last
/// progress is progress; a run stops (<c>objective-plateau</c>) when no block has made progress for
/// <see cref="ObjectiveStopOptions.Window"/> updates, from <see cref="ObjectiveStopOptions.MinUpdates"/>
/// on. Everything is counted in updates, not epochs, so P = 256 (4 updates per epoch) and P = 40 000 (625) are treated
/// alike. As in <see cref="ProbeConvergence"/>, progress is measured against the level at the last progress, so a slow
/// steady fall that adds up to the tolerance within a window never stops, and noise around a level does.
/// </summary>
public sealed class ObjectiveConvergence
{
    private readonly ObjectiveStopOptions _options;
    private double _reference = double.PositiveInfinity;
    private long _lastProgress;
    private readonly ObjectiveBlocks _blocks;

    /// <summary>Stop reason when the objective has stopped falling.</summary>
    public const string Plateau = "objective-plateau";

    /// <summary>A criterion with no update seen yet.</summary>
    public ObjectiveConvergence(ObjectiveStopOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        if (options.Every < 1) throw new ArgumentException("objective-stop-every: must be >= 1");
        if (options.Window < 1) throw new ArgumentException("objective-stop-window: must be >= 1");
        if (!(options.Tolerance >= 0)) throw new ArgumentException("objective-stop-tol: must be >= 0");
        _blocks = new ObjectiveBlocks(options.Every);
    }

    /// <summary>The level at the last progress (the mean of the block that made it).</summary>
    public double Reference => _reference;

    /// <summary>The mean of the last block judged, or NaN before the first.</summary>
    public double LastBlock => _blocks.Last;

    /// <summary>
    /// Takes one epoch: its <paramref name="updates"/> and the mean of its per-update losses. Returns a stop reason or
    /// null. <paramref name="totalUpdates"/> counts every update of the run up to the end of this epoch.
    /// </summary>
    public string? Observe(long totalUpdates, long updates, double meanLoss)
    {
        if (!_blocks.Add(updates, meanLoss)) return null;
        double block = _blocks.Last;
        // A non-finite objective is the divergence check's business, not a plateau.
        if (!double.IsFinite(block)) return null;
        if (double.IsPositiveInfinity(_reference) || block < _reference - _options.Tolerance * Math.Abs(_reference))
        {
            _reference = block;
            _lastProgress = totalUpdates;
            return null;
        }
        return totalUpdates - _lastProgress >= _options.Window && totalUpdates >= _options.MinUpdates ? Plateau : null;
    }
}
