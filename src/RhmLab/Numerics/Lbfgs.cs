using System.Numerics.Tensors;

namespace RhmLab.Numerics;

/// <summary>Options of <see cref="Lbfgs.Minimize"/>.</summary>
public sealed record LbfgsOptions
{
    /// <summary>Iterations (accepted steps) at most (400).</summary>
    public int MaxIterations { get; init; } = 400;

    /// <summary>Correction pairs kept (10, as in minFunc and SciPy).</summary>
    public int Memory { get; init; } = 10;

    /// <summary>Converged once the largest gradient component is at most this (1e-6).</summary>
    public double GradientTolerance { get; init; } = 1e-6;

    /// <summary>Converged once a step lowers f by at most this fraction of max(|f|, 1) (1e-10).</summary>
    public double FunctionTolerance { get; init; } = 1e-10;
}

/// <summary>What <see cref="Lbfgs.Minimize"/> reached.</summary>
/// <param name="Value">f at the returned point.</param>
/// <param name="Iterations">Accepted steps.</param>
/// <param name="Evaluations">Calls of the objective, line searches included.</param>
/// <param name="Converged">True when a tolerance was met before the iteration limit (or a line search failed at a stationary point).</param>
/// <param name="GradientMax">Largest gradient component at the returned point.</param>
public sealed record LbfgsResult(double Value, int Iterations, int Evaluations, bool Converged, double GradientMax);

/// <summary>
/// Limited-memory BFGS (Nocedal and Wright, Numerical Optimization, algorithms 7.4 and 7.5) with a backtracking
/// Armijo line search: the unconstrained optimiser that reconstruction ICA was published with. Deterministic: the
/// same objective and start give the same iterates.
/// </summary>
public static class Lbfgs
{
    /// <summary>An objective: writes ∇f(x) into <c>gradient</c> and returns f(x).</summary>
    public delegate double Objective(ReadOnlySpan<double> x, Span<double> gradient);

    /// <summary>Minimises f from <paramref name="x"/>, which holds the minimiser on return.</summary>
    public static LbfgsResult Minimize(Objective f, Span<double> x, LbfgsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        options ??= new LbfgsOptions();
        if (options.Memory < 1) throw new ArgumentOutOfRangeException(nameof(options), "Memory must be ≥ 1");
        int n = x.Length, m = options.Memory;
        var s = new double[m][];
        var y = new double[m][];
        var rho = new double[m];
        for (int i = 0; i < m; i++) { s[i] = new double[n]; y[i] = new double[n]; }
        var alpha = new double[m];
        var g = new double[n];
        var gNew = new double[n];
        var d = new double[n];
        var xNew = new double[n];
        int stored = 0, newest = -1, evaluations = 1, iterations = 0;
        double fx = f(x, g);
        bool converged = false;
        while (true)
        {
            if (Math.Abs(TensorPrimitives.MaxMagnitude(g)) <= options.GradientTolerance) { converged = true; break; }
            if (iterations >= options.MaxIterations) break;

            // Two-loop recursion: d = −H·g, with H₀ = γI scaled by the newest pair (γ = sᵀy / yᵀy).
            g.CopyTo(d, 0);
            for (int j = 0; j < stored; j++)
            {
                int i = (newest - j + m) % m;
                alpha[i] = rho[i] * TensorPrimitives.Dot(s[i], d);
                TensorPrimitives.MultiplyAdd(y[i], -alpha[i], d, d);
            }
            double gamma = stored > 0
                ? TensorPrimitives.Dot(s[newest], y[newest]) / TensorPrimitives.Dot(y[newest], y[newest])
                : 1.0 / Math.Max(TensorPrimitives.Norm(g), 1e-300); // first step: unit length
            TensorPrimitives.Multiply(d, gamma, d);
            for (int j = stored - 1; j >= 0; j--)
            {
                int i = (newest - j + m) % m;
                double beta = rho[i] * TensorPrimitives.Dot(y[i], d);
                TensorPrimitives.MultiplyAdd(s[i], alpha[i] - beta, d, d);
            }
            TensorPrimitives.Negate(d, d);
            double slope = TensorPrimitives.Dot(g, d);
            if (!(slope < 0))
            {
                // Not a descent direction (rounding after many pairs): restart from steepest descent.
                stored = 0;
                TensorPrimitives.Negate(g, d);
                TensorPrimitives.Multiply(d, 1.0 / Math.Max(TensorPrimitives.Norm(g), 1e-300), d);
                slope = TensorPrimitives.Dot(g, d);
            }

            // Backtracking Armijo search from the quasi-Newton step (t = 1).
            double t = 1, fNew = double.NaN;
            bool accepted = false;
            for (int tries = 0; tries < 40; tries++)
            {
                TensorPrimitives.MultiplyAdd(d, t, x, xNew);
                fNew = f(xNew, gNew);
                evaluations++;
                if (double.IsFinite(fNew) && fNew <= fx + 1e-4 * t * slope) { accepted = true; break; }
                t *= 0.5;
            }
            if (!accepted) { converged = true; break; } // no decrease along a descent direction: f is flat to rounding

            int next = (newest + 1) % m;
            TensorPrimitives.Subtract(xNew, x, s[next]);
            TensorPrimitives.Subtract(gNew, g, y[next]);
            double sy = TensorPrimitives.Dot(s[next], y[next]);
            if (sy > 1e-12 * TensorPrimitives.Dot(y[next], y[next]))
            {
                // Keep the pair only with positive curvature, so that H stays positive definite.
                rho[next] = 1 / sy;
                newest = next;
                stored = Math.Min(stored + 1, m);
            }
            double drop = fx - fNew;
            xNew.CopyTo(x);
            gNew.CopyTo(g, 0);
            fx = fNew;
            iterations++;
            if (drop <= options.FunctionTolerance * Math.Max(Math.Abs(fx), 1)) { converged = true; break; }
        }
        return new LbfgsResult(fx, iterations, evaluations, converged, Math.Abs(TensorPrimitives.MaxMagnitude(g)));
    }
}
