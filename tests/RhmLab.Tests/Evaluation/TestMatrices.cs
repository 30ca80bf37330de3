using RhmLab.Rhm;

namespace RhmLab.Tests.Evaluation;

/// <summary>Random matrices and an independent dense solver for the evaluation tests.</summary>
internal static class TestMatrices
{
    public static double[] Gaussian(Rng rng, int count, double scale = 1.0, double offset = 0.0)
    {
        var a = new double[count];
        for (int i = 0; i < a.Length; i++) a[i] = offset + scale * rng.NextGaussian();
        return a;
    }

    public static double[] RandomSymmetric(Rng rng, int n)
    {
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double v = rng.NextGaussian();
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
        return a;
    }

    /// <summary>C = A·B for row-major A [m, k], B [k, n].</summary>
    public static double[] Multiply(double[] a, double[] b, int m, int k, int n)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++)
                for (int j = 0; j < n; j++) c[i * n + j] += a[i * k + p] * b[p * n + j];
        return c;
    }

    public static double[] Transpose(double[] a, int rows, int cols)
    {
        var t = new double[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
        return t;
    }

    /// <summary>Solves A·X = B by Gaussian elimination with partial pivoting: independent of the Cholesky code.</summary>
    public static double[] GaussSolve(double[] a, int n, double[] b, int nrhs)
    {
        var m = (double[])a.Clone();
        var x = (double[])b.Clone();
        for (int col = 0; col < n; col++)
        {
            int piv = col;
            for (int r = col + 1; r < n; r++) if (Math.Abs(m[r * n + col]) > Math.Abs(m[piv * n + col])) piv = r;
            if (piv != col)
            {
                for (int j = 0; j < n; j++) (m[col * n + j], m[piv * n + j]) = (m[piv * n + j], m[col * n + j]);
                for (int j = 0; j < nrhs; j++) (x[col * nrhs + j], x[piv * nrhs + j]) = (x[piv * nrhs + j], x[col * nrhs + j]);
            }
            for (int r = col + 1; r < n; r++)
            {
                double f = m[r * n + col] / m[col * n + col];
                if (f == 0) continue;
                for (int j = col; j < n; j++) m[r * n + j] -= f * m[col * n + j];
                for (int j = 0; j < nrhs; j++) x[r * nrhs + j] -= f * x[col * nrhs + j];
            }
        }
        for (int r = n - 1; r >= 0; r--)
        {
            for (int j = 0; j < nrhs; j++)
            {
                double s = x[r * nrhs + j];
                for (int c = r + 1; c < n; c++) s -= m[r * n + c] * x[c * nrhs + j];
                x[r * nrhs + j] = s / m[r * n + r];
            }
        }
        return x;
    }

    public static double MaxAbsDiff(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        Assert.Equal(a.Length, b.Length);
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }

    public static double MaxAbs(ReadOnlySpan<double> a)
    {
        double m = 0;
        foreach (double v in a) m = Math.Max(m, Math.Abs(v));
        return m;
    }
}
