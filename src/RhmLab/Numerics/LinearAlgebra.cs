using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RhmLab.Numerics;

/// <summary>
/// Dense float64 linear algebra for the evaluation stage: Cholesky factorisation and solves (ridge probes), and the
/// symmetric eigendecomposition (whitening, symmetric decorrelation, effective rank). Matrices are row-major spans
/// of n·n doubles; symmetric inputs are read from their lower triangle only.
/// </summary>
/// <remarks>
/// The eigensolver is Householder tridiagonalisation followed by the implicit QL algorithm with Wilkinson shifts
/// (EISPACK tred2/tql2), reorganised around memory traffic, which is what limits it beyond a few hundred rows: the
/// reduction makes one fused pass over the lower triangle per step, the QL rotations reach the eigenvectors in
/// batches of sweeps over cache-sized column strips, and the Householder back-transformation runs in blocks as
/// matrix products.
/// </remarks>
public static class LinearAlgebra
{
    /// <summary>
    /// Rotation batches smaller than this many element updates run on one thread (waking workers costs more).
    /// Results are the same either way; tests lower it to cover the parallel path.
    /// </summary>
    internal static long ParallelRotationWork = 1L << 22;

    /// <summary>
    /// Factorises the symmetric positive-definite <paramref name="a"/> [n, n] in place as L·Lᵀ, leaving L in the
    /// lower triangle and zeros above it. Only the lower triangle of the input is read. Returns false, with
    /// <paramref name="a"/> partly overwritten, when a pivot is not positive (the matrix is not numerically
    /// positive definite).
    /// </summary>
    public static bool TryCholesky(Span<double> a, int n)
    {
        CheckSquare(a.Length, n, nameof(a));
        for (int i = 0; i < n; i++)
        {
            var rowI = a.Slice(i * n, n);
            for (int j = 0; j <= i; j++)
            {
                var rowJ = a.Slice(j * n, j);
                double s = rowI[j] - (j == 0 ? 0 : TensorPrimitives.Dot(rowI[..j], rowJ));
                if (j == i)
                {
                    if (!(s > 0) || double.IsInfinity(s)) return false;
                    rowI[i] = Math.Sqrt(s);
                }
                else
                {
                    rowI[j] = s / a[j * n + j];
                }
            }
            rowI[(i + 1)..].Clear();
        }
        return true;
    }

    /// <summary>
    /// Factorises <paramref name="a"/> in place as L·Lᵀ (see <see cref="TryCholesky"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The matrix is not numerically positive definite.</exception>
    public static void Cholesky(Span<double> a, int n)
    {
        if (!TryCholesky(a, n))
            throw new InvalidOperationException("Cholesky: the matrix is not positive definite");
    }

    /// <summary>
    /// Solves L·Lᵀ·X = B in place, with <paramref name="l"/> [n, n] the factor from <see cref="Cholesky"/> and
    /// <paramref name="b"/> the row-major right-hand sides [n, nrhs], overwritten by X.
    /// </summary>
    public static void CholeskySolve(ReadOnlySpan<double> l, int n, Span<double> b, int nrhs)
    {
        CheckSquare(l.Length, n, nameof(l));
        if (nrhs < 0 || b.Length < (long)n * nrhs) throw new ArgumentException($"b: needs [{n}, {nrhs}]");
        // Forward: L·Z = B, row by row, so each update is a contiguous axpy over the right-hand sides.
        for (int i = 0; i < n; i++)
        {
            var bi = b.Slice(i * nrhs, nrhs);
            for (int k = 0; k < i; k++)
            {
                double lik = l[i * n + k];
                if (lik != 0) TensorPrimitives.MultiplyAdd(b.Slice(k * nrhs, nrhs), -lik, bi, bi);
            }
            TensorPrimitives.Multiply(bi, 1.0 / l[i * n + i], bi);
        }
        // Backward: Lᵀ·X = Z; column i of L is row i of Lᵀ, so scatter each solved row into the rows above.
        for (int i = n - 1; i >= 0; i--)
        {
            var bi = b.Slice(i * nrhs, nrhs);
            TensorPrimitives.Multiply(bi, 1.0 / l[i * n + i], bi);
            for (int k = 0; k < i; k++)
            {
                double lik = l[i * n + k];
                if (lik != 0)
                {
                    var bk = b.Slice(k * nrhs, nrhs);
                    TensorPrimitives.MultiplyAdd(bi, -lik, bk, bk);
                }
            }
        }
    }

