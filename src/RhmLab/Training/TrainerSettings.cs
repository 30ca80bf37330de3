using RhmLab.Data;
using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Options;
using RhmLab.Rhm;
using RhmLab.Rules;

namespace RhmLab.Training;

/// <summary>Whether the learning rate is multiplied by the top layer's width H_L (<c>lr-width-scaling</c>).</summary>
public enum LrWidthScaling
{
    /// <summary>Default: with the mean-field readout under SGD, the scaling that keeps its dynamics width-independent.</summary>
    [Choice("auto")] Auto,
    /// <summary>Always.</summary>
    [Choice("on")] On,
    /// <summary>Never.</summary>
    [Choice("off")] Off,
}

/// <summary>
/// The trainer's run options (docs/METHODS.md §2.4, docs/STOPPING.md): the optimiser and its rate, weight decay, the
/// schedule, the batch, the budgets, the stopping rules and the checkpoint cadence. Null values are defaults that
/// depend on the rule's kind or the RHM, resolved with them into <see cref="TrainerSettings"/>; the trainer reads the
/// others here.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>sgd or adam (null: sgd for supervised rules, adam otherwise).</summary>
    [RunOption("optimizer", "Optimiser (default sgd for supervised rules)")]
    public OptimizerKind? Optimizer { get; set; }
    /// <summary>Base learning rate (null: 0.1 for SGD, 1e-2 for Adam, 3e-3 for self-supervised rules at L ≥ 3).</summary>
    [RunOption("lr", "Base learning rate (default 0.1 for sgd; adam 0.01, or 0.003 for self-supervised rules at L >= 3)", Min = 0, MinExclusive = true)]
    public double? Lr { get; set; }
    /// <summary>Multiply the learning rate by H_L.</summary>
    [RunOption("lr-width-scaling", "Multiply lr by H_L (auto: with mf readout and sgd)")]
    public LrWidthScaling LrWidthScaling { get; set; } = LrWidthScaling.Auto;
    /// <summary>SGD momentum.</summary>
    [RunOption("momentum", "SGD momentum", Min = 0, Max = 1, MaxExclusive = true)]
    public double Momentum { get; set; } = 0.9;
    /// <summary>Weight-decay form.</summary>
    [RunOption("wd-form", "Weight-decay form")]
    public WeightDecayForm WdForm { get; set; } = WeightDecayForm.None;
    /// <summary>Weight-decay λ.</summary>
    [RunOption("wd", "Weight-decay lambda", Min = 0)]
    public double Wd { get; set; }
    /// <summary>Learning-rate schedule.</summary>
    [RunOption("schedule", "Learning-rate schedule")]
    public ScheduleKind Schedule { get; set; } = ScheduleKind.Constant;
    /// <summary>Epochs over which the learning rate rises linearly to its scheduled value (0: none).</summary>
    [RunOption("warmup-epochs", "Epochs over which the learning rate rises linearly to its scheduled value: epoch e (from 0) uses (e+1)/N of it (0: no warm-up)", Min = 0)]
    public int WarmupEpochs { get; set; }
    /// <summary>Batch size.</summary>
    [RunOption("batch", "Batch size", Min = 1)]
    public int Batch { get; set; } = 128;
    /// <summary>Maximum epochs (null: 500 for supervised rules; for self-supervised rules a budget that grows with L).</summary>
    [RunOption("epochs", "Maximum epochs (default 500 supervised; self-supervised 400 at L<=2, 1000 at L=3, 1500 deeper)", Min = 1)]
    public int? Epochs { get; set; }
    /// <summary>Stop when the epoch-mean train loss is below this (0 disables; null: 1e-3 supervised, 0 self-supervised).</summary>
    [RunOption("stop-loss", "Stop when the epoch-mean train loss is below this (0: never; default 1e-3 supervised, 0 self-supervised)", Min = 0)]
    public double? StopLoss { get; set; }
    /// <summary>
    /// Budget in optimiser updates (null: none): the maximum epochs become max(epochs, ⌈updates / steps per epoch⌉),
    /// so that a small training set, with few steps per epoch, still gets this many updates.
    /// </summary>
    [RunOption("updates", "Budget in optimiser updates: maximum epochs = max(epochs, ceil(updates / steps per epoch)), so small training sets get this many updates", Min = 1)]
    public long? Updates { get; set; }
    /// <summary>Stop when the rule's own objective on its training data has stopped falling.</summary>
    [RunOptionGroup]
    public ObjectiveStopOptions ObjectiveStop { get; set; } = new();
    /// <summary>Which weights the run ends with: the last, or those of its lowest objective on the training data.</summary>
    [RunOptionGroup]
    public KeepWeightsOptions KeepWeights { get; set; } = new();
    /// <summary>Stop when the top-layer probe on held-out validation data has converged.</summary>
    [RunOptionGroup]
    public ProbeStopOptions ProbeStop { get; set; } = new();
    /// <summary>Evaluate the test error every this many epochs (0: only at the end).</summary>
    [RunOption("eval-every", "Test error every N epochs (0: only at the end)", Min = 0)]
    public int EvalEvery { get; set; } = 10;
    /// <summary>Evaluate the test error every this many updates as well (0: off), so checkpoints are spaced alike at every P.</summary>
    [RunOption("eval-every-updates", "Test error also every N optimiser updates (0: off): checkpoints spaced alike whatever P; reported, never used to stop", Min = 0)]
    public long EvalEveryUpdates { get; set; }
}

/// <summary>
/// Everything the trainer needs to know about a run, resolved and validated by the experiment layer
/// (<c>ResolvedRun.TrainerSettings</c>): the trainer's own options as given, the values of the options whose defaults
/// depend on the rule or the RHM (optimiser, rate, budget, train-loss stop), the RHM and its data, the network and
/// the stream seeds. The trainer takes this record, not the experiment's run, so the training layer does not depend
/// on the layer above it.
/// </summary>
public sealed record TrainerSettings
{
    /// <summary>The trainer's run options as given (momentum, decay, schedule, batch, stopping rules, checkpoints).</summary>
    public required TrainingOptions Options { get; init; }
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
    /// <summary>The seeds of every stream; rules derive their own streams from the master seed.</summary>
    public required StreamSeeds Seeds { get; init; }
    /// <summary>The optimiser, resolved from the rule's kind when the option leaves it open.</summary>
    public required OptimizerKind Optimizer { get; init; }
    /// <summary>The learning rate used (after any width scaling).</summary>
    public required double LearningRate { get; init; }
    /// <summary>Maximum epochs, after the update budget.</summary>
    public required int Epochs { get; init; }
    /// <summary>Train-loss stopping threshold (0: never).</summary>
    public required double StopLoss { get; init; }
    /// <summary>Ridge α of the checkpoint and probe-stop probes.</summary>
    public required double RidgeAlpha { get; init; }
    /// <summary>How the pair sampler draws negatives (the CLAPP rules' option; other-class for every other rule).</summary>
    public required NegativeMode Negatives { get; init; }
    /// <summary>The supervised loss (for the BP reference of update cosines).</summary>
    public required LossKind Loss { get; init; }
    /// <summary>Whether checkpoints compare the rule's update with BP's (supervised rules other than BP).</summary>
    public required bool CompareWithBackprop { get; init; }
}
