using ScottPlot;

namespace RhmLab.Analysis.Figures;

/// <summary>A figure: one or more plot panels side by side, and its size in pixels.</summary>
public sealed class Figure
{
    /// <summary>Panels, left to right.</summary>
    public required IReadOnlyList<Plot> Panels { get; init; }
    /// <summary>Width of the whole figure.</summary>
    public int Width { get; init; } = 1100;
    /// <summary>Height of the whole figure.</summary>
    public int Height { get; init; } = 600;
    /// <summary>
    /// Relative panel widths (equal when null); the panel that carries the legend gets more, so its data area
    /// matches its neighbours'.
    /// </summary>
    public IReadOnlyList<double>? Weights { get; init; }
}