    /// <summary>
    /// Solves the symmetric positive-definite system A·X = B: a convenience that copies <paramref name="a"/>,
    /// factorises it and returns X [n, nrhs].
    /// </summary>
    public static double[] SolveSpd(ReadOnlySpan<double> a, int n, ReadOnlySpan<double> b, int nrhs)
    {
        var l = a.ToArray();
        Cholesky(l, n);
        var x = b[..(n * nrhs)].ToArray();
        CholeskySolve(l, n, x, nrhs);
        return x;
    }

    /// <summary>
    /// Eigendecomposition of the symmetric <paramref name="a"/> [n, n] (only its lower triangle is read):
    /// <paramref name="values"/> receives the n eigenvalues in descending order and row i of
    /// <paramref name="vectors"/> [n, n] the unit eigenvector of values[i], so that A = Σ_i λ_i v_i v_iᵀ.
    /// </summary>
    /// <param name="a">The matrix, row-major.</param>
    /// <param name="n">Its order.</param>
    /// <param name="values">Receives the eigenvalues, descending.</param>
    /// <param name="vectors">Receives the eigenvectors as rows.</param>
    /// <param name="matMul">Matrix products of the back-transformation; the evaluation stage's managed kernel if null.</param>
    /// <exception cref="ArgumentException">The matrix contains NaN or infinity.</exception>
    public static void SymmetricEigen(ReadOnlySpan<double> a, int n, Span<double> values, Span<double> vectors, IMatMul? matMul = null)
    {
        CheckSquare(a.Length, n, nameof(a));
        if (values.Length < n) throw new ArgumentException($"values: needs {n}");
        if (vectors.Length < (long)n * n) throw new ArgumentException($"vectors: needs {n}x{n}");
        CheckFiniteLower(a, n, nameof(a));
        var work = a[..(n * n)].ToArray();
        var d = new double[n];
        var e = new double[n];
        var beta = new double[n];
        Tridiagonalize(work, n, d, e, beta);
        // Eigenvectors s_i of T first, as the rows of z, then z ← z·Qᵀ, whose rows are (Q·s_i)ᵀ: applying the
        // reflectors last lets them go in blocks, so this O(n³) step runs as matrix products.
        var z = new double[n * n];
        for (int i = 0; i < n; i++) z[i * n + i] = 1;
        var rotations = new RotationBatch(n, z);
        TridiagonalQl(d, e, n, rotations);
        rotations.Flush();
        ApplyReflectors(work, n, beta, z, matMul ?? MatMulProviders.Default);
        SortDescending(d, n, z, values, vectors);
    }

    /// <summary>The eigenvalues of the symmetric <paramref name="a"/> [n, n] (lower triangle read), in descending order.</summary>
    public static double[] SymmetricEigenvalues(ReadOnlySpan<double> a, int n)
    {
        CheckSquare(a.Length, n, nameof(a));
        CheckFiniteLower(a, n, nameof(a));
        var work = a[..(n * n)].ToArray();
        var d = new double[n];
        var e = new double[n];
        var beta = new double[n];
        Tridiagonalize(work, n, d, e, beta);
        TridiagonalQl(d, e, n, null);
        Array.Sort(d);
        Array.Reverse(d);
        return d;
    }

