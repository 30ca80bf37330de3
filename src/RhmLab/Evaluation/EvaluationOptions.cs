using RhmLab.Options;

namespace RhmLab.Evaluation;

/// <summary>Which linear probes read every layer after training (docs/METHODS.md §4.1).</summary>
public enum ProbeKind
{
    /// <summary>Default: the ridge probe.</summary>
    [Choice("ridge")] Ridge,
    /// <summary>The logistic probe (its errors also take the place of the ridge probe's).</summary>
    [Choice("logistic")] Logistic,
    /// <summary>Both probes.</summary>
    [Choice("both")] Both,
    /// <summary>No probe.</summary>
    [Choice("none")] None,
}

/// <summary>
/// The run options of the measurements of a trained network: the probes of every layer and the synonymic
/// sensitivity (docs/METHODS.md §4).
/// </summary>
public sealed record EvaluationOptions
{
    /// <summary>The probes of every layer.</summary>
    [RunOption("probe", "Linear probe of every layer")]
    public ProbeKind Probe { get; set; } = ProbeKind.Ridge;
    /// <summary>Ridge α, of the final probes and of the trainer's checkpoints.</summary>
    [RunOption("ridge-alpha", "Ridge probe regularisation", Min = 0)]
    public double RidgeAlpha { get; set; } = 1.0;
    /// <summary>Measure the synonymic sensitivity of every layer after training and add it to the run record.</summary>
    [RunOption("sensitivity", "Measure the synonymic sensitivity of every layer and add it to the run record")]
    public bool MeasureSensitivity { get; set; }
    /// <summary>How the sensitivity is measured (its seed is the run's).</summary>
    [RunOptionGroup]
    public SensitivityOptions Sensitivity { get; set; } = new();

    /// <summary>Whether the ridge probe runs.</summary>
    public bool Ridge => Probe is ProbeKind.Ridge or ProbeKind.Both;
    /// <summary>Whether the logistic probe runs.</summary>
    public bool Logistic => Probe is ProbeKind.Logistic or ProbeKind.Both;
}
