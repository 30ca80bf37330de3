using RhmLab.Numerics;
using RhmLab.Experiments;

namespace RhmLab.Tests.Experiments;

/// <summary>
/// A layer whose activations blew up (a failing rule such as fa-shufmask at L = 4 reached features of 1e13–1e18) gets
/// no probe, a null error and a note, instead of failing the whole run; ordinary features still refuse a too-small
/// ridge α with the message that names it.
/// </summary>
public sealed class ProbeNotesTests
{
    [Fact]
    public void BlownFeaturesAreTellApartFromOrdinaryOnes()
    {
        Assert.False(RunExecutor.Blown([0f, 1f, -3e7f], out double small));
        Assert.Equal(3e7, small, 1);
        Assert.True(RunExecutor.Blown([0f, 2e9f], out double large));
        Assert.Equal(2e9, large, 1);
        Assert.True(RunExecutor.Blown([1f, float.NaN], out double nan));
        Assert.True(double.IsPositiveInfinity(nan));
        Assert.True(RunExecutor.Blown([float.NegativeInfinity], out _));
    }

    [Fact]
    public void AHiddenLayerThatDefeatsTheDefaultRidgeIsTheRulesDoing()
    {
        // A hidden layer with the default α or more: a note and a null error, whatever the size of its features.
        Assert.True(RunExecutor.Unfittable(3, 1, [0f, 5e4f], out double size));
        Assert.Equal(5e4, size, 1);
        Assert.True(RunExecutor.Unfittable(1, 10, [0f, 1f], out _));
        // The raw input, or an α below the default, is the user's to change: the message names ridge-alpha.
        Assert.False(RunExecutor.Unfittable(0, 1, [0f, 1f], out _));
        Assert.False(RunExecutor.Unfittable(2, 0.01, [0f, 5e4f], out _));
        Assert.True(RunExecutor.Unfittable(0, 1, [0f, float.NaN], out _));
    }

    [Fact]
    public void AProbeThatCannotBeFittedOnOrdinaryFeaturesStillNamesRidgeAlpha()
    {
        var run = ResolvedRun.Resolve(new RunConfig { Rhm = { Nc = 3, M = 3, V = 3, L = 2 }, Data = { Train = 40, Test = 20 }, Network = { Width = 8 }, Training = { Epochs = 1 }, Evaluation = { RidgeAlpha = 0 }, Execution = { Blas = MatMulChoice.Managed } });
        var e = Assert.Throws<InvalidOperationException>(() => RunExecutor.Execute(run));
        Assert.Contains("ridge-alpha = 0 is too small", e.Message);
    }

    [Fact]
    public void RecordsCarryTheNotes()
    {
        var run = ResolvedRun.Resolve(new RunConfig { Rhm = { Nc = 3, M = 3, V = 3, L = 2 }, Data = { Train = 40, Test = 20 }, Network = { Width = 8 }, Training = { Epochs = 1 }, Execution = { Blas = MatMulChoice.Managed } });
        var result = RunExecutor.Execute(run) is var r ? new RunResult
        {
            Rule = r.Rule, Run = r.Run, Outcome = r.Outcome, Provider = r.Provider, ProbeErrors = [0.5, double.NaN],
            ProbeNotes = ["ridge probe of layer 2 not fitted: Cholesky: the matrix is not positive definite; features up to 1E+13 in size"],
        } : null;
        var json = result!.ToJson(curves: false);
        Assert.Null(json["probe_errors"]![1]);
        Assert.StartsWith("ridge probe of layer 2 not fitted", (string)json["probe_notes"]![0]!);
        Assert.Null(RunExecutor.Execute(run).ToJson(curves: false)["probe_notes"]);
    }
}
