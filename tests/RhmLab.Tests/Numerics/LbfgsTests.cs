using RhmLab.Numerics;

namespace RhmLab.Tests.Numerics;

public class LbfgsTests
{
    [Fact]
    public void FindsTheMinimumOfTheRosenbrockValley()
    {
        // f(x, y) = (1 − x)² + 100(y − x²)², minimum 0 at (1, 1), from the textbook start (−1.2, 1).
        static double Rosenbrock(ReadOnlySpan<double> p, Span<double> g)
        {
            double x = p[0], y = p[1];
            g[0] = -2 * (1 - x) - 400 * x * (y - x * x);
            g[1] = 200 * (y - x * x);
            return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
        }
        var p = new[] { -1.2, 1.0 };
        var r = Lbfgs.Minimize(Rosenbrock, p);
        Assert.True(r.Converged);
        Assert.Equal(1.0, p[0], 4);
        Assert.Equal(1.0, p[1], 4);
        Assert.True(r.Value < 1e-8, $"f = {r.Value}");
        Assert.True(r.Iterations < 100, $"{r.Iterations} iterations");
    }

    [Fact]
    public void SolvesAnIllConditionedQuadraticFarFasterThanGradientDescent()
    {
        // f(x) = ½ Σ c_i (x_i − i)² with condition number 100: gradient descent needs about κ·ln(1/ε) ≈ 4 000 steps to
        // reach a gradient of 1e-8; the quasi-Newton pairs must capture the curvature (measured: 111 steps).
        int n = 50;
        double Quadratic(ReadOnlySpan<double> x, Span<double> g)
        {
            double f = 0;
            for (int i = 0; i < n; i++)
            {
                double c = Math.Pow(1e2, i / (n - 1.0)), e = x[i] - i;
                g[i] = c * e;
                f += 0.5 * c * e * e;
            }
            return f;
        }
        var x = new double[n];
        var r = Lbfgs.Minimize(Quadratic, x, new LbfgsOptions { GradientTolerance = 1e-8, FunctionTolerance = 0, MaxIterations = 100000 });
        Assert.True(r.Converged, $"{r}");
        for (int i = 0; i < n; i++) Assert.Equal(i, x[i], 6);
        Assert.True(r.Iterations < 200, $"{r.Iterations} iterations");
    }

    [Fact]
    public void StopsAtTheIterationLimitAndSaysSo()
    {
        static double Rosenbrock(ReadOnlySpan<double> p, Span<double> g)
        {
            double x = p[0], y = p[1];
            g[0] = -2 * (1 - x) - 400 * x * (y - x * x);
            g[1] = 200 * (y - x * x);
            return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
        }
        var p = new[] { -1.2, 1.0 };
        var r = Lbfgs.Minimize(Rosenbrock, p, new LbfgsOptions { MaxIterations = 3 });
        Assert.False(r.Converged);
        Assert.Equal(3, r.Iterations);
        Assert.True(r.Value < 24.2, "three accepted steps must lower f below its start 24.2");
    }
}
