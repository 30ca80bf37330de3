namespace RhmLab.Analysis;

/// <summary>
/// Which error of a run an analysis reads. [RHM]'s P* uses the network's own error and the paper's a linear probe
/// (docs/METHODS.md §4.4), so every table and figure names the measure and never mixes two of them.
/// </summary>
public enum ErrorMeasure
{
    /// <summary>Top-layer ridge probe test error (<c>probe_errors[-1]</c>).</summary>
    Probe,
    /// <summary>The network's own test error (<c>network_test_error</c>); supervised rules only.</summary>
    Network,
    /// <summary>Top-layer logistic probe test error (<c>logistic_probe_errors[-1]</c>), when it was measured.</summary>
    Logistic,
}

/// <summary>Names and labels of <see cref="ErrorMeasure"/>.</summary>
public static class ErrorMeasures
{
    /// <summary>Parses <c>probe</c>, <c>network</c> or <c>logistic</c>.</summary>
    public static ErrorMeasure Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "probe" or "ridge" => ErrorMeasure.Probe,
        "network" => ErrorMeasure.Network,
        "logistic" => ErrorMeasure.Logistic,
        _ => throw new ArgumentException($"--measure must be probe, network or logistic (got '{text}')"),
    };

    /// <summary>The command-line name.</summary>
    public static string Name(this ErrorMeasure m) => m switch
    {
        ErrorMeasure.Probe => "probe",
        ErrorMeasure.Network => "network",
        _ => "logistic",
    };

    /// <summary>A label for tables and axes.</summary>
    public static string Label(this ErrorMeasure m) => m switch
    {
        ErrorMeasure.Probe => "top-layer ridge probe test error",
        ErrorMeasure.Network => "network test error",
        _ => "top-layer logistic probe test error",
    };
}