    private static void CheckSquare(int length, int n, string name)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n));
        if (length < (long)n * n) throw new ArgumentException($"{name}: needs {n}x{n} = {(long)n * n} elements, got {length}");
    }

    private static void CheckFiniteLower(ReadOnlySpan<double> a, int n, string name)
    {
        // A NaN makes every convergence test false, so QL would stop at once with garbage instead of failing.
        for (int i = 0; i < n; i++)
            foreach (double x in a.Slice(i * n, i + 1))
                if (!double.IsFinite(x)) throw new ArgumentException($"{name}: contains a non-finite value");
    }

    /// <summary>
    /// Householder reduction of the symmetric a to tridiagonal T = Qᵀ·A·Q with Q = H_0·H_1·…·H_{n−3}: d the
    /// diagonal, e[i] = T[i+1, i] (e[n−1] = 0). Only the lower triangle of a is read and updated; the reflector
    /// H_k = I − β_k·v·vᵀ is left in row k from column k+1 on, in the otherwise unused upper triangle.
    /// </summary>
    /// <remarks>
    /// The matrix is the only operand too large for cache, so each step makes a single pass over the lower triangle:
    /// the rank-2 update of step k and the product A·v of step k+1 are fused row by row. That needs v_{k+1} before
    /// the pass, so its column is updated on its own first (O(n) work).
    /// </remarks>
    private static void Tridiagonalize(double[] a, int n, double[] d, double[] e, double[] beta)
    {
        if (n == 0) return;
        if (n == 1)
        {
            d[0] = a[0];
            e[0] = 0;
            return;
        }
        var p = new double[n];
        var pNext = new double[n];
        var w = new double[n];
        if (n >= 3)
        {
            // Step 0: reflector of column 0 and p = β·A22·v from a plain (update-free) pass.
            int m0 = n - 1;
            var v0 = a.AsSpan(1, m0);
            for (int i = 1; i < n; i++) v0[i - 1] = a[i * n];
            (e[0], beta[0]) = Reflect(v0);
            if (beta[0] != 0)
            {
                var pw = p.AsSpan(0, m0);
                pw.Clear();
                for (int i = 1; i < n; i++)
                    AddSymmetricProduct(a.AsSpan(i * n + 1, i), v0, pw, i - 1);
                TensorPrimitives.Multiply(pw, beta[0], pw);
            }
        }
        for (int k = 0; k < n - 2; k++)
        {
            int m = n - k - 1;
            d[k] = a[k * n + k];
            var v = a.AsSpan(k * n + k + 1, m);
            double b = beta[k];
            var ww = w.AsSpan(0, m);
            if (b != 0)
            {
                // w = p − (β/2)(pᵀv)·v, so that the update is A22 −= v·wᵀ + w·vᵀ.
                var pw = p.AsSpan(0, m);
                double kk = 0.5 * b * TensorPrimitives.Dot(pw, v);
                TensorPrimitives.MultiplyAdd(v, -kk, pw, ww);
            }
            bool hasNext = k + 1 < n - 2;
            double bNext = 0;
            Span<double> vNext = default;
            if (hasNext)
            {
                // Column k+1 below the diagonal after this step's update, turned into the next reflector.
                vNext = a.AsSpan((k + 1) * n + k + 2, m - 1);
                for (int i = k + 2; i < n; i++)
                {
                    int r = i - k - 1;
                    double x = a[i * n + k + 1];
                    if (b != 0) x -= v[r] * ww[0] + ww[r] * v[0];
                    vNext[r - 1] = x;
                }
                (e[k + 1], bNext) = Reflect(vNext);
                beta[k + 1] = bNext;
                pNext.AsSpan(0, m - 1).Clear();
            }
            else
            {
                e[k + 1] = 0; // set from the matrix after the loop
            }
            for (int i = k + 1; i < n; i++)
            {
                int r = i - k - 1;
                var row = a.AsSpan(i * n + k + 1, r + 1);
                if (b != 0)
                {
                    TensorPrimitives.MultiplyAdd(ww[..(r + 1)], -v[r], row, row);
                    TensorPrimitives.MultiplyAdd(v[..(r + 1)], -ww[r], row, row);
                }
                if (bNext != 0 && r >= 1)
                    AddSymmetricProduct(row[1..], vNext, pNext.AsSpan(0, m - 1), r - 1);
            }
            if (bNext != 0)
            {
                var pn = pNext.AsSpan(0, m - 1);
                TensorPrimitives.Multiply(pn, bNext, pn);
                (p, pNext) = (pNext, p);
            }
        }
        d[n - 2] = a[(n - 2) * n + n - 2];
        d[n - 1] = a[(n - 1) * n + n - 1];
        e[n - 2] = a[(n - 1) * n + n - 2];
        e[n - 1] = 0;
    }

    /// <summary>
    /// Adds row r of a symmetric matrix stored as its lower triangle to p = A·v: the row prefix (columns 0..r) gives
    /// p[r] += prefix·v and, by symmetry, p[j] += A[r, j]·v[r] for j &lt; r, both contiguous.
    /// </summary>
    private static void AddSymmetricProduct(ReadOnlySpan<double> prefix, ReadOnlySpan<double> v, Span<double> p, int r)
    {
        p[r] += TensorPrimitives.Dot(prefix[..(r + 1)], v[..(r + 1)]);
        if (r > 0) TensorPrimitives.MultiplyAdd(prefix[..r], v[r], p[..r], p[..r]);
    }

    /// <summary>
    /// Turns x into a Householder vector v with (I − β·v·vᵀ)·x = α·e_0 and returns (α, β); β = 0 (no reflection)
    /// when x is already a multiple of e_0.
    /// </summary>
    private static (double Alpha, double Beta) Reflect(Span<double> x)
    {
        double x0 = x[0];
        double sigma = x.Length > 1 ? TensorPrimitives.Dot(x[1..], x[1..]) : 0;
        if (sigma == 0) return (x0, 0);
        double norm = Math.Sqrt(x0 * x0 + sigma);
        double alpha = x0 <= 0 ? norm : -norm; // sign chosen so that x0 − α never cancels
        x[0] = x0 - alpha;
        return (alpha, 2.0 / (x[0] * x[0] + sigma));
    }

    /// <summary>
    /// z ← z·Qᵀ = z·H_{n−3}·…·H_0 for the reflectors left in a by <see cref="Tridiagonalize"/>, nb at a time in
    /// compact WY form: H_{k0}·…·H_{k1−1} = I − V·T·Vᵀ (T upper triangular, LAPACK's dlarft), so the block in
    /// reverse order is I − V·Tᵀ·Vᵀ and z ← z − ((z·V)·Tᵀ)·Vᵀ, three matrix products on the columns ≥ k0+1.
    /// </summary>
    private static void ApplyReflectors(double[] a, int n, double[] beta, double[] z, IMatMul mm)
    {
        const int nb = 32;
        int count = n - 2;
        if (count <= 0) return;
        var v = new double[n * nb];
        var t = new double[nb * nb];
        var y1 = new double[n * nb];
        var y2 = new double[n * nb];
        var tmp = new double[nb];
        int firstBlock = (count - 1) / nb * nb;
        for (int k0 = firstBlock; k0 >= 0; k0 -= nb)
        {
            int kb = Math.Min(nb, count - k0);
            int c0 = k0 + 1;
            int rowsV = n - c0;
            // V [rowsV, kb]: column j is v_{k0+j}, which starts at global index k0+j+1, i.e. local row j.
            var vv = v.AsSpan(0, rowsV * kb);
            vv.Clear();
            for (int j = 0; j < kb; j++)
            {
                int k = k0 + j;
                if (beta[k] == 0) continue;
                var src = a.AsSpan(k * n + k + 1, n - k - 1);
                for (int r = 0; r < src.Length; r++) vv[(j + r) * kb + j] = src[r];
            }
            var tt = t.AsSpan(0, kb * kb);
            tt.Clear();
            for (int j = 0; j < kb; j++)
            {
                double b = beta[k0 + j];
                tt[j * kb + j] = b;
                if (j == 0 || b == 0) continue;
                // tmp = −β_j·V[:, 0..j)ᵀ·v_j, then T[0..j, j] = T[0..j, 0..j]·tmp.
                for (int i = 0; i < j; i++)
                {
                    double sum = 0;
                    for (int r = j; r < rowsV; r++) sum += vv[r * kb + i] * vv[r * kb + j];
                    tmp[i] = -b * sum;
                }
                for (int i = 0; i < j; i++)
                {
                    double sum = 0;
                    for (int q = i; q < j; q++) sum += tt[i * kb + q] * tmp[q];
                    tt[i * kb + j] = sum;
                }
            }
            var zc = z.AsSpan(c0);
            mm.Gemm(false, false, n, kb, rowsV, 1.0, zc, n, vv, kb, 0.0, y1, kb);
            mm.Gemm(false, true, n, kb, kb, 1.0, y1, kb, tt, kb, 0.0, y2, kb);
            mm.Gemm(false, true, n, rowsV, kb, -1.0, y2, kb, vv, kb, 1.0, zc, n);
        }
    }

    /// <summary>
    /// Implicit QL with Wilkinson shifts on the tridiagonal (d, e); the eigenvalues replace d. The plane rotations
    /// of each sweep are handed to <paramref name="rotations"/> when eigenvectors are wanted.
    /// </summary>
    private static void TridiagonalQl(double[] d, double[] e, int n, RotationBatch? rotations)
    {
        double f = 0, tst1 = 0;
        double eps = Math.Pow(2, -52);
        for (int l = 0; l < n; l++)
        {
            tst1 = Math.Max(tst1, Math.Abs(d[l]) + Math.Abs(e[l]));
            int m = l;
            while (m < n)
            {
                if (Math.Abs(e[m]) <= eps * tst1) break;
                m++;
            }
            if (m == n) m = n - 1; // e[n−1] = 0, so this only guards against a NaN tst1
            if (m > l)
            {
                int iter = 0;
                do
                {
                    if (++iter > 100) throw new InvalidOperationException("SymmetricEigen: QL iteration did not converge");
                    double g = d[l];
                    double p = (d[l + 1] - g) / (2 * e[l]);
                    double r = Hypot(p, 1);
                    if (p < 0) r = -r;
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    double dl1 = d[l + 1];
                    double h = g - d[l];
                    for (int i = l + 2; i < n; i++) d[i] -= h;
                    f += h;
                    p = d[m];
                    double c = 1, c2 = 1, c3 = 1;
                    double el1 = e[l + 1];
                    double s = 0, s2 = 0;
                    var sweep = rotations is null ? default : rotations.BeginSweep(l, m);
                    for (int i = m - 1; i >= l; i--)
                    {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = Hypot(p, e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                        if (rotations is not null)
                        {
                            sweep[2 * (m - 1 - i)] = c;
                            sweep[2 * (m - 1 - i) + 1] = s;
                        }
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                } while (Math.Abs(e[l]) > eps * tst1);
            }
            d[l] += f;
            e[l] = 0;
        }
    }

    /// <summary>
    /// Collects the plane rotations of up to <see cref="Sweeps"/> QL sweeps and applies them to the rows of z
    /// together. One sweep at a time would stream all of z through memory per sweep; here each column strip of z
    /// is copied out once per batch and the sweeps are applied as a wavefront (sweep s lags sweep s−1 by two rows,
    /// which respects every row the rotations share), so the working set is about 2·Sweeps rows of one strip.
    /// Strips are independent, so they run in parallel.
    /// </summary>
    private sealed class RotationBatch(int n, double[] z)
    {
        public const int Sweeps = 32;
        private const int Strip = 32; // columns per strip: 2·Sweeps rows × 32 doubles fit L1
        private readonly double[] _cs = new double[Sweeps * 2 * Math.Max(n, 1)];
        private readonly int[] _l = new int[Sweeps], _m = new int[Sweeps];
        private int _count;

        /// <summary>Space for the (c, s) pairs of a sweep over rows l..m (rotation i ↦ slot m−1−i).</summary>
        public Span<double> BeginSweep(int l, int m)
        {
            if (_count == Sweeps) Flush();
            _l[_count] = l;
            _m[_count] = m;
            return _cs.AsSpan(_count++ * 2 * n, 2 * (m - l));
        }

        public void Flush()
        {
            if (_count == 0) return;
            int lo = int.MaxValue, hi = 0;
            for (int s = 0; s < _count; s++)
            {
                lo = Math.Min(lo, _l[s]);
                hi = Math.Max(hi, _m[s]);
            }
            int strips = (n + Strip - 1) / Strip;
            int rows = hi - lo + 1;
            if (strips == 1 || (long)rows * n * _count < ParallelRotationWork)
            {
                var buf = new double[rows * Strip];
                for (int st = 0; st < strips; st++) ApplyStrip(st, lo, hi, buf);
            }
            else
            {
                Parallel.For(0, strips, () => new double[rows * Strip], (st, _, buf) =>
                {
                    ApplyStrip(st, lo, hi, buf);
                    return buf;
                }, _ => { });
            }
            _count = 0;
        }

        private void ApplyStrip(int strip, int lo, int hi, double[] buf)
        {
            int j0 = strip * Strip;
            int w = Math.Min(Strip, n - j0);
            int rows = hi - lo + 1;
            for (int r = 0; r < rows; r++) z.AsSpan((lo + r) * n + j0, w).CopyTo(buf.AsSpan(r * w, w));
            int top = hi - 1;
            int steps = top - lo + 1 + 2 * (_count - 1);
            for (int tau = 0; tau < steps; tau++)
            {
                for (int s = 0; s < _count; s++)
                {
                    int i = top - tau + 2 * s;
                    if (i < _l[s] || i >= _m[s]) continue;
                    int slot = s * 2 * n + 2 * (_m[s] - 1 - i);
                    Rotate(buf.AsSpan((i - lo) * w, w), buf.AsSpan((i + 1 - lo) * w, w), _cs[slot], _cs[slot + 1]);
                }
            }
            for (int r = 0; r < rows; r++) buf.AsSpan(r * w, w).CopyTo(z.AsSpan((lo + r) * n + j0, w));
        }
    }

    /// <summary>(x, y) ← (c·x − s·y, s·x + c·y), elementwise over two rows: the QL update of columns i, i+1.</summary>
    private static void Rotate(Span<double> x, Span<double> y, double c, double s)
    {
        int n = x.Length;
        if (y.Length < n) throw new ArgumentException("rows differ in length");
        int i = 0;
        ref double rx = ref MemoryMarshal.GetReference(x);
        ref double ry = ref MemoryMarshal.GetReference(y);
        if (Vector.IsHardwareAccelerated)
        {
            // Called for every rotation on short strips, so no per-vector slicing or bounds checks.
            var vc = new Vector<double>(c);
            var vs = new Vector<double>(s);
            int w = Vector<double>.Count;
            for (; i <= n - w; i += w)
            {
                var xv = Vector.LoadUnsafe(ref rx, (nuint)i);
                var yv = Vector.LoadUnsafe(ref ry, (nuint)i);
                (vc * xv - vs * yv).StoreUnsafe(ref rx, (nuint)i);
                (vs * xv + vc * yv).StoreUnsafe(ref ry, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            double xi = Unsafe.Add(ref rx, i), yi = Unsafe.Add(ref ry, i);
            Unsafe.Add(ref rx, i) = c * xi - s * yi;
            Unsafe.Add(ref ry, i) = s * xi + c * yi;
        }
    }

    private static double Hypot(double a, double b)
    {
        a = Math.Abs(a);
        b = Math.Abs(b);
        if (a < b) (a, b) = (b, a);
        if (a == 0) return 0;
        double r = b / a;
        return a * Math.Sqrt(1 + r * r);
    }

    private static void SortDescending(double[] d, int n, double[] z, Span<double> values, Span<double> vectors)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        // Ties keep the solver's order, so the output is deterministic.
        Array.Sort(order, (x, y) => d[y].CompareTo(d[x]) != 0 ? d[y].CompareTo(d[x]) : x.CompareTo(y));
        for (int i = 0; i < n; i++)
        {
            values[i] = d[order[i]];
            z.AsSpan(order[i] * n, n).CopyTo(vectors.Slice(i * n, n));
        }
    }
}
