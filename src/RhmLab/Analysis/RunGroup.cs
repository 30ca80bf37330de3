namespace RhmLab.Analysis;

/// <summary>
/// Runs of one rule and one configuration that differ only in the training-set size and the seeds: the points
/// and repetitions of one error-vs-P curve.
/// </summary>
public sealed class RunGroup
{
    /// <summary>Canonical text of every option that defines the group.</summary>
    public required string Key { get; init; }
    /// <summary>Learning rule.</summary>
    public required string Rule { get; init; }
    /// <summary>Short human-readable name: rule, RHM, widths and the options that tell it from the rule's other groups.</summary>
    public required string Label { get; init; }
    /// <summary>The label without the rule: RHM, widths and distinguishing options.</summary>
    public string ConfigLabel => Label.StartsWith(Rule + " ", StringComparison.Ordinal) ? Label[(Rule.Length + 1)..] : Label;
    /// <summary>The options that tell this group from the other groups of its rule (name → value text).</summary>
    public required IReadOnlyDictionary<string, string> Distinct { get; init; }
    /// <summary>Every option of the group (name → canonical JSON text).</summary>
    public required IReadOnlyDictionary<string, string> Options { get; init; }
    /// <summary>The runs, in read order.</summary>
    public required IReadOnlyList<RunRecord> Runs { get; init; }
    /// <summary>
    /// Key of the group's fit family: the rule and its options other than the RHM shape and the widths, so that
    /// one P*-vs-D* fit runs across RHM configurations at fixed training options.
    /// </summary>
    public required string FamilyKey { get; init; }
    /// <summary>Key of the task and architecture alone (RHM, generator, widths, architecture), to pair a rule with BP.</summary>
    public required string TaskKey { get; init; }

    /// <summary>A representative run (the first).</summary>
    public RunRecord First => Runs[0];
    /// <summary>n_c.</summary>
    public int Nc => First.Nc;
    /// <summary>D* = n_c·v^L.</summary>
    public double DStar => First.DStar;
    /// <summary>n_c·m^L.</summary>
    public double SampleScale => First.SampleScale;
    /// <summary>1 − 1/n_c.</summary>
    public double ChanceError => First.ChanceError;
}
