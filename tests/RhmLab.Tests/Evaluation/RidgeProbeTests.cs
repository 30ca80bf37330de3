using RhmLab.Evaluation;
using RhmLab.Numerics;
using RhmLab.Rhm;
using static RhmLab.Tests.Evaluation.TestMatrices;

namespace RhmLab.Tests.Evaluation;

public class RidgeProbeTests
{
    private static (double[] X, int[] Y) RandomProblem(ulong seed, int rows, int cols, int classes, double offset)
    {
        var rng = new Rng(seed);
        var x = new double[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++) x[r * cols + j] = offset * (j + 1) + (0.5 + j % 3) * rng.NextGaussian();
        var y = new int[rows];
        for (int r = 0; r < rows; r++) y[r] = rng.NextInt(classes);
        return (x, y);
    }

    /// <summary>§4.1 computed from scratch: centred normal equations solved by Gaussian elimination.</summary>
    private static (double[] W, double[] B) NormalEquations(double[] x, int[] y, int rows, int cols, int classes, double alpha, bool standardize)
    {
        var mean = new double[cols];
        for (int r = 0; r < rows; r++) for (int j = 0; j < cols; j++) mean[j] += x[r * cols + j] / rows;
        var scale = new double[cols];
        for (int j = 0; j < cols; j++)
        {
            double ss = 0;
            for (int r = 0; r < rows; r++) ss += Math.Pow(x[r * cols + j] - mean[j], 2);
            scale[j] = standardize ? Math.Max(Math.Sqrt(ss / rows), 1e-8) : 1;
        }
        var rc = new double[rows * cols];
        for (int r = 0; r < rows; r++) for (int j = 0; j < cols; j++) rc[r * cols + j] = (x[r * cols + j] - mean[j]) / scale[j];
        var ybar = new double[classes];
        foreach (int c in y) ybar[c] += 1.0 / rows;
        var yc = new double[rows * classes];
        for (int r = 0; r < rows; r++) for (int c = 0; c < classes; c++) yc[r * classes + c] = (y[r] == c ? 1 : 0) - ybar[c];
        var rct = Transpose(rc, rows, cols);
        var a = Multiply(rct, rc, cols, rows, cols);
        for (int j = 0; j < cols; j++) a[j * cols + j] += alpha;
        var w = GaussSolve(a, cols, Multiply(rct, yc, cols, rows, classes), classes);
        for (int j = 0; j < cols; j++) for (int c = 0; c < classes; c++) w[j * classes + c] /= scale[j];
        var b = new double[classes];
        for (int c = 0; c < classes; c++)
        {
            b[c] = ybar[c];
            for (int j = 0; j < cols; j++) b[c] -= mean[j] * w[j * classes + c];
        }
        return (w, b);
    }

    private static double[] Weights(RidgeProbe p)
    {
        var w = new double[p.Features * p.Classes];
        for (int j = 0; j < p.Features; j++) for (int c = 0; c < p.Classes; c++) w[j * p.Classes + c] = p.Weight(j, c);
        return w;
    }

    [Theory]
    [InlineData(false, 1.0)]
    [InlineData(true, 1.0)]
    [InlineData(false, 0.01)]
    public void EqualsTheNormalEquationSolution(bool standardize, double alpha)
    {
        int rows = 90, cols = 12, classes = 4;
        var (x, y) = RandomProblem(21, rows, cols, classes, offset: 5);
        var (w, b) = NormalEquations(x, y, rows, cols, classes, alpha, standardize);
        var probe = RidgeProbe.Fit(x, rows, cols, y, classes, new RidgeOptions { Alpha = alpha, Standardize = standardize });
        Assert.Equal(RidgeSolver.Primal, probe.SolverUsed);
        Assert.True(MaxAbsDiff(Weights(probe), w) < 1e-9 * Math.Max(1, MaxAbs(w)), $"W differs by {MaxAbsDiff(Weights(probe), w)}");
        Assert.True(MaxAbsDiff(probe.Intercept, b) < 1e-8, $"b differs by {MaxAbsDiff(probe.Intercept, b)}");
    }

    [Fact]
    public void Float32InputAgreesWithTheFloat64Solution()
    {
        int rows = 700, cols = 20, classes = 3;   // more rows than one float32 reduction chunk
        var (x, y) = RandomProblem(22, rows, cols, classes, offset: 3);
        var xf = Array.ConvertAll(x, v => (float)v);
        var xd = Array.ConvertAll(xf, v => (double)v);
        var (w, b) = NormalEquations(xd, y, rows, cols, classes, 1.0, false);
        var probe = RidgeProbe.Fit(xf, rows, cols, y, classes);
        Assert.True(MaxAbsDiff(Weights(probe), w) < 1e-5 * MaxAbs(w));
        Assert.True(MaxAbsDiff(probe.Intercept, b) < 1e-4);
    }

    [Theory]
    [InlineData(25, 40, false)]
    [InlineData(40, 25, false)]
    [InlineData(25, 40, true)]
    public void PrimalEqualsDual(int rows, int cols, bool standardize)
    {
        int classes = 5;
        var (x, y) = RandomProblem(23, rows, cols, classes, offset: 2);
        var primal = RidgeProbe.Fit(x, rows, cols, y, classes, new RidgeOptions { Solver = RidgeSolver.Primal, Standardize = standardize });
        var dual = RidgeProbe.Fit(x, rows, cols, y, classes, new RidgeOptions { Solver = RidgeSolver.Dual, Standardize = standardize });
        Assert.Equal(RidgeSolver.Dual, dual.SolverUsed);
        Assert.True(MaxAbsDiff(Weights(primal), Weights(dual)) < 1e-9, $"{MaxAbsDiff(Weights(primal), Weights(dual))}");
        Assert.True(MaxAbsDiff(primal.Intercept, dual.Intercept) < 1e-8);
        var auto = RidgeProbe.Fit(x, rows, cols, y, classes, new RidgeOptions { Standardize = standardize });
        Assert.Equal(cols > rows ? RidgeSolver.Dual : RidgeSolver.Primal, auto.SolverUsed);
    }

