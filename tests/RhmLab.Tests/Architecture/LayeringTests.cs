using NetArchTest.Rules;

namespace RhmLab.Tests.Architecture;

/// <summary>
/// The layering of docs/ARCHITECTURE.md, enforced: each folder of the library (one namespace) may use only the layers
/// below it. A type that reaches up, such as the trainer taking the experiment's run, fails here with its name.
/// </summary>
public sealed class LayeringTests
{
    /// <summary>Bottom to top.</summary>
    public static readonly string[] Layers =
        ["Options", "IO", "Numerics", "Rhm", "Data", "Networks", "Evaluation", "Rules", "Training", "Experiments", "Analysis", "Paper"];

    public static TheoryData<string> LayerNames()
    {
        var data = new TheoryData<string>();
        foreach (var l in Layers) data.Add(l);
        return data;
    }

    [Theory]
    [MemberData(nameof(LayerNames))]
    public void ALayerUsesOnlyTheLayersBelowIt(string layer)
    {
        int at = Array.IndexOf(Layers, layer);
        var above = Layers.Skip(at + 1).Select(l => "RhmLab." + l).Append("RhmLab.Cli").ToArray();
        var result = Types.InAssembly(typeof(RhmLab.Experiments.ResolvedRun).Assembly)
            .That().ResideInNamespace("RhmLab." + layer)
            .ShouldNot().HaveDependencyOnAny(above)
            .GetResult();
        Assert.True(result.IsSuccessful,
            $"RhmLab.{layer} uses a layer above it: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void EveryTypeLivesInALayer()
    {
        var stray = typeof(RhmLab.Experiments.ResolvedRun).Assembly.GetTypes()
            .Where(t => t.Namespace is not null && t.Namespace.StartsWith("RhmLab", StringComparison.Ordinal) && !t.Name.StartsWith('<') && !Layers.Any(l => t.Namespace == "RhmLab." + l || t.Namespace.StartsWith("RhmLab." + l + ".", StringComparison.Ordinal)))
            .Select(t => t.FullName).ToArray();
        Assert.Empty(stray);
    }

    [Fact]
    public void TheTestCatchesAnUpwardDependency()
    {
        // The library's own CLI sits above every layer: the same check on it must fail, or the check checks nothing.
        var result = Types.InAssembly(typeof(RhmLab.Cli.CliApp).Assembly)
            .That().ResideInNamespace("RhmLab.Cli")
            .ShouldNot().HaveDependencyOnAny("RhmLab.Experiments")
            .GetResult();
        Assert.False(result.IsSuccessful);
    }
}
