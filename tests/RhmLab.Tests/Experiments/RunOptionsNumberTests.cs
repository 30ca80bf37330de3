using RhmLab.Experiments;

namespace RhmLab.Tests.Experiments;

/// <summary>Numbers given as text or built in memory reach every numeric option, whatever their CLR type.</summary>
public class RunOptionsNumberTests
{
    [Fact]
    public void IntegerTextSetsADoubleOption()
    {
        var c = new RunConfig();
        RunOptions.Find("lr")!.SetText(c, "1");
        RunOptions.Find("ridge-alpha")!.SetText(c, "0");
        Assert.Equal(1.0, c.Training.Lr);
        Assert.Equal(0.0, c.Evaluation.RidgeAlpha);
    }

    [Fact]
    public void ConfigJsonAppliesBackInMemory()
    {
        var c = new RunConfig { Network = { Width = 12 }, Training = { Epochs = 7, Lr = 0.5, Momentum = 0.5 } };
        var back = new RunConfig();
        RunOptions.Apply(back, c.ToJson());
        Assert.Equal(c.ToJson().ToJsonString(), back.ToJson().ToJsonString());
    }
}
