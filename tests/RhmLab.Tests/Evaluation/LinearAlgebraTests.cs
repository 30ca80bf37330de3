using RhmLab.Numerics;
using RhmLab.Rhm;
using static RhmLab.Tests.Evaluation.TestMatrices;

namespace RhmLab.Tests.Evaluation;

public class LinearAlgebraTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 3)]
    [InlineData(37, 4)]
    public void CholeskySolveSatisfiesTheSystem(int n, int nrhs)
    {
        var rng = new Rng(11);
        var b = Gaussian(rng, n * n);
        var a = Multiply(Transpose(b, n, n), b, n, n, n);
        for (int i = 0; i < n; i++) a[i * n + i] += 0.5;
        var rhs = Gaussian(rng, n * nrhs);
        var x = LinearAlgebra.SolveSpd(a, n, rhs, nrhs);
        var back = Multiply(a, x, n, n, nrhs);
        Assert.True(MaxAbsDiff(back, rhs) < 1e-9 * Math.Max(1, MaxAbs(a)), "A·X ≠ B");
        Assert.True(MaxAbsDiff(x, GaussSolve(a, n, rhs, nrhs)) < 1e-8);
    }

    [Fact]
    public void CholeskyFactorIsLowerTriangularAndReproducesA()
    {
        var a = new double[] { 4, 2, -2, 2, 10, 2, -2, 2, 5 };
        var l = (double[])a.Clone();
        LinearAlgebra.Cholesky(l, 3);
        Assert.Equal(0, l[1]);
        Assert.Equal(0, l[2]);
        Assert.Equal(0, l[5]);
        var llt = Multiply(l, Transpose(l, 3, 3), 3, 3, 3);
        Assert.True(MaxAbsDiff(llt, a) < 1e-12);
    }

    [Fact]
    public void CholeskyRejectsIndefiniteAndSingularMatrices()
    {
        Assert.False(LinearAlgebra.TryCholesky(new double[] { 1, 2, 2, 1 }, 2));
        Assert.False(LinearAlgebra.TryCholesky(new double[] { 1, 1, 1, 1 }, 2));
        Assert.Throws<InvalidOperationException>(() => LinearAlgebra.Cholesky(new double[] { -1 }, 1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(61)]
    [InlineData(200)]   // several rotation batches, parallel strips and reflector blocks
    public void EigendecompositionReconstructsTheMatrix(int n)
    {
        var a = RandomSymmetric(new Rng((ulong)(100 + n)), n);
        var values = new double[n];
        var v = new double[n * n];
        LinearAlgebra.SymmetricEigen(a, n, values, v);
        for (int i = 1; i < n; i++) Assert.True(values[i - 1] >= values[i], "eigenvalues not descending");
        // A = Vᵀ·diag(λ)·V with the eigenvectors as rows of V, and V·Vᵀ = I.
        var scaled = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) scaled[i * n + j] = values[i] * v[i * n + j];
        var rebuilt = Multiply(Transpose(v, n, n), scaled, n, n, n);
        Assert.True(MaxAbsDiff(rebuilt, a) < 1e-11 * n, $"reconstruction error {MaxAbsDiff(rebuilt, a)}");
        var gram = Multiply(v, Transpose(v, n, n), n, n, n);
        var eye = new double[n * n];
        for (int i = 0; i < n; i++) eye[i * n + i] = 1;
        Assert.True(MaxAbsDiff(gram, eye) < 1e-12 * n);
        // A·v_i = λ_i·v_i row by row (implied by the two checks above; kept cheap for the large case).
        for (int i = 0; i < Math.Min(n, 10); i++)
        {
            var vi = v.AsSpan(i * n, n).ToArray();
            var av = Multiply(a, vi, n, n, 1);
            for (int j = 0; j < n; j++) Assert.True(Math.Abs(av[j] - values[i] * vi[j]) < 1e-10 * n);
        }
        var only = LinearAlgebra.SymmetricEigenvalues(a, n);
        Assert.True(MaxAbsDiff(only, values) < 1e-11 * n);
    }

    [Fact]
    public void KnownSpectraIncludingRepeatedAndZeroEigenvalues()
    {
        // Q·diag(3, 1, 1, 0)·Qᵀ with a random orthogonal Q from the eigensolver itself.
        int n = 4;
        var q = new double[n * n];
        LinearAlgebra.SymmetricEigen(RandomSymmetric(new Rng(5), n), n, new double[n], q);
        var lam = new double[] { 3, 1, 1, 0 };
        var a = new double[n * n];
        for (int k = 0; k < n; k++)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) a[i * n + j] += lam[k] * q[k * n + i] * q[k * n + j];
        var values = LinearAlgebra.SymmetricEigenvalues(a, n);
        Assert.True(MaxAbsDiff(values, lam) < 1e-12);

        var diag = new double[] { 2, 0, 0, 0, -5, 0, 0, 0, 7 };
        var dv = new double[3];
        var vecs = new double[9];
        LinearAlgebra.SymmetricEigen(diag, 3, dv, vecs);
        Assert.Equal(new double[] { 7, 2, -5 }, dv);
        Assert.Equal(1.0, Math.Abs(vecs[2]), 12);   // 7 belongs to e_2
        Assert.Equal(1.0, Math.Abs(vecs[3]), 12);   // 2 belongs to e_0

        var zero = LinearAlgebra.SymmetricEigenvalues(new double[9], 3);
        Assert.All(zero, z => Assert.Equal(0.0, z));
    }

    [Fact]
    public void TridiagonalInputNeedsNoReflections()
    {
        // The classic second-difference matrix: eigenvalues 2 − 2cos(kπ/(n+1)).
        int n = 12;
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            a[i * n + i] = 2;
            if (i > 0) a[i * n + i - 1] = a[(i - 1) * n + i] = -1;
        }
        var values = LinearAlgebra.SymmetricEigenvalues(a, n);
        for (int k = 1; k <= n; k++)
            Assert.Equal(2 - 2 * Math.Cos((n + 1 - k) * Math.PI / (n + 1)), values[k - 1], 12);
    }

    [Fact]
    public void NonFiniteInputIsReported()
    {
        Assert.ThrowsAny<Exception>(() => LinearAlgebra.SymmetricEigen(new double[] { double.NaN, 1, 1, 0 }, 2, new double[2], new double[4]));
    }

    [Fact]
    public void OnlyTheLowerTriangleIsRead()
    {
        int n = 9;
        var a = RandomSymmetric(new Rng(77), n);
        var garbage = (double[])a.Clone();
        for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) garbage[i * n + j] = double.NaN;
        var v1 = new double[n];
        var v2 = new double[n];
        var z1 = new double[n * n];
        var z2 = new double[n * n];
        LinearAlgebra.SymmetricEigen(a, n, v1, z1);
        LinearAlgebra.SymmetricEigen(garbage, n, v2, z2);
        Assert.Equal(v1, v2);
        Assert.Equal(z1, z2);
    }

    [Fact]
    public void ClusteredSpectrumStillGivesOrthonormalVectors()
    {
        // The covariance of one-hot tokens with uniform frequencies: (1/v)·I − (1/v²)·11ᵀ, eigenvalue 1/v repeated
        // v − 1 times and 0 once; blocks of it plus a tiny perturbation give tight clusters.
        int v = 12, blocks = 6, n = v * blocks;
        var rng = new Rng(78);
        var a = new double[n * n];
        for (int b = 0; b < blocks; b++)
            for (int i = 0; i < v; i++)
                for (int j = 0; j < v; j++)
                    a[(b * v + i) * n + b * v + j] = (i == j ? 1.0 / v : 0) - 1.0 / (v * v);
        var noise = RandomSymmetric(rng, n);
        for (int i = 0; i < a.Length; i++) a[i] += 1e-9 * noise[i];
        var values = new double[n];
        var z = new double[n * n];
        LinearAlgebra.SymmetricEigen(a, n, values, z);
        var gram = Multiply(z, Transpose(z, n, n), n, n, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) Assert.True(Math.Abs(gram[i * n + j] - (i == j ? 1 : 0)) < 1e-12);
        Assert.Equal(1.0 / v, values[0], 7);
        Assert.Equal(1.0 / v, values[blocks * (v - 1) - 1], 7);
        Assert.True(Math.Abs(values[blocks * (v - 1)]) < 1e-7);
    }

    [Fact]
    public void ParallelRotationStripsGiveBitIdenticalVectors()
    {
        int n = 150;
        var a = RandomSymmetric(new Rng(79), n);
        var serialValues = new double[n];
        var serial = new double[n * n];
        LinearAlgebra.SymmetricEigen(a, n, serialValues, serial, new RhmLab.Numerics.ReferenceMatMul());
        long saved = LinearAlgebra.ParallelRotationWork;
        try
        {
            LinearAlgebra.ParallelRotationWork = 0;
            var values = new double[n];
            var parallel = new double[n * n];
            LinearAlgebra.SymmetricEigen(a, n, values, parallel, new RhmLab.Numerics.ReferenceMatMul());
            Assert.Equal(serialValues, values);
            Assert.Equal(serial, parallel);
        }
        finally
        {
            LinearAlgebra.ParallelRotationWork = saved;
        }
    }
}
