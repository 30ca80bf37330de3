using System.Numerics;

namespace RhmLab.Rules;

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

/// <summary>
/// The network's parameters by name: the trainer passes them as W1, b1, …, WK, bK, readout; rules ask for
/// <c>Weight(k)</c>, <c>Bias(k)</c> and <c>Readout()</c> instead of counting positions, and a list in another order
/// fails loudly here rather than training the wrong tensor.
/// </summary>
public static class NetworkParameters
{
    /// <summary>The weights of hidden layer k (0-based).</summary>
    public static Parameter<T> Weight<T>(this IReadOnlyList<Parameter<T>> parameters, int k) where T : unmanaged, IFloatingPointIeee754<T> =>
        Checked(parameters, 2 * k, ParameterKind.Weight, k);

    /// <summary>The bias of hidden layer k (0-based).</summary>
    public static Parameter<T> Bias<T>(this IReadOnlyList<Parameter<T>> parameters, int k) where T : unmanaged, IFloatingPointIeee754<T> =>
        Checked(parameters, 2 * k + 1, ParameterKind.Bias, k);

    /// <summary>The readout β.</summary>
    public static Parameter<T> Readout<T>(this IReadOnlyList<Parameter<T>> parameters) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var p = parameters[^1];
        return p.Kind == ParameterKind.Readout ? p : throw new InvalidOperationException($"parameters: the last one is {p.Name}, not the readout");
    }

    private static Parameter<T> Checked<T>(IReadOnlyList<Parameter<T>> parameters, int index, ParameterKind kind, int layer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var p = parameters[index];
        return p.Kind == kind && p.Layer == layer ? p : throw new InvalidOperationException($"parameters: position {index} holds {p.Name}, not the {kind} of layer {layer + 1}");
    }
}
