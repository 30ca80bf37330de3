using System.Numerics;
using RhmLab.Numerics;
using RhmLab.Options;

namespace RhmLab.Training;

/// <summary>Which weights a run ends with, and is evaluated with (<c>keep-weights</c>, docs/STOPPING.md).</summary>
public enum KeepWeights
{
    /// <summary>Default: the weights of the last update.</summary>
    [Choice("last")] Last,
    /// <summary>The weights at the end of the block of updates with the lowest mean objective on the training data.</summary>
    [Choice("lowest-objective")] LowestObjective,
}

/// <summary>The run options of <c>keep-weights</c>: like objective-stop, they read nothing outside the P training data.</summary>
public sealed record KeepWeightsOptions : ICheckedOptions
{
    /// <summary>Which weights the run ends with.</summary>
    [RunOption("keep-weights", "Weights the run ends with and is evaluated with: last, or those at the end of the block of keep-weights-every updates whose mean objective on the training data was lowest; reads only the training data")]
    public KeepWeights Keep { get; set; } = KeepWeights.Last;
    /// <summary>Updates averaged into one block mean of the objective.</summary>
    [RunOption("keep-weights-every", "Keep-weights: updates averaged into one block mean of the objective (judged at the end of an epoch)", Min = 1)]
    public long Every { get; set; } = 1000;

    /// <summary>Whether a run keeps the weights of its lowest objective.</summary>
    public bool Enabled => Keep == KeepWeights.LowestObjective;

    /// <inheritdoc/>
    public void Check()
    {
        if (!Enabled && Every != new KeepWeightsOptions().Every)
            throw new ArgumentException("keep-weights-every: applies only with keep-weights lowest-objective");
    }
}

/// <summary>What <c>keep-weights lowest-objective</c> kept: the run's record says it, and whether the weights were put back.</summary>
/// <param name="Update">Updates done when the kept weights were copied (the end of the lowest block).</param>
/// <param name="Objective">The mean objective of that block.</param>
/// <param name="Restored">Whether the run ended elsewhere and the kept weights replaced the last ones.</param>
public sealed record KeptWeights(long Update, double Objective, bool Restored);

/// <summary>
/// Keeps a copy of the network's weights at the lowest objective a run reaches on its own training data, and puts it
/// back when the run ends, so that a run that learns and then loses it (CLAPP at L = 4: the objective jumps by 1–3 and
/// the probe error from 0.001 to 0.35 in one block) is evaluated where it had learned. Data-exact: it reads the rule's
/// loss on the training data, as the train-loss stop and objective-stop do, never a validation or the test set. The
/// trainer hands it each epoch's updates and mean loss; updates are gathered into blocks of at least
/// <see cref="KeepWeightsOptions.Every"/>, so that a block mean, not one noisy epoch, decides (only the run's last
/// block may be shorter), and the weights at the end of a block whose mean is at or below every earlier block's are
/// copied (a tie keeps the later block, so a flat objective keeps the last weights). A step's loss is measured before
/// its update, so a collapse in the last updates of the lowest block is already in the copy; blocks are short against
/// the runs this is for. The copy buffers are made once, so an epoch allocates nothing. Only the network's
/// parameters are kept: the rule's own state (a predictor, an EMA target) is not evaluated. A run whose objective
/// falls to its end, or that met the train-loss stop, keeps its last weights.
/// </summary>
public sealed class LowestObjectiveWeights<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ObjectiveBlocks _blocks;
    private readonly IReadOnlyList<Parameter<T>> _parameters;
    private readonly T[][] _copy;

    /// <summary>Keeps copies of <paramref name="parameters"/>' values.</summary>
    public LowestObjectiveWeights(KeepWeightsOptions options, IReadOnlyList<Parameter<T>> parameters)
    {
        ArgumentNullException.ThrowIfNull(options);
        _parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        if (options.Every < 1) throw new ArgumentException("keep-weights-every: must be >= 1");
        _blocks = new ObjectiveBlocks(options.Every);
        _copy = parameters.Select(p => new T[p.Value.Length]).ToArray();
    }

    /// <summary>The lowest block mean so far (+∞ before the first block).</summary>
    public double Lowest { get; private set; } = double.PositiveInfinity;

    /// <summary>Updates done when the copy was taken (-1: none yet).</summary>
    public long LowestUpdate { get; private set; } = -1;

    /// <summary>
    /// Takes one epoch: its <paramref name="updates"/> and the mean of their losses; <paramref name="totalUpdates"/>
    /// counts every update of the run so far. Copies the weights when a block ends at a new lowest mean.
    /// </summary>
    public void Observe(long totalUpdates, long updates, double meanLoss)
    {
        if (_blocks.Add(updates, meanLoss)) JudgeBlock(totalUpdates);
    }

    /// <summary>
    /// Ends the run: judges the last, possibly short, block, and puts the kept weights back when they are not the
    /// last ones. Returns what was kept, or null when no block had a finite mean. <paramref name="lastMetStop"/>: the
    /// last weights met the train-loss stop, so they are kept whatever an earlier block's mean.
    /// </summary>
    public KeptWeights? Finish(long totalUpdates, bool lastMetStop = false)
    {
        if (_blocks.Flush()) JudgeBlock(totalUpdates);
        if (lastMetStop) return double.IsFinite(_blocks.Last) ? new KeptWeights(totalUpdates, _blocks.Last, false) : null;
        if (LowestUpdate < 0) return null;
        bool restore = LowestUpdate < totalUpdates;
        if (restore)
            for (int i = 0; i < _parameters.Count; i++) _copy[i].AsSpan().CopyTo(_parameters[i].Value);
        return new KeptWeights(LowestUpdate, Lowest, restore);
    }

    private void JudgeBlock(long totalUpdates)
    {
        double block = _blocks.Last;
        // A non-finite block is the divergence check's business; it is never the lowest.
        if (!double.IsFinite(block) || block > Lowest) return;
        Lowest = block;
        LowestUpdate = totalUpdates;
        for (int i = 0; i < _parameters.Count; i++) _parameters[i].Value.AsSpan().CopyTo(_copy[i]);
    }
}
