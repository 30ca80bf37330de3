namespace RhmLab.Analysis.Figures;

/// <summary>The figures <c>rhmlab plot</c> draws, by name.</summary>
public static class FigureCatalog
{
    /// <summary>Figure names with what each shows.</summary>
    public static readonly IReadOnlyList<(string Name, string Description)> All =
    [
        ("error-vs-p", "test error vs P per rule and configuration (Fig. 4B)"),
        ("pstar", "P* vs D* with bootstrap intervals, fits and n_c·m^L (Fig. 4C, 9B, 10)"),
        ("depth", "probe error per layer, layer 0 = raw input (Fig. 5)"),
        ("pstar-constant", "P*/(n_c·m^L) of each rule against the depth L, with bootstrap intervals (the depth question)"),
        ("curves", "training loss and test error vs epoch (Fig. 3B/C)"),
        ("ica", "error vs P grouped by network widths (Fig. 6)"),
        ("sensitivity", "synonymic sensitivity per layer and level vs P (Fig. 11B)"),
    ];

    /// <summary>Builds figure <paramref name="name"/>.</summary>
    public static Figure Build(string name, IReadOnlyList<RunRecord> records, FigureOptions options) => name switch
    {
        "error-vs-p" => ErrorVsPFigure.Build(records, options),
        "pstar" => PStarFigure.Build(records, options),
        "depth" => DepthFigure.Build(records, options),
        "pstar-constant" => PStarConstantFigure.Build(records, options),
        "curves" => CurvesFigure.Build(records, options),
        "ica" => ErrorVsPFigure.Build(records, options, byWidths: true),
        "sensitivity" => SensitivityFigure.Build(records, options),
        _ => throw new ArgumentException($"--figure must be one of {string.Join(", ", All.Select(f => f.Name))} (got '{name}')"),
    };
}
