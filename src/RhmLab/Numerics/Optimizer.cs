using System.Numerics;
using System.Numerics.Tensors;
using RhmLab.Options;

namespace RhmLab.Numerics;

/// <summary>Weight-decay form (docs/METHODS.md §6 item 4).</summary>
public enum WeightDecayForm
{
    /// <summary>Default: no decay.</summary>
    [Choice("none")] None,
    /// <summary>λ/2·Σ‖p‖² added to the loss: gradient λp.</summary>
    [Choice("l2")] L2,
    /// <summary>λ·Σ_tensors mean(p²) ([HL] parity): gradient 2λp/numel(p).</summary>
    [Choice("l2-mean-per-tensor")] L2MeanPerTensor,
    /// <summary>p ← p − ηλp after each step.</summary>
    [Choice("decoupled")] Decoupled,
}

/// <summary>The optimiser (docs/METHODS.md §2.4).</summary>
public enum OptimizerKind
{
    /// <summary>SGD with momentum: the supervised rules' default.</summary>
    [Choice("sgd")] Sgd,
    /// <summary>Adam: the self-supervised rules' default.</summary>
    [Choice("adam")] Adam,
}

/// <summary>Options shared by the optimisers.</summary>
/// <param name="Form">Weight-decay form.</param>
/// <param name="Lambda">λ.</param>
/// <param name="DecayBiases">Whether biases are decayed.</param>
/// <param name="DecayPredictors">Whether rule-owned predictors (W_pred) are decayed.</param>
public sealed record WeightDecay(WeightDecayForm Form = WeightDecayForm.None, double Lambda = 0, bool DecayBiases = false, bool DecayPredictors = true)
{
    /// <summary>Parses <c>none</c>, <c>l2</c>, <c>l2-mean-per-tensor</c> or <c>decoupled</c>.</summary>
    public static WeightDecayForm ParseForm(string text) => Choices.Parse<WeightDecayForm>(text, "wd-form");

    internal bool Applies<T>(Parameter<T> p) where T : unmanaged, IFloatingPointIeee754<T> =>
        Form != WeightDecayForm.None && Lambda != 0 && p.Kind switch
        {
            ParameterKind.Bias => DecayBiases,
            ParameterKind.Predictor => DecayPredictors,
            _ => true,
        };
}

/// <summary>Applies a step to every non-frozen parameter from its gradient buffer. Allocates only at construction.</summary>
public abstract class Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The parameters being optimised.</summary>
    protected IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary>The weight-decay options.</summary>
    protected WeightDecay Decay { get; }

    /// <summary>Creates an optimiser over a parameter list.</summary>
    protected Optimizer(IReadOnlyList<Parameter<T>> parameters, WeightDecay decay)
    {
        Parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        Decay = decay ?? throw new ArgumentNullException(nameof(decay));
    }

    /// <summary>One step at learning rate <paramref name="lr"/>.</summary>
    public void Step(double lr)
    {
        // Indexed: enumerating the list through its interface would allocate an enumerator at every step.
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.Frozen) continue;
            bool decay = Decay.Applies(p);
            if (decay && Decay.Form is WeightDecayForm.L2 or WeightDecayForm.L2MeanPerTensor)
            {
                double coef = Decay.Form == WeightDecayForm.L2 ? Decay.Lambda : 2 * Decay.Lambda / p.Value.Length;
                TensorPrimitives.MultiplyAdd(p.Value, T.CreateTruncating(coef), p.Grad, p.Grad);
            }
            Update(p, lr);
            if (decay && Decay.Form == WeightDecayForm.Decoupled)
                TensorPrimitives.Multiply(p.Value, T.CreateTruncating(1 - lr * Decay.Lambda), p.Value);
        }
    }

    /// <summary>Updates one parameter from its (decay-adjusted) gradient.</summary>
    protected abstract void Update(Parameter<T> p, double lr);
}

/// <summary>SGD with momentum, PyTorch form: v ← μv + g, p ← p − ηv.</summary>
public sealed class Sgd<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<Parameter<T>, T[]> _velocity = new();
    private readonly double _momentum;

    /// <summary>Creates SGD with momentum μ.</summary>
    public Sgd(IReadOnlyList<Parameter<T>> parameters, double momentum, WeightDecay decay) : base(parameters, decay)
    {
        _momentum = momentum;
        foreach (var p in parameters) _velocity[p] = new T[p.Value.Length];
    }

    /// <inheritdoc />
    protected override void Update(Parameter<T> p, double lr)
    {
        var v = _velocity[p];
        if (_momentum == 0) { TensorPrimitives.MultiplyAdd(p.Grad, T.CreateTruncating(-lr), p.Value, p.Value); return; }
        // One fused pass (v = μv + g; x −= lr·v) instead of two: the step is memory-bound on large W_pred matrices,
        // and this reads and writes each array once.
        T mu = T.CreateTruncating(_momentum), step = T.CreateTruncating(-lr);
        var g = p.Grad;
        var x = p.Value;
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var vmu = new Vector<T>(mu);
            var vstep = new Vector<T>(step);
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var vi = vmu * new Vector<T>(v, i) + new Vector<T>(g, i);
                vi.CopyTo(v, i);
                (new Vector<T>(x, i) + vstep * vi).CopyTo(x, i);
            }
        }
        for (; i < x.Length; i++)
        {
            v[i] = mu * v[i] + g[i];
            x[i] += step * v[i];
        }
    }
}

