namespace RhmLab.Networks;

/// <summary>
/// The shape of hidden layer k: it merges <see cref="Kernel"/> consecutive positions of the layer below
/// (kernel = stride, no overlap), so its patch matrix is a free reshape of the activations below:
/// [B·PositionsIn, InChannels] → [B·Positions, FanIn].
/// </summary>
/// <param name="Index">k, from 1.</param>
/// <param name="InChannels">C_{k−1} (v for the first layer).</param>
/// <param name="Width">H_k, output channels.</param>
/// <param name="Kernel">Positions merged per output position (s for the CNN).</param>
/// <param name="PositionsIn">d_{k−1}.</param>
/// <param name="Scale">Forward multiplier σ_k.</param>
public sealed record LayerShape(int Index, int InChannels, int Width, int Kernel, int PositionsIn, double Scale)
{
    /// <summary>d_k = d_{k−1} / kernel.</summary>
    public int Positions => PositionsIn / Kernel;

    /// <summary>Patch size K·C_{k−1}: the rows of the stored weight matrix.</summary>
    public int FanIn => Kernel * InChannels;

    /// <summary>Representation size n_k = H_k·d_k.</summary>
    public int Units => Width * Positions;
}

/// <summary>The layer shapes of a network, computed once here for the network itself and for whatever needs its size.</summary>
public static class LayerShapes
{
    /// <summary>The hidden layers of a network of <paramref name="config"/> on an RHM's input.</summary>
    public static LayerShape[] Of(RhmLab.Rhm.RhmParameters rhm, NetworkConfig config)
    {
        ArgumentNullException.ThrowIfNull(rhm);
        ArgumentNullException.ThrowIfNull(config);
        int depth = config.Widths.Length;
        var layers = new LayerShape[depth];
        int channels = rhm.Vocabulary, positions = rhm.InputLength;
        for (int k = 0; k < depth; k++)
        {
            int kernel = config.Architecture == Architecture.Cnn ? rhm.TupleSize : (k == 0 ? rhm.InputLength : 1);
            int fanIn = kernel * channels;
            double scale = config.ConvScale switch
            {
                ConvScale.FanIn => 1.0 / Math.Sqrt(fanIn),
                ConvScale.Channels => 1.0 / Math.Sqrt(channels),
                _ => 1.0,
            };
            layers[k] = new LayerShape(k + 1, channels, config.Widths[k], kernel, positions, scale);
            channels = config.Widths[k];
            positions /= kernel;
        }
        return layers;
    }
}
