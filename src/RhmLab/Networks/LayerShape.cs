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
