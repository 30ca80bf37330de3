using RhmLab.Options;
using RhmLab.Rhm;

namespace RhmLab.Networks;

/// <summary>Forward multiplier of a convolution (docs/METHODS.md §2.2, <c>conv-scale</c>).</summary>
public enum ConvScale
{
    /// <summary>Default ([TLM]): σ_k = 1/sqrt(C_{k−1}·s), weights N(0, 1).</summary>
    [Choice("fan-in")] FanIn,
    /// <summary>[HL], [AD]: σ_k = 1/sqrt(C_{k−1}).</summary>
    [Choice("channels")] Channels,
    /// <summary>σ_k = 1 with weights N(0, 1/(C_{k−1}·s)): the same function at init, different SGD dynamics.</summary>
    [Choice("plain")] Plain,
}

/// <summary>Readout multiplier (<c>readout-scale</c>).</summary>
public enum ReadoutScale
{
    /// <summary>Default for supervised BP: σ_out = 1/H_L (mean field), paired with lr × H_L.</summary>
    [Choice("mf")] MeanField,
    /// <summary>σ_out = 1/sqrt(H_L).</summary>
    [Choice("std")] Standard,
}

/// <summary>Bias of the hidden layers (<c>bias</c>).</summary>
public enum BiasMode
{
    /// <summary>Default: one bias per channel, zero-initialised.</summary>
    [Choice("per-channel")] PerChannel,
    /// <summary>No bias (the Fig. 7 setting).</summary>
    [Choice("none")] None,
    /// <summary>Legacy ([HL]/[AD]): a bias per channel and position, N(0, 1), forward multiplier 0.1.</summary>
    [Choice("per-position")] PerPosition,
}

/// <summary>Which network family.</summary>
public enum Architecture
{
    /// <summary>Hierarchical CNN: kernel = stride = s at every layer (§2.1).</summary>
    [Choice("cnn")] Cnn,
    /// <summary>Fully connected baseline: the first layer sees the whole flattened one-hot input, later layers are dense.</summary>
    [Choice("mlp")] Mlp,
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
    /// <summary>Printed names of the conventions, as recorded in results.</summary>
    public static string Name(ConvScale x) => Choices.Name(x);

    /// <inheritdoc cref="Name(ConvScale)"/>
    public static string Name(ReadoutScale x) => Choices.Name(x);

    /// <inheritdoc cref="Name(ConvScale)"/>
    public static string Name(BiasMode x) => Choices.Name(x);

    /// <inheritdoc cref="Name(ConvScale)"/>
    public static string Name(Architecture x) => Choices.Name(x);
}

/// <summary>
/// The run options of the network (docs/METHODS.md §2): the family, the widths and the scaling conventions. Null
/// widths and depth are defaults that depend on the RHM, resolved by <see cref="Resolve"/>.
/// </summary>
public sealed record NetworkOptions
{
    /// <summary>The network family.</summary>
    [RunOption("arch", "Network")]
    public Architecture Arch { get; set; } = Architecture.Cnn;
    /// <summary>Width of every hidden layer (null: 2v²).</summary>
    [RunOption("width", "Width of every hidden layer (default 2v^2)", Min = 1, Max = 65536)]
    public int? Width { get; set; }
    /// <summary>Per-layer widths (overrides <see cref="Width"/>).</summary>
    [RunOption("widths", "Per-layer widths, e.g. 128,256,512", Min = 1, Max = 65536)]
    public int[]? Widths { get; set; }
    /// <summary>Hidden layers (null: L for the CNN, 2 for the MLP).</summary>
    [RunOption("layers", "Hidden layers (default L for cnn, 2 for mlp)", Min = 1)]
    public int? Layers { get; set; }
    /// <summary>Convolution multiplier.</summary>
    [RunOption("conv-scale", "Convolution multiplier")]
    public ConvScale ConvScale { get; set; } = ConvScale.FanIn;
    /// <summary>Readout multiplier.</summary>
    [RunOption("readout-scale", "Readout multiplier")]
    public ReadoutScale ReadoutScale { get; set; } = ReadoutScale.MeanField;
    /// <summary>Hidden-layer bias.</summary>
    [RunOption("bias", "Hidden-layer bias")]
    public BiasMode Bias { get; set; } = BiasMode.PerChannel;

    /// <summary>
    /// The network these options give on an RHM: the widths of every layer, with the defaults (L layers for a CNN,
    /// 2 for an MLP; width 2v²) filled in. Options that do not fit the RHM raise <see cref="ArgumentException"/>
    /// naming the option.
    /// </summary>
    public NetworkConfig Resolve(RhmParameters rhm)
    {
        ArgumentNullException.ThrowIfNull(rhm);
        int layers = Layers ?? (Widths?.Length ?? (Arch == Architecture.Cnn ? rhm.Depth : 2));
        if (Arch == Architecture.Cnn && layers > rhm.Depth) throw new ArgumentException($"layers: a CNN has at most L = {rhm.Depth} layers (got {layers})");
        int[] widths;
        if (Widths != null)
        {
            if (Widths.Length != layers) throw new ArgumentException($"widths: {Widths.Length} widths given for {layers} layers");
            widths = Widths.ToArray();
        }
        else widths = Enumerable.Repeat(Width ?? 2 * rhm.Vocabulary * rhm.Vocabulary, layers).ToArray();
        // The default 2v² is derived, so its range is checked here; given widths were checked by their declarations.
        foreach (int w in widths) if (w > 1 << 16) throw new ArgumentException($"width: must be in 1..65536 (got {w}, 2v^2 for v = {rhm.Vocabulary})");
        return new NetworkConfig(widths, Arch, ConvScale, ReadoutScale, Bias);
    }
}