/// <summary>
/// Where Adam corrects the bias of its moments. The two forms are equal in exact arithmetic and round differently, so
/// each user keeps the form its recorded results were made with.
/// </summary>
public enum AdamCorrection
{
    /// <summary>
    /// On the step: η/(1 − β₁ᵗ) times m over √v/√(1 − β₂ᵗ) + ε, the corrections in float64 (PyTorch's form): the
    /// trainer's.
    /// </summary>
    StepSize,
    /// <summary>
    /// On the moments: η·m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ) and v̂ = v/(1 − β₂ᵗ), every constant in the parameters'
    /// precision (Kingma and Ba's Algorithm 1): the logistic probe's.
    /// </summary>
    Moments,
}

/// <summary>Adam with bias correction (β1 = 0.9, β2 = 0.999, ε = 1e-8 by default).</summary>
public sealed class Adam<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<Parameter<T>, (T[] M, T[] V)> _state = new();
    private readonly double _beta1, _beta2, _eps;
    private readonly AdamCorrection _correction;
    private readonly Dictionary<Parameter<T>, int> _steps = new();

    /// <summary>Creates Adam.</summary>
    public Adam(IReadOnlyList<Parameter<T>> parameters, WeightDecay decay, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        AdamCorrection correction = AdamCorrection.StepSize)
        : base(parameters, decay)
    {
        _beta1 = beta1; _beta2 = beta2; _eps = eps; _correction = correction;
        foreach (var p in parameters) { _state[p] = (new T[p.Value.Length], new T[p.Value.Length]); _steps[p] = 0; }
    }

    /// <inheritdoc />
    protected override void Update(Parameter<T> p, double lr)
    {
        var (m, v) = _state[p];
        int t = ++_steps[p];
        if (_correction == AdamCorrection.Moments)
        {
            UpdateMoments(p.Value, p.Grad, m, v, lr, t);
            return;
        }
        T b1 = T.CreateTruncating(_beta1), b2 = T.CreateTruncating(_beta2);
        T c1 = T.CreateTruncating(1 - _beta1), c2 = T.CreateTruncating(1 - _beta2);
        double corr1 = 1 - Math.Pow(_beta1, t), corr2 = 1 - Math.Pow(_beta2, t);
        T stepSize = T.CreateTruncating(lr / corr1);
        T invSqrtCorr2 = T.CreateTruncating(1 / Math.Sqrt(corr2));
        T eps = T.CreateTruncating(_eps);
        var g = p.Grad;
        var x = p.Value;
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            Vector<T> vb1 = new(b1), vb2 = new(b2), vc1 = new(c1), vc2 = new(c2), vs = new(stepSize), vinv = new(invSqrtCorr2), veps = new(eps);
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var gi = new Vector<T>(g, i);
                var mi = vb1 * new Vector<T>(m, i) + vc1 * gi;
                var vi = vb2 * new Vector<T>(v, i) + vc2 * gi * gi;
                mi.CopyTo(m, i);
                vi.CopyTo(v, i);
                (new Vector<T>(x, i) - vs * mi / (Vector.SquareRoot(vi) * vinv + veps)).CopyTo(x, i);
            }
        }
        for (; i < x.Length; i++)
        {
            m[i] = b1 * m[i] + c1 * g[i];
            v[i] = b2 * v[i] + c2 * g[i] * g[i];
            x[i] -= stepSize * m[i] / (T.Sqrt(v[i]) * invSqrtCorr2 + eps);
        }
    }

    private void UpdateMoments(T[] x, T[] g, T[] m, T[] v, double lr, int t)
    {
        T b1 = T.CreateTruncating(_beta1), b2 = T.CreateTruncating(_beta2);
        T c1 = T.One - b1, c2 = T.One - b2;
        T corr1 = T.One / (T.One - T.Pow(b1, T.CreateTruncating(t)));
        T corr2 = T.One / (T.One - T.Pow(b2, T.CreateTruncating(t)));
        T rate = T.CreateTruncating(lr), eps = T.CreateTruncating(_eps);
        for (int i = 0; i < x.Length; i++)
        {
            m[i] = b1 * m[i] + c1 * g[i];
            v[i] = b2 * v[i] + c2 * g[i] * g[i];
            x[i] -= rate * (m[i] * corr1) / (T.Sqrt(v[i] * corr2) + eps);
        }
    }
}
