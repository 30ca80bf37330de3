using RhmLab.Numerics;

namespace RhmLab.Tests.Numerics;

/// <summary>Degenerate sizes, α = 0, argument checks: the same contract for every fast provider.</summary>
public class ProviderContractTests
{
    public static TheoryData<string> Providers()
    {
        var data = new TheoryData<string> { "managed" };
        if (OpenBlasMatMul.IsAvailable)
            data.Add("openblas");
        return data;
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void EmptyMOrNLeavesCUntouched(string name)
    {
        IMatMul p = MatMulProviders.Create(name, 1);
        float[] c = [1, 2, 3];
        p.Gemm(false, false, 0, 3, 4, 1f, [], 4, new float[12], 3, 0f, c, 3);
        p.Gemm(false, false, 1, 0, 4, 1f, new float[4], 4, [], 0, 0f, c, 3);
        Assert.Equal([1f, 2f, 3f], c);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void EmptyKScalesCByBeta(string name)
    {
        IMatMul p = MatMulProviders.Create(name, 1);
        double[] c = [1, 2, 3, 4, 5, 6];
        p.Gemm(false, false, 2, 3, 0, 1.0, [], 0, [], 3, 2.0, c, 3);
        Assert.Equal([2.0, 4, 6, 8, 10, 12], c);
        double[] nan = [double.NaN, double.NaN, double.NaN, double.NaN];
        p.Gemm(true, true, 2, 2, 0, 1.0, [], 0, [], 0, 0.0, nan, 2);
        Assert.Equal([0.0, 0, 0, 0], nan);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void ZeroAlphaScalesCByBetaWithoutReadingAOrB(string name)
    {
        IMatMul p = MatMulProviders.Create(name, 1);
        float[] a = [float.NaN, float.NaN, float.NaN, float.NaN];
        float[] c = [1, 2, 3, 4];
        p.Gemm(false, false, 2, 2, 2, 0f, a, 2, a, 2, -1f, c, 2);
        Assert.Equal([-1f, -2f, -3f, -4f], c);
        float[] nan = [float.NaN, float.NaN, float.NaN, float.NaN];
        p.Gemm(false, false, 2, 2, 2, 0f, a, 2, a, 2, 0f, nan, 2);
        Assert.Equal([0f, 0f, 0f, 0f], nan);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void RejectsOperandsThatDoNotFit(string name)
    {
        IMatMul p = MatMulProviders.Create(name, 1);
        var a = new float[6];
        var b = new float[6];
        var c = new float[4];
        // Well-formed 2x3 · 3x2 first, so the failures below are about the one bad argument.
        p.Gemm(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 2);
        Assert.Throws<ArgumentException>(() => p.Gemm(false, false, 2, 2, 3, 1f, a.AsSpan(0, 5), 3, b, 2, 0f, c, 2));
        Assert.Throws<ArgumentException>(() => p.Gemm(false, false, 2, 2, 3, 1f, a, 2, b, 2, 0f, c, 2));
        Assert.Throws<ArgumentException>(() => p.Gemm(false, true, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 2));
        Assert.Throws<ArgumentException>(() => p.Gemm(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c.AsSpan(0, 3), 2));
        Assert.Throws<ArgumentException>(() => p.Gemm(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => p.Gemm(false, false, -1, 2, 3, 1f, a, 3, b, 2, 0f, c, 2));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void RejectsElementTypesOtherThanFloatAndDouble(string name)
    {
        IMatMul p = MatMulProviders.Create(name, 1);
        var x = new Half[4];
        Assert.Throws<NotSupportedException>(() => p.Gemm(false, false, 2, 2, 2, Half.One, x, 2, x, 2, Half.Zero, x, 2));
    }
}
