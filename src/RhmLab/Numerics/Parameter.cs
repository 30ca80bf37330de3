using System.Numerics;

namespace RhmLab.Numerics;

/// <summary>What a trainable tensor is, so optimiser options (weight decay of biases or predictors) can tell them apart.</summary>
public enum ParameterKind
{
    /// <summary>A hidden layer's weights.</summary>
    Weight,
    /// <summary>A hidden layer's bias.</summary>
    Bias,
    /// <summary>The readout β.</summary>
    Readout,
    /// <summary>A rule-owned matrix such as CLAPP's W_pred.</summary>
    Predictor,
}

/// <summary>A trainable tensor and its gradient buffer (the update direction a rule writes before the optimiser).</summary>
public sealed class Parameter<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates a parameter over an existing value array, with a gradient buffer of the same size.</summary>
    public Parameter(string name, T[] value, ParameterKind kind, int layer)
    {
        Name = name;
        Value = value;
        Grad = new T[value.Length];
        Kind = kind;
        Layer = layer;
    }

    /// <summary>Name, e.g. <c>W1</c>, <c>b2</c>, <c>readout</c>, <c>Wpred3</c>.</summary>
    public string Name { get; }

    /// <summary>The values, shared with the network or the rule.</summary>
    public T[] Value { get; }

    /// <summary>∂ℓ/∂value (or the rule's pseudo-gradient), written by the rule each step.</summary>
    public T[] Grad { get; }

    /// <summary>What the tensor is.</summary>
    public ParameterKind Kind { get; }

    /// <summary>Layer index (0-based; the readout has the number of hidden layers).</summary>
    public int Layer { get; }

    /// <summary>When true the optimiser leaves the tensor unchanged (e.g. the readout under a self-supervised rule).</summary>
    public bool Frozen { get; set; }
}
