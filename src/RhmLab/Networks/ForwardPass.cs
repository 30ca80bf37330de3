using System.Numerics;

namespace RhmLab.Networks;

/// <summary>
/// Preallocated activations of one batch: tokens, pre-activations a^k and post-activations h^k of every layer
/// ([B·d_k, H_k], position-major), and logits [B, n_c]. Reused across steps so the training loop does not allocate.
/// </summary>
public sealed class ForwardPass<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal ForwardPass(Network<T> net, int maxBatch)
    {
        if (maxBatch < 1) throw new ArgumentOutOfRangeException(nameof(maxBatch), "batch must be >= 1");
        MaxBatch = maxBatch;
        Tokens = new int[maxBatch * net.InputLength];
        Pre = new T[net.Depth][];
        Post = new T[net.Depth][];
        for (int k = 0; k < net.Depth; k++)
        {
            Pre[k] = new T[maxBatch * net.Layers[k].Units];
            Post[k] = new T[maxBatch * net.Layers[k].Units];
        }
        Logits = new T[maxBatch * net.Classes];
        TopMeanBuffer = new T[maxBatch * net.Layers[^1].Width];
    }

    /// <summary>Capacity.</summary>
    public int MaxBatch { get; }

    /// <summary>Current batch size B.</summary>
    public int Batch { get; internal set; }

    /// <summary>Input tokens [B, d].</summary>
    public int[] Tokens { get; }

    /// <summary>Pre-activations a^k, [B·d_k, H_k] (index 0 = layer 1).</summary>
    public T[][] Pre { get; }

    /// <summary>Post-activations h^k = ρ(a^k).</summary>
    public T[][] Post { get; }

    /// <summary>Logits f, [B, n_c].</summary>
    public T[] Logits { get; }

    internal T[] TopMeanBuffer { get; }
}
