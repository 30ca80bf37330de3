using RhmLab.Numerics;
using RhmLab.Experiments;

namespace RhmLab.Tests.Training;

/// <summary>
/// Fig. 5's two readings of "networks of different depths" coincide for a layer-local rule: layer k of a CLAPP network
/// never receives a signal from the layers above, so with the same seeds a network trained with k layers has the same
/// first k layers as a deeper one. For an end-to-end rule they differ.
/// </summary>
public class LayerLocalityTests
{
    private static double[] ProbeErrors(string rule, int layers) => RunExecutor.Execute(ResolvedRun.Resolve(new RunConfig { Rule = rule, Rhm = { Nc = 3, M = 3, V = 3, L = 3 }, Data = { Train = 120, Test = 200 }, Network = { Width = 12, Layers = layers }, Training = { Epochs = 4 }, Execution = { Blas = MatMulChoice.Managed } })).ProbeErrors;

    [Fact]
    public void ALayerLocalRuleGivesTheSameLowerLayersWhateverTheLayersAbove()
    {
        var deep = ProbeErrors("clapp", 3);
        var shallow = ProbeErrors("clapp", 2);
        Assert.Equal(shallow, deep[..2]);
    }

    [Fact]
    public void AnEndToEndRuleDoesNot()
    {
        var deep = ProbeErrors("e2e-clapp", 3);
        var shallow = ProbeErrors("e2e-clapp", 2);
        Assert.NotEqual(shallow, deep[..2]);
    }
}
