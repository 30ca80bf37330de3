namespace RhmLab.Networks;

/// <summary>Forward multiplier of a convolution (docs/METHODS.md §2.2, <c>conv-scale</c>).</summary>
public enum ConvScale
{
    /// <summary>Default ([TLM]): σ_k = 1/sqrt(C_{k−1}·s), weights N(0, 1).</summary>
    FanIn,
    /// <summary>[HL], [AD]: σ_k = 1/sqrt(C_{k−1}).</summary>
    Channels,
    /// <summary>σ_k = 1 with weights N(0, 1/(C_{k−1}·s)): the same function at init, different SGD dynamics.</summary>
    Plain,
}

/// <summary>Readout multiplier (<c>readout-scale</c>).</summary>
public enum ReadoutScale
{
    /// <summary>Default for supervised BP: σ_out = 1/H_L (mean field), paired with lr × H_L.</summary>
    MeanField,
    /// <summary>σ_out = 1/sqrt(H_L).</summary>
    Standard,
}

/// <summary>Bias of the hidden layers (<c>bias</c>).</summary>
public enum BiasMode
{
    /// <summary>Default: one bias per channel, zero-initialised.</summary>
    PerChannel,
    /// <summary>No bias (the Fig. 7 setting).</summary>
    None,
    /// <summary>Legacy ([HL]/[AD]): a bias per channel and position, N(0, 1), forward multiplier 0.1.</summary>
    PerPosition,
}

/// <summary>Which network family.</summary>
public enum Architecture
{
    /// <summary>Hierarchical CNN: kernel = stride = s at every layer (§2.1).</summary>
    Cnn,
    /// <summary>Fully connected baseline: the first layer sees the whole flattened one-hot input, later layers are dense.</summary>
    Mlp,
}

/// <summary>
/// The architecture of a network: widths per hidden layer and the scaling conventions of docs/METHODS.md §2.2. The
/// number of hidden layers is the length of <see cref="Widths"/>; a CNN with fewer layers than L ends with several
/// positions, which the readout averages (<c>readout-input = mean</c>).
/// </summary>
/// <param name="Widths">H_1..H_K.</param>
/// <param name="Architecture">CNN (default) or MLP.</param>
/// <param name="ConvScale">Convolution multiplier convention.</param>
/// <param name="ReadoutScale">Readout multiplier convention.</param>
/// <param name="Bias">Bias convention.</param>
public sealed record NetworkConfig(
    int[] Widths,
    Architecture Architecture = Architecture.Cnn,
    ConvScale ConvScale = ConvScale.FanIn,
    ReadoutScale ReadoutScale = ReadoutScale.MeanField,
    BiasMode Bias = BiasMode.PerChannel)
{
    /// <summary>Parses <c>fan-in</c>, <c>channels</c> or <c>plain</c>.</summary>
    public static ConvScale ParseConvScale(string text) => text switch
    {
        "fan-in" => ConvScale.FanIn,
        "channels" => ConvScale.Channels,
        "plain" => ConvScale.Plain,
        _ => throw new ArgumentException($"conv-scale: unknown value '{text}' (expected fan-in, channels or plain)"),
    };

    /// <summary>Parses <c>mf</c> or <c>std</c>.</summary>
    public static ReadoutScale ParseReadoutScale(string text) => text switch
    {
        "mf" => ReadoutScale.MeanField,
        "std" => ReadoutScale.Standard,
        _ => throw new ArgumentException($"readout-scale: unknown value '{text}' (expected mf or std)"),
    };

    /// <summary>Parses <c>per-channel</c>, <c>none</c> or <c>per-position</c>.</summary>
    public static BiasMode ParseBias(string text) => text switch
    {
        "per-channel" or "on" or "true" => BiasMode.PerChannel,
        "none" or "off" or "false" => BiasMode.None,
        "per-position" => BiasMode.PerPosition,
        _ => throw new ArgumentException($"bias: unknown value '{text}' (expected per-channel, none or per-position)"),
    };

    /// <summary>Parses <c>cnn</c> or <c>mlp</c>.</summary>
    public static Architecture ParseArchitecture(string text) => text switch
    {
        "cnn" => Architecture.Cnn,
        "mlp" => Architecture.Mlp,
        _ => throw new ArgumentException($"arch: unknown value '{text}' (expected cnn or mlp)"),
    };

    /// <summary>Printed names of the conventions, as recorded in results.</summary>
    public static string Name(ConvScale x) => x switch { ConvScale.FanIn => "fan-in", ConvScale.Channels => "channels", _ => "plain" };

    /// <inheritdoc cref="Name(ConvScale)"/>
    public static string Name(ReadoutScale x) => x == ReadoutScale.MeanField ? "mf" : "std";

    /// <inheritdoc cref="Name(ConvScale)"/>
    public static string Name(BiasMode x) => x switch { BiasMode.PerChannel => "per-channel", BiasMode.None => "none", _ => "per-position" };

    /// <inheritdoc cref="Name(ConvScale)"/>
    public static string Name(Architecture x) => x == Architecture.Cnn ? "cnn" : "mlp";
}
