namespace RhmLab.Analysis;

/// <summary>Settings of a P* analysis.</summary>
public sealed record PStarOptions
{
    /// <summary>Which error is thresholded.</summary>
    public ErrorMeasure Measure { get; init; } = ErrorMeasure.Probe;
    /// <summary>Threshold as a fraction of the random-guess error (0.1 in the paper).</summary>
    public double ThresholdFraction { get; init; } = 0.1;
    /// <summary>Bootstrap resamples over seeds.</summary>
    public int Resamples { get; init; } = 1000;
    /// <summary>Seed of the bootstrap generator.</summary>
    public long Seed { get; init; }
}

/// <summary>P* of one group, with its curve and its ratio to BP.</summary>
public sealed class PStarGroupResult
{
    /// <summary>The group.</summary>
    public required RunGroup Group { get; init; }
    /// <summary>Errors per P and seed.</summary>
    public required SeedCurve Curve { get; init; }
    /// <summary>Mean error over seeds per P.</summary>
    public required double[] Mean { get; init; }
    /// <summary>Absolute threshold ε* = fraction·(1 − 1/n_c).</summary>
    public double Threshold { get; init; }
    /// <summary>P* of the mean curve.</summary>
    public PStarValue Estimate { get; init; }
    /// <summary>Bootstrap over seeds.</summary>
    public required PStarBootstrap Bootstrap { get; init; }
    /// <summary>The BP group it is compared with, when there is one.</summary>
    public RunGroup? Bp { get; init; }
    /// <summary>P*_rule / P*_BP when both are values, else NaN.</summary>
    public double RatioToBp { get; init; } = double.NaN;
    /// <summary>The ratio as text, with a bound when one side is censored ("&gt; 2.5"), "-" when unknown.</summary>
    public string RatioText { get; init; } = "-";
    /// <summary>The most data outside their training sets that the group's runs read (stopping, selection).</summary>
    public long ExtraDataRead { get; init; }
    /// <summary>
    /// True when this group and its BP group read different amounts of data outside their training sets: the ratio
    /// then compares rules given different data (METHODS §1.10) and is flagged, never silently reported.
    /// </summary>
    public bool UnequalData { get; init; }
}

/// <summary>A P*-vs-D* fit over the configurations of one rule family.</summary>
public sealed class PStarFitResult
{
    /// <summary>Rule.</summary>
    public required string Rule { get; init; }
    /// <summary>
    /// The training options that tell this family from the rule's other families, as text ("" when the rule has one
    /// family): with <see cref="Rule"/>, the family.
    /// </summary>
    public required string FamilyOptions { get; init; }
    /// <summary>Every configuration of the family, ordered by D*.</summary>
    public required IReadOnlyList<PStarGroupResult> Members { get; init; }
    /// <summary>Configurations with an uncensored P* (the fitted points).</summary>
    public required IReadOnlyList<PStarGroupResult> Points { get; init; }
    /// <summary>Configurations left out because P* was censored or missing.</summary>
    public int Censored { get; init; }
    /// <summary>The least-squares fit.</summary>
    public required LogLogFit Fit { get; init; }
    /// <summary>2.5 % bootstrap quantile of the slope (replicates paired across configurations).</summary>
    public double BootstrapSlopeLow { get; init; } = double.NaN;
    /// <summary>97.5 % bootstrap quantile of the slope.</summary>
    public double BootstrapSlopeHigh { get; init; } = double.NaN;
    /// <summary>Bootstrap replicates in which every configuration was uncensored (the ones that entered the interval).</summary>
    public int BootstrapUsed { get; init; }
}
