using System.Text.Json.Nodes;
using RhmLab.Analysis.Figures;

namespace RhmLab.Analysis;

/// <summary>
/// One section of a report organised by figure (<c>rhmlab reproduce</c>): the paper's claim, the verdict computed
/// from the runs, the figure's own drawings, and the configurations that produced it.
/// </summary>
public sealed record ReportSection
{
    /// <summary>fig3, fig4, … (the anchor of the section).</summary>
    public required string Id { get; init; }
    /// <summary>The heading, e.g. "Fig. 3".</summary>
    public required string Title { get; init; }
    /// <summary>The paper's claim in one sentence.</summary>
    public required string Claim { get; init; }
    /// <summary>
    /// The verdicts of the figure's claim: one, or one per variant where a figure is judged in several (Fig. 10, one
    /// per anti-collapse variant). Each has its own row in the report's summary table.
    /// </summary>
    public required IReadOnlyList<SectionVerdict> Verdicts { get; init; }
    /// <summary>The drawings of this figure alone, each with its file name and a caption that says what its lines and error bars are.</summary>
    public IReadOnlyList<SectionFigure> Figures { get; init; } = [];
    /// <summary>Drawings that could not be made, with why.</summary>
    public IReadOnlyList<string> Missing { get; init; } = [];
    /// <summary>The sweep plans' descriptions: the configurations of the figure's runs.</summary>
    public IReadOnlyList<string> Configurations { get; init; } = [];
    /// <summary>Seeds per configuration, smallest and largest (for the note that an interval over fewer than 3 seeds is not a confidence interval).</summary>
    public (int Min, int Max) Seeds { get; init; }
}

/// <summary>One verdict of a report section: the variant it judges (null where the figure has one), its claim, holds, fails or
/// inconclusive, what decided it, the criterion in words and the numbers it rests on.</summary>
public sealed record SectionVerdict(string? Variant, string Claim, string Verdict, string Reason, string Criterion, JsonObject Numbers);

/// <summary>One drawing of a report section: the file name it is saved under (without extension), the figure, and a
/// caption that says what its lines and error bars are.</summary>
public sealed record SectionFigure(string File, Figure Figure, string Caption);
