using RhmLab.Options;

namespace RhmLab.Rhm;

/// <summary>
/// The run options of the Random Hierarchy Model: its shape and the generator of its rules (docs/METHODS.md §1).
/// </summary>
public sealed record RhmOptions : ICheckedOptions
{
    /// <summary>n_c.</summary>
    [RunOption("nc", "Number of classes n_c", Min = 2)]
    public int Nc { get; set; } = 8;
    /// <summary>m.</summary>
    [RunOption("m", "Productions (synonyms) per symbol m", Min = 1)]
    public int M { get; set; } = 8;
    /// <summary>v.</summary>
    [RunOption("v", "Vocabulary size v", Min = 2)]
    public int V { get; set; } = 8;
    /// <summary>s.</summary>
    [RunOption("s", "Tuple size s", Min = 2)]
    public int S { get; set; } = 2;
    /// <summary>L.</summary>
    [RunOption("L", "Depth L (alias: depth)", Alias = "depth", Min = 1)]
    public int L { get; set; } = 3;
    /// <summary>The generator of the production rules.</summary>
    [RunOption("rules", "Rule generator")]
    public RuleVersion Rules { get; set; } = RuleVersion.V2;

    /// <summary>The parameters (n_c, m, v, s, L).</summary>
    public RhmParameters Parameters => new(Nc, M, V, S, L);

    /// <inheritdoc/>
    public void Check() => Parameters.Validate();
}

/// <summary>
/// The seeds of a run's random streams (docs/METHODS.md §1.9): one master seed, and an override per named stream
/// (null: the master seed), so that one stream can change while every other draw stays the same.
/// </summary>
public sealed record StreamSeeds
{
    /// <summary>Master seed of every stream.</summary>
    [RunOption("seed", "Master seed of every stream")]
    public long Seed { get; set; } = 1;
    /// <summary><c>rules</c> stream seed.</summary>
    [RunOption("rules-seed", "Seed of the rules stream (default: seed)")]
    public long? RulesSeed { get; set; }
    /// <summary><c>sample</c> stream seed.</summary>
    [RunOption("sample-seed", "Seed of the sample stream")]
    public long? SampleSeed { get; set; }
    /// <summary><c>split</c> stream seed.</summary>
    [RunOption("split-seed", "Seed of the split stream")]
    public long? SplitSeed { get; set; }
    /// <summary><c>init</c> stream seed.</summary>
    [RunOption("init-seed", "Seed of the init stream")]
    public long? InitSeed { get; set; }
    /// <summary><c>feedback</c> stream seed.</summary>
    [RunOption("feedback-seed", "Seed of the feedback stream")]
    public long? FeedbackSeed { get; set; }
    /// <summary><c>batches</c> stream seed.</summary>
    [RunOption("batch-seed", "Seed of the batches stream")]
    public long? BatchSeed { get; set; }
    /// <summary><c>pairs</c> stream seed.</summary>
    [RunOption("pairs-seed", "Seed of the pairs stream")]
    public long? PairsSeed { get; set; }
    /// <summary><c>probe</c> stream seed.</summary>
    [RunOption("probe-seed", "Seed of the probe stream")]
    public long? ProbeSeed { get; set; }

    /// <summary>The effective seed of the <c>rules</c> stream.</summary>
    public long Rules => RulesSeed ?? Seed;
    /// <summary>The effective seed of the <c>sample</c> stream.</summary>
    public long Sample => SampleSeed ?? Seed;
    /// <summary>The effective seed of the <c>split</c> stream.</summary>
    public long Split => SplitSeed ?? Seed;
    /// <summary>The effective seed of the <c>init</c> stream.</summary>
    public long Init => InitSeed ?? Seed;
    /// <summary>The effective seed of the <c>feedback</c> stream.</summary>
    public long Feedback => FeedbackSeed ?? Seed;
    /// <summary>The effective seed of the <c>batches</c> stream.</summary>
    public long Batches => BatchSeed ?? Seed;
    /// <summary>The effective seed of the <c>pairs</c> stream.</summary>
    public long Pairs => PairsSeed ?? Seed;
    /// <summary>The effective seed of the <c>probe</c> stream.</summary>
    public long Probe => ProbeSeed ?? Seed;
}
