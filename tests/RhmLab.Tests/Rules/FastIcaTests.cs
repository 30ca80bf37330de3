using RhmLab.Rules;
using RhmLab.Tests.Evaluation;
using RhmLab.Rhm;

namespace RhmLab.Tests.Rules;

public class FastIcaTests
{
    /// <summary>Independent non-Gaussian sources, one per column: uniform, Laplace, sign-sine, centred exponential.</summary>
    private static double[] Sources(Rng rng, int n, int k)
    {
        var s = new double[n * k];
        for (int t = 0; t < n; t++)
            for (int i = 0; i < k; i++)
            {
                double u = rng.NextDouble();
                s[t * k + i] = (i % 4) switch
                {
                    0 => Math.Sqrt(3) * (2 * u - 1),
                    1 => (u < 0.5 ? 1 : -1) * Math.Log(1 - 2 * Math.Abs(u - 0.5) + 1e-300) / Math.Sqrt(2),
                    2 => Math.Sign(Math.Sin(0.37 * t + 1.3 * i)),
                    _ => -Math.Log(1 - u) - 1,
                };
            }
        return s;
    }

    /// <summary>Normalised Amari distance of the square P = U·A: 0 when P is a scaled permutation.</summary>
    private static double Amari(double[] p, int k)
    {
        double sum = 0;
        for (int i = 0; i < k; i++)
        {
            double rowMax = 0, rowSum = 0, colMax = 0, colSum = 0;
            for (int j = 0; j < k; j++)
            {
                rowMax = Math.Max(rowMax, Math.Abs(p[i * k + j]));
                rowSum += Math.Abs(p[i * k + j]);
                colMax = Math.Max(colMax, Math.Abs(p[j * k + i]));
                colSum += Math.Abs(p[j * k + i]);
            }
            sum += rowSum / rowMax - 1 + colSum / colMax - 1;
        }
        return sum / (2.0 * k * (k - 1));
    }

    private static (double[] X, double[] A) Mix(Rng rng, double[] s, int n, int k, int d)
    {
        var a = TestMatrices.Gaussian(rng, d * k);
        var x = new double[n * d];
        for (int t = 0; t < n; t++)
            for (int r = 0; r < d; r++)
            {
                double v = 3.0 + r; // a mean offset that the centring must remove
                for (int i = 0; i < k; i++) v += a[r * k + i] * s[t * k + i];
                x[t * d + r] = v;
            }
        return (x, a);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void RecoversKnownSourcesFromALinearMixture(int k)
    {
        var rng = new Rng(41);
        int n = 5000;
        var s = Sources(rng, n, k);
        var (x, a) = Mix(rng, s, n, k, k);
        var ica = FastIca.Fit(x, n, k, new IcaOptions { Seed = 1 });
        Assert.True(ica.Converged, $"no convergence after {ica.Iterations} iterations");
        Assert.Equal(k, ica.Components);
        Assert.Equal(k, ica.Rank);
        double amari = Amari(TestMatrices.Multiply(ica.Unmixing, a, k, k, k), k);
        Assert.True(amari < 0.1, $"Amari distance {amari}");
        // Sources have zero mean, unit variance and positive skewness over the training data.
        var src = new double[n * k];
        ica.Transform(x, n, src);
        for (int i = 0; i < k; i++)
        {
            double m = 0, v = 0, sk = 0;
            for (int t = 0; t < n; t++) m += src[t * k + i] / n;
            for (int t = 0; t < n; t++)
            {
                double c = src[t * k + i] - m;
                v += c * c / n;
                sk += c * c * c / n;
            }
            Assert.True(Math.Abs(m) < 1e-9);
            Assert.Equal(1.0, v, 8);
            Assert.True(sk >= 0);
            Assert.Equal(ica.Skewness[i], sk, 6);
        }
    }

    [Fact]
    public void CapsComponentsAtTheRankOfTheData()
    {
        var rng = new Rng(42);
        int n = 4000, k = 3, d = 6;
        var s = Sources(rng, n, k);
        var (x, a) = Mix(rng, s, n, k, d);
        var xf = Array.ConvertAll(x, v => (float)v);
        Assert.Equal(3, FastIca.Rank(x, n, d));
        var ica = FastIca.Fit(xf, n, d, new IcaOptions { Components = 5, Seed = 2 });
        Assert.Equal(5, ica.RequestedComponents);
        Assert.Equal(3, ica.Rank);
        Assert.Equal(3, ica.Components);
        Assert.True(ica.Converged);
        double amari = Amari(TestMatrices.Multiply(ica.Unmixing, a, k, d, k), k);
        Assert.True(amari < 0.1, $"Amari distance {amari}");
        Assert.Throws<ArgumentException>(() => FastIca.Fit(x, n, d, new IcaOptions { Components = 5, Overcomplete = IcaOvercomplete.Error }));
    }

    [Fact]
    public void RankOfOneHotPatchesIsSTimesVMinusOne()
    {
        // §3.12: centred one-hot patches of s = 2 tokens over v = 6 symbols have rank s(v − 1) = 10.
        var rng = new Rng(43);
        int n = 2000, v = 6, s = 2;
        var x = new float[n * s * v];
        for (int t = 0; t < n; t++)
            for (int p = 0; p < s; p++) x[t * s * v + p * v + rng.NextInt(v)] = 1;
        Assert.Equal(10, FastIca.Rank(x, n, s * v));
        var ica = FastIca.Fit(x, n, s * v, new IcaOptions { Components = 72 });
        Assert.Equal(10, ica.Components);
    }

    [Fact]
    public void IsDeterministicForASeedAndReportsNonConvergence()
    {
        var rng = new Rng(44);
        int n = 1500, k = 3;
        var (x, _) = Mix(rng, Sources(rng, n, k), n, k, k);
        var a = FastIca.Fit(x, n, k, new IcaOptions { Seed = 5 });
        var b = FastIca.Fit(x, n, k, new IcaOptions { Seed = 5 });
        Assert.Equal(a.Unmixing, b.Unmixing);
        Assert.Equal(a.Iterations, b.Iterations);
        var capped = FastIca.Fit(x, n, k, new IcaOptions { Seed = 5, MaxIterations = 1, Tolerance = 1e-300 });
        Assert.False(capped.Converged);
        Assert.Equal(1, capped.Iterations);
        // W stays orthogonal after the symmetric decorrelation.
        var wwt = TestMatrices.Multiply(a.Rotation, TestMatrices.Transpose(a.Rotation, k, k), k, k, k);
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) Assert.Equal(i == j ? 1.0 : 0.0, wwt[i * k + j], 10);
    }
}
