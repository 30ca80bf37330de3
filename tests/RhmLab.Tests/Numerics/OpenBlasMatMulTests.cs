using RhmLab.Numerics;
using Xunit.Abstractions;

namespace RhmLab.Tests.Numerics;

public class OpenBlasMatMulTests(ITestOutputHelper output)
{
    [OpenBlasTheory]
    [MemberData(nameof(GemmCheck.ShapesAndTypes), MemberType = typeof(GemmCheck))]
    public void MatchesReference(int m, int n, int k, string type)
    {
        Assert.True(OpenBlasMatMul.TryCreate(1, out OpenBlasMatMul? blas));
        GemmCheck.AllCombinations(blas, m, n, k, type);
    }

    [OpenBlasFact]
    public void MultithreadedMatchesReference()
    {
        Assert.True(OpenBlasMatMul.TryCreate(2, out OpenBlasMatMul? blas));
        Assert.Equal(2, blas.Threads);
        GemmCheck.AllCombinations(blas, 300, 200, 260, "float");
        Assert.True(OpenBlasMatMul.TryCreate(1, out OpenBlasMatMul? single));
        GemmCheck.AllCombinations(single, 300, 200, 260, "double");
    }

    [OpenBlasFact]
    public void RecordsNameAndConfig()
    {
        Assert.True(OpenBlasMatMul.TryCreate(1, out OpenBlasMatMul? blas));
        output.WriteLine($"{blas.LibraryName}: {blas.Config}");
        Assert.Equal("openblas", blas.Name);
        Assert.Contains("OpenBLAS", blas.Config);
        Assert.Null(OpenBlasMatMul.UnavailableReason);
    }
}