    [Fact]
    public void SeparableOneHotDataIsClassifiedPerfectly()
    {
        // Class = the first token of a 3-token one-hot input (v = 4): linearly decodable, plus irrelevant tokens.
        var rng = new Rng(24);
        int v = 4, d = 3, rows = 200, cols = v * d;
        float[] Encode(int[] labels)
        {
            var x = new float[labels.Length * cols];
            for (int r = 0; r < labels.Length; r++)
            {
                x[r * cols + labels[r]] = 1;
                for (int p = 1; p < d; p++) x[r * cols + p * v + rng.NextInt(v)] = 1;
            }
            return x;
        }
        var y = new int[rows];
        for (int r = 0; r < rows; r++) y[r] = rng.NextInt(v);
        var yTest = new int[rows];
        for (int r = 0; r < rows; r++) yTest[r] = rng.NextInt(v);
        var probe = RidgeProbe.Fit(Encode(y), rows, cols, y, v);
        Assert.Equal(0.0, probe.Error(Encode(y), rows, y));
        Assert.Equal(0.0, probe.Error(Encode(yTest), rows, yTest));
    }

    [Fact]
    public void HugePenaltyPredictsTheMajorityClass()
    {
        int rows = 100, cols = 6, classes = 3;
        var (x, _) = RandomProblem(25, rows, cols, classes, offset: 1);
        var y = new int[rows];
        for (int r = 0; r < rows; r++) y[r] = r % 10 < 6 ? 2 : r % 2;
        var probe = RidgeProbe.Fit(x, rows, cols, y, classes, new RidgeOptions { Alpha = 1e12 });
        Assert.All(probe.Predict(x, rows), p => Assert.Equal(2, p));
        Assert.Equal(0.4, probe.Error(x, rows, y), 12);
    }

    [Fact]
    public void StreamingAccumulationEqualsTheInMemoryFit()
    {
        int rows = 300, cols = 10, classes = 3;
        var (x, y) = RandomProblem(26, rows, cols, classes, offset: 50); // large means exercise the shift correction
        var whole = RidgeProbe.Fit(x, rows, cols, y, classes);
        var acc = new RidgeAccumulator(cols, classes);
        foreach (var (start, count) in new[] { (0, 7), (7, 150), (157, 143) })
            acc.Add(x.AsSpan(start * cols, count * cols), count, y.AsSpan(start, count));
        Assert.Equal(rows, acc.Rows);
        var streamed = acc.Fit();
        Assert.True(MaxAbsDiff(Weights(whole), Weights(streamed)) < 1e-10);
        Assert.True(MaxAbsDiff(whole.Intercept, streamed.Intercept) < 1e-8);
        // Another α from the same accumulation.
        var (w, _) = NormalEquations(x, y, rows, cols, classes, 7.0, false);
        Assert.True(MaxAbsDiff(Weights(acc.Fit(7.0)), w) < 1e-10);
    }

    [Fact]
    public void ChunkedScoringAndAnyMatMulProviderAgree()
    {
        int rows = 120, cols = 9, classes = 4;
        var (x, y) = RandomProblem(27, rows, cols, classes, offset: 0);
        var probe = RidgeProbe.Fit(x, rows, cols, y, classes);
        var reference = RidgeProbe.Fit(x, rows, cols, y, classes, null, new ReferenceMatMul());
        Assert.True(MaxAbsDiff(Weights(probe), Weights(reference)) < 1e-12);
        int errors = probe.CountErrors(x.AsSpan(0, 50 * cols), 50, y.AsSpan(0, 50))
                     + probe.CountErrors(x.AsSpan(50 * cols), rows - 50, y.AsSpan(50));
        Assert.Equal(probe.Error(x, rows, y), (double)errors / rows, 12);
        var scores = new double[rows * classes];
        probe.Scores(x, rows, scores);
        Assert.Equal(probe.Weight(3, 2), probe.WeightsByClass[2 * cols + 3]);
        double manual = probe.Intercept[1];
        for (int j = 0; j < cols; j++) manual += x[5 * cols + j] * probe.WeightsByClass[cols + j];
        Assert.Equal(manual, scores[5 * classes + 1], 10);
        var pred = probe.Predict(x, rows);
        for (int r = 0; r < rows; r++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++) if (scores[r * classes + c] > scores[r * classes + best]) best = c;
            Assert.Equal(best, pred[r]);
        }
    }

    [Fact]
    public void RejectsBadLabelsAndPenalties()
    {
        var x = new double[] { 1, 2, 3, 4 };
        Assert.Throws<ArgumentException>(() => RidgeProbe.Fit(x, 2, 2, new[] { 0, 3 }, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => RidgeProbe.Fit(x, 2, 2, new[] { 0, 1 }, 2, new RidgeOptions { Alpha = -1 }));
        Assert.Throws<ArgumentException>(() => RidgeProbe.Fit(x, 3, 2, new[] { 0, 1, 1 }, 2));
    }
}
