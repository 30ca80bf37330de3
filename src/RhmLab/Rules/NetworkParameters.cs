using System.Numerics;
using RhmLab.Numerics;

namespace RhmLab.Rules;

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
