using RhmLab.Numerics;
using RhmLab.Rhm;
using RhmLab.Rules;
using RhmLab.Tests.Evaluation;

namespace RhmLab.Tests.Rules;

/// <summary>Reconstruction ICA (overcomplete ICA, Le et al. 2011): its gradient, its agreement with ICA, and its overcomplete units.</summary>
public class ReconstructionIcaTests
{
    private static readonly IMatMul Mm = new ReferenceMatMul();

    [Fact]
    public void GradientMatchesFiniteDifferences()
    {
        var rng = new Rng(7);
        int rows = 37, h = 3, count = 5; // overcomplete, and rows not a multiple of anything
        var z = TestMatrices.Gaussian(rng, rows * h);
        var w = TestMatrices.Gaussian(rng, count * h);
        var cost = new ReconstructionIca.Cost(z, rows, h, count, 0.3, Mm);
        var grad = new double[w.Length];
        cost.Evaluate(w, grad);
        var scratch = new double[w.Length];
        for (int i = 0; i < w.Length; i++)
        {
            double eps = 1e-6, keep = w[i];
            w[i] = keep + eps;
            double up = cost.Evaluate(w, scratch);
            w[i] = keep - eps;
            double down = cost.Evaluate(w, scratch);
            w[i] = keep;
            Assert.Equal((up - down) / (2 * eps), grad[i], 6);
        }
    }

    [Fact]
    public void CompleteRicaRecoversIndependentSourcesLikeIca()
    {
        // Laplace sources (sparse, as RICA's log-cosh prior assumes), mixed by a random square matrix.
        var rng = new Rng(8);
        int n = 4000, k = 3;
        var s = new double[n * k];
        for (int i = 0; i < s.Length; i++)
        {
            double u = rng.NextDouble();
            s[i] = (u < 0.5 ? 1 : -1) * Math.Log(1 - 2 * Math.Abs(u - 0.5) + 1e-300) / Math.Sqrt(2);
        }
        var a = TestMatrices.Gaussian(rng, k * k);
        var x = TestMatrices.Multiply(s, TestMatrices.Transpose(a, k, k), n, k, k);
        var fit = ReconstructionIca.Fit(x, n, k, new RicaOptions { Components = k, Sparsity = 0.05 }, new Rng(1), Mm);
        Assert.Equal(k, fit.Components);
        var p = TestMatrices.Multiply(fit.Unmixing, a, k, k, k);
        // Each source is read by one unit: in every row of U·A one entry carries almost all the weight.
        for (int i = 0; i < k; i++)
        {
            double max = 0, sum = 0;
            for (int j = 0; j < k; j++) { max = Math.Max(max, Math.Abs(p[i * k + j])); sum += Math.Abs(p[i * k + j]); }
            Assert.True(max / sum > 0.85, $"row {i}: largest share {max / sum:0.###}");
        }
    }

    [Fact]
    public void OvercompleteUnitsOnOneHotPatchesAreLiveDistinctAndUnitVariance()
    {
        // s = 2 tokens over v = 6 symbols: rank 10, where FastICA under `cap` stops at 10 components.
        var rng = new Rng(9);
        int n = 3000, v = 6, d = 2 * v, count = 24;
        var x = new float[n * d];
        for (int t = 0; t < n; t++)
            for (int p = 0; p < 2; p++) x[t * d + p * v + rng.NextInt(v)] = 1;
        var fit = ReconstructionIca.Fit(x, n, d, new RicaOptions { Components = count }, new Rng(2), Mm);
        Assert.Equal(10, fit.Rank);
        Assert.Equal(count, fit.Components);
        var src = new double[n * count];
        fit.Transform(x, n, src);
        var rows = new double[count][];
        for (int j = 0; j < count; j++)
        {
            double mean = 0, var = 0, skew = 0;
            for (int t = 0; t < n; t++) mean += src[t * count + j] / n;
            for (int t = 0; t < n; t++)
            {
                double c = src[t * count + j] - mean;
                var += c * c / n;
                skew += c * c * c / n;
            }
            Assert.True(Math.Abs(mean) < 1e-9);
            Assert.Equal(1.0, var, 6);
            Assert.True(skew >= 0);
            rows[j] = fit.Unmixing.AsSpan(j * d, d).ToArray();
        }
        // No two units are copies of each other (|cosine| < 0.99), which restarts of a complete ICA cannot promise.
        for (int i = 0; i < count; i++)
            for (int j = i + 1; j < count; j++)
            {
                double dot = 0, ni = 0, nj = 0;
                for (int f = 0; f < d; f++) { dot += rows[i][f] * rows[j][f]; ni += rows[i][f] * rows[i][f]; nj += rows[j][f] * rows[j][f]; }
                Assert.True(Math.Abs(dot) / Math.Sqrt(ni * nj) < 0.99, $"units {i} and {j} coincide");
            }
    }

    [Fact]
    public void IsDeterministicForAGenerator()
    {
        var rng = new Rng(10);
        int n = 500, d = 4;
        var x = TestMatrices.Gaussian(rng, n * d);
        var a = ReconstructionIca.Fit(x, n, d, new RicaOptions { Components = 6 }, new Rng(3), Mm);
        var b = ReconstructionIca.Fit(x, n, d, new RicaOptions { Components = 6 }, new Rng(3), Mm);
        Assert.Equal(a.Unmixing, b.Unmixing);
        Assert.Equal(a.Iterations, b.Iterations);
    }
}
