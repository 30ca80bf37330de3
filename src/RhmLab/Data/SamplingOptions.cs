using RhmLab.Options;

namespace RhmLab.Data;

/// <summary>How training and test indices are drawn (docs/METHODS.md §1.7).</summary>
public enum SamplingMode
{
    /// <summary>Default: P + T distinct indices, uniformly without replacement.</summary>
    [Choice("distinct")] Distinct,
    /// <summary>Independent draws with replacement; duplicates can occur and are counted. Only on request.</summary>
    [Choice("iid")] Iid,
}

/// <summary>How the drawn sequence is split into test and training sets.</summary>
public enum SplitMode
{
    /// <summary>Default: the first T drawn indices are the test set, the next P the training set, so test sets
    /// agree and training sets are nested across P for one seed.</summary>
    [Choice("test-first-nested")] TestFirstNested,
    /// <summary>[TLM]: a fresh ordered sample of P + T per run, the first P for training; the <c>split</c> stream
    /// shuffles the sample before it is cut.</summary>
    [Choice("joint")] Joint,
}

/// <summary>Seeds and modes of dataset sampling. Every seed is the master seed of its own named stream.</summary>
/// <param name="SampleSeed">Seed of the <c>sample</c> stream (the sequence of indices).</param>
/// <param name="SplitSeed">Seed of the <c>split</c> stream (used by <see cref="SplitMode.Joint"/>).</param>
/// <param name="Sampling">Distinct (default) or iid.</param>
/// <param name="Split">Test-first-nested (default) or joint.</param>
public sealed record SamplingOptions(long SampleSeed, long SplitSeed, SamplingMode Sampling = SamplingMode.Distinct, SplitMode Split = SplitMode.TestFirstNested)
{
    /// <summary>Parses <c>distinct</c> or <c>iid</c> (any case, spaces around ignored), as the data command reads it.</summary>
    public static SamplingMode ParseSampling(string text) => Choices.Parse<SamplingMode>(text.Trim().ToLowerInvariant(), "sampling");

    /// <summary>Parses <c>test-first-nested</c> or <c>joint</c> (any case, spaces around ignored).</summary>
    public static SplitMode ParseSplit(string text) => Choices.Parse<SplitMode>(text.Trim().ToLowerInvariant(), "split");

    /// <summary>Printed name of a sampling mode.</summary>
    public static string Name(SamplingMode mode) => Choices.Name(mode);

    /// <summary>Printed name of a split mode.</summary>
    public static string Name(SplitMode mode) => Choices.Name(mode);
}

/// <summary>
/// The run options of the data: how many training and test data, and how their indices are drawn and split
/// (docs/METHODS.md §1.7). Null sizes are defaults that depend on the RHM, resolved with it.
/// </summary>
public sealed record DataOptions
{
    /// <summary>Training-set size P (null: 4·n_c·m^L, or <see cref="TrainMultiple"/>·n_c·m^L).</summary>
    [RunOption("train", "Training-set size P (default 4*n_c*m^L)", Min = 1)]
    public long? Train { get; set; }
    /// <summary>P as a multiple of n_c·m^L (used when <see cref="Train"/> is null).</summary>
    [RunOption("train-x", "P as a multiple of n_c*m^L (when train is not given)", Min = 0, MinExclusive = true)]
    public double? TrainMultiple { get; set; }
    /// <summary>Test-set size T (null: min(20000, P_max − P)).</summary>
    [RunOption("test", "Test-set size T (default min(20000, P_max - P))", Min = 0)]
    public long? Test { get; set; }
    /// <summary>Index sampling.</summary>
    [RunOption("sampling", "Index sampling")]
    public SamplingMode Sampling { get; set; } = SamplingMode.Distinct;
    /// <summary>Train/test split.</summary>
    [RunOption("split", "Train/test split")]
    public SplitMode Split { get; set; } = SplitMode.TestFirstNested;
}
