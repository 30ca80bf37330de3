using RhmLab.Numerics;

namespace RhmLab.Tests.Numerics;

public class MatMulProvidersTests
{
    [Theory]
    [InlineData("managed", "managed")]
    [InlineData(" Managed ", "managed")]
    [InlineData("reference", "reference")]
    public void CreatesTheNamedProvider(string name, string expected) =>
        Assert.Equal(expected, MatMulProviders.Create(name, 1).Name);

    [Fact]
    public void AutoPrefersOpenBlas() =>
        Assert.Equal(OpenBlasMatMul.IsAvailable ? "openblas" : "managed", MatMulProviders.Create("auto", 1).Name);

    [Fact]
    public void OpenBlasIsEitherCreatedOrRefusedInOneLine()
    {
        if (OpenBlasMatMul.IsAvailable)
        {
            Assert.Equal("openblas", MatMulProviders.Create("openblas", 2).Name);
            return;
        }
        var e = Assert.Throws<InvalidOperationException>(() => MatMulProviders.Create("openblas", 1));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("OpenBLAS", e.Message);
    }

    [Fact]
    public void UnknownNameIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => MatMulProviders.Create("mkl", 1));
        Assert.Contains("mkl", e.Message);
    }

    [Fact]
    public void ThreadCountMustBePositive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => MatMulProviders.Create("managed", 0));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("auto")]
    public void EnvironmentDefaultsToAuto(string? value) =>
        Assert.Equal(MatMulProviders.Create("auto", 1).Name, MatMulProviders.FromSetting(value, 1).Name);

    [Fact]
    public void EnvironmentSelectsManaged()
    {
        IMatMul p = MatMulProviders.FromSetting("MANAGED", 3);
        Assert.Equal("managed", p.Name);
        Assert.Equal(3, ((ManagedMatMul)p).Threads);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("reference")]
    public void UnknownEnvironmentValueNamesTheVariable(string value)
    {
        var e = Assert.Throws<ArgumentException>(() => MatMulProviders.FromSetting(value, 1));
        Assert.Contains("RHMLAB_BLAS", e.Message);
        Assert.Contains(value, e.Message);
    }
}
