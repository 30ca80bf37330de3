namespace RhmLab.Analysis.Figures;

/// <summary>Settings shared by the figures.</summary>
public sealed record FigureOptions
{
    /// <summary>Which error the error-vs-P, P* and ICA figures read.</summary>
    public ErrorMeasure Measure { get; init; } = ErrorMeasure.Probe;
    /// <summary>Threshold as a fraction of the random-guess error.</summary>
    public double ThresholdFraction { get; init; } = 0.1;
    /// <summary>Only these rules (all when null or empty).</summary>
    public IReadOnlyList<string>? Rules { get; init; }
    /// <summary>Training-set size for the per-P figures (depth, curves); the largest per configuration when null.</summary>
    public long? Train { get; init; }
    /// <summary>Bootstrap resamples of the P* figure's error bars.</summary>
    public int Resamples { get; init; } = 1000;
    /// <summary>Bootstrap seed.</summary>
    public long Seed { get; init; }
    /// <summary>Sensitivity definition to plot (the first one recorded when null).</summary>
    public string? Definition { get; init; }
    /// <summary>How the depth figure (Fig. 5) reads "networks of different depths".</summary>
    public DepthReading DepthReading { get; init; } = DepthReading.OneNetwork;
    /// <summary>Figure width in pixels (a default per figure when null).</summary>
    public int? Width { get; init; }
    /// <summary>Figure height in pixels.</summary>
    public int? Height { get; init; }
}

/// <summary>
/// The two readings of Fig. 5's "linear probes on the output of networks of different depths" (docs/METHODS.md §5 leaves
/// it open): the layers of one network of depth L, or separate networks trained with 1, 2, …, L layers, each probed at
/// its top layer.
/// </summary>
public enum DepthReading
{
    /// <summary>Default: layer k of one network of full depth (networks with fewer layers are left out).</summary>
    OneNetwork,
    /// <summary>The top layer of a separate network with k layers, for each k (runs that differ only in <c>layers</c>).</summary>
    SeparateNetworks,
}
