using RhmLab.Rhm;

namespace RhmLab.Tests;

public class SmokeTests
{
    [Fact]
    public void PMaxOfTheUnitTestPreset()
    {
        Assert.Equal(16, (int)new RhmParameters(2, 2, 2, 2, 2).PMax);
    }
}
