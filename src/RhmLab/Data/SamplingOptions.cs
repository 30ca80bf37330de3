namespace RhmLab.Data;

/// <summary>How training and test indices are drawn (docs/METHODS.md §1.7).</summary>
public enum SamplingMode
{
    /// <summary>Default: P + T distinct indices, uniformly without replacement.</summary>
    Distinct,
    /// <summary>Independent draws with replacement; duplicates can occur and are counted. Only on request.</summary>
    Iid,
}

/// <summary>How the drawn sequence is split into test and training sets.</summary>
public enum SplitMode
{
    /// <summary>Default: the first T drawn indices are the test set, the next P the training set, so test sets
    /// agree and training sets are nested across P for one seed.</summary>
    TestFirstNested,
    /// <summary>[TLM]: a fresh ordered sample of P + T per run, the first P for training; the <c>split</c> stream
    /// shuffles the sample before it is cut.</summary>
    Joint,
}

/// <summary>Seeds and modes of dataset sampling. Every seed is the master seed of its own named stream.</summary>
/// <param name="SampleSeed">Seed of the <c>sample</c> stream (the sequence of indices).</param>
/// <param name="SplitSeed">Seed of the <c>split</c> stream (used by <see cref="SplitMode.Joint"/>).</param>
/// <param name="Sampling">Distinct (default) or iid.</param>
/// <param name="Split">Test-first-nested (default) or joint.</param>
public sealed record SamplingOptions(long SampleSeed, long SplitSeed, SamplingMode Sampling = SamplingMode.Distinct, SplitMode Split = SplitMode.TestFirstNested)
{
    /// <summary>Parses <c>distinct</c> or <c>iid</c>.</summary>
    public static SamplingMode ParseSampling(string text) => text.Trim().ToLowerInvariant() switch
    {
        "distinct" => SamplingMode.Distinct,
        "iid" => SamplingMode.Iid,
        _ => throw new ArgumentException($"sampling: unknown mode '{text}' (expected distinct or iid)"),
    };

    /// <summary>Parses <c>test-first-nested</c> or <c>joint</c>.</summary>
    public static SplitMode ParseSplit(string text) => text.Trim().ToLowerInvariant() switch
    {
        "test-first-nested" => SplitMode.TestFirstNested,
        "joint" => SplitMode.Joint,
        _ => throw new ArgumentException($"split: unknown mode '{text}' (expected test-first-nested or joint)"),
    };

    /// <summary>Printed name of a sampling mode.</summary>
    public static string Name(SamplingMode mode) => mode == SamplingMode.Iid ? "iid" : "distinct";

    /// <summary>Printed name of a split mode.</summary>
    public static string Name(SplitMode mode) => mode == SplitMode.Joint ? "joint" : "test-first-nested";
}
