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
    /// <summary>holds, fails or inconclusive.</summary>
    public required string Verdict { get; init; }
    /// <summary>What decided the verdict.</summary>
    public required string Reason { get; init; }
    /// <summary>The criterion in words.</summary>
    public required string Criterion { get; init; }
    /// <summary>The numbers the verdict rests on.</summary>
    public JsonObject Numbers { get; init; } = new();
    /// <summary>The drawings of this figure alone, each with a caption that says what its lines and error bars are.</summary>
    public IReadOnlyList<(Figure Figure, string Caption)> Figures { get; init; } = [];
    /// <summary>Drawings that could not be made, with why.</summary>
    public IReadOnlyList<string> Missing { get; init; } = [];
    /// <summary>The sweep plans' descriptions: the configurations of the figure's runs.</summary>
    public IReadOnlyList<string> Configurations { get; init; } = [];
    /// <summary>Seeds per configuration, smallest and largest (for the note that an interval over fewer than 3 seeds is not a confidence interval).</summary>
    public (int Min, int Max) Seeds { get; init; }
}
