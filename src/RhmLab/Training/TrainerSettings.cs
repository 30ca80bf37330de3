using RhmLab.Data;
using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Rhm;
using RhmLab.Rules;

namespace RhmLab.Training;

/// <summary>
/// Everything the trainer needs to know about a run, resolved and validated by the experiment layer
/// (<c>ResolvedRun.TrainerSettings</c>): the RHM and its data, the network, the stream seeds, the optimiser and
/// budget, the stopping rules and the checkpoint cadence. The trainer takes this record, not the experiment's run, so
/// the training layer does not depend on the layer above it.
/// </summary>
public sealed record TrainerSettings
{
    /// <summary>The RHM.</summary>
    public required RhmParameters Rhm { get; init; }
    /// <summary>The rule generator.</summary>
    public required RuleVersion Version { get; init; }
    /// <summary>P.</summary>
    public required int Train { get; init; }
    /// <summary>T.</summary>
    public required int Test { get; init; }
    /// <summary>Sampling and split, with their seeds.</summary>
    public required SamplingOptions Sampling { get; init; }
    /// <summary>The network.</summary>
    public required NetworkConfig Network { get; init; }
    /// <summary>Master seed, from which rules derive their own streams.</summary>
    public required long Seed { get; init; }
    /// <summary>Seed of the <c>rules</c> stream.</summary>
    public required long RulesSeed { get; init; }
    /// <summary>Seed of the <c>init</c> stream.</summary>
    public required long InitSeed { get; init; }
    /// <summary>Seed of the <c>feedback</c> stream.</summary>
    public required long FeedbackSeed { get; init; }
    /// <summary>Seed of the <c>batches</c> stream.</summary>
    public required long BatchSeed { get; init; }
    /// <summary>Seed of the <c>pairs</c> stream.</summary>
    public required long PairsSeed { get; init; }
    /// <summary>Seed of the <c>probe</c> stream (probe-stop's validation data).</summary>
    public required long ProbeSeed { get; init; }
    /// <summary>Batch size.</summary>
    public required int Batch { get; init; }
    /// <summary><c>sgd</c> or <c>adam</c>.</summary>
    public required string Optimizer { get; init; }
    /// <summary>SGD momentum.</summary>
    public required double Momentum { get; init; }
    /// <summary>Weight decay.</summary>
    public required WeightDecay Decay { get; init; }
    /// <summary>Learning-rate schedule.</summary>
    public required ScheduleKind Schedule { get; init; }
    /// <summary>Epochs of linear learning-rate warm-up (0: none).</summary>
    public int WarmupEpochs { get; init; }
    /// <summary>The learning rate used (after any width scaling).</summary>
    public required double LearningRate { get; init; }
    /// <summary>Maximum epochs.</summary>
    public required int Epochs { get; init; }
    /// <summary>Train-loss stopping threshold (0: never).</summary>
    public required double StopLoss { get; init; }
    /// <summary>Checkpoint every this many epochs (0: only at the end).</summary>
    public required int EvalEvery { get; init; }
    /// <summary>Checkpoint also once this many updates have passed since the last (0: never).</summary>
    public long EvalEveryUpdates { get; init; }
    /// <summary>Ridge α of the probes.</summary>
    public required double RidgeAlpha { get; init; }
    /// <summary>How negatives are drawn.</summary>
    public required NegativeMode Negatives { get; init; }
    /// <summary>The supervised loss (for the BP reference of update cosines).</summary>
    public required LossKind Loss { get; init; }
    /// <summary>Whether checkpoints compare the rule's update with BP's (supervised rules other than BP).</summary>
    public required bool CompareWithBackprop { get; init; }
    /// <summary>The probe-stop criterion, or null when the run does not stop on its probe.</summary>
    public ProbeConvergenceOptions? ProbeStop { get; init; }
    /// <summary>Probe-stop: epochs between evaluations.</summary>
    public int ProbeStopEvery { get; init; } = 10;
    /// <summary>Probe-stop: fresh validation data.</summary>
    public int ProbeStopData { get; init; } = 2000;
    /// <summary>Probe-stop measures the network's own error on the validation data (supervised rules) instead of the top-layer probe.</summary>
    public bool ProbeStopOnNetwork { get; init; }
    /// <summary>The objective-stop criterion, or null when the run does not stop on its own objective.</summary>
    public ObjectiveConvergenceOptions? ObjectiveStop { get; init; }
}
