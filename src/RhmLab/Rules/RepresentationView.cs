namespace RhmLab.Rules;

/// <summary>How a multi-position layer becomes the vector a local loss sees (ALGORITHMS.md §3.13, <c>rep</c>).</summary>
public enum RepresentationMode
{
    /// <summary>Default: z = vec(h^k) ∈ R^(H_k·d_k), position-major; W_pred is (H_k·d_k)².</summary>
    Flatten,
    /// <summary>A shared W_pred ∈ R^(H_k × H_k) and u = Σ_p z_pᵀ W_pred c_p; for VICReg/LPL each (sample, position) is a row.</summary>
    PerPosition,
    /// <summary>As <see cref="PerPosition"/>, with u divided by d_k.</summary>
    PerPositionMean,
    /// <summary>z = (1/d_k) Σ_p h^k_{:,p} ∈ R^(H_k).</summary>
    Pooled,
}

/// <summary>Parsing and naming of <see cref="RepresentationMode"/>.</summary>
public static class RepresentationModes
{
    /// <summary>Parses <c>flatten</c>, <c>per-position</c>, <c>per-position-mean</c> or <c>pooled</c> (also <c>position</c>, <c>pool</c>).</summary>
    public static RepresentationMode Parse(string text) => text switch
    {
        "flatten" => RepresentationMode.Flatten,
        "per-position" or "position" => RepresentationMode.PerPosition,
        "per-position-mean" => RepresentationMode.PerPositionMean,
        "pooled" or "pool" => RepresentationMode.Pooled,
        _ => throw new ArgumentException($"rep: unknown value '{text}' (expected flatten, per-position, per-position-mean or pooled)"),
    };

    /// <summary>Rows per sample and the row dimension of a layer of <paramref name="width"/> channels at <paramref name="positions"/> positions.</summary>
    public static (int RowsPerSample, int Dim) Shape(RepresentationMode mode, int width, int positions) => mode switch
    {
        RepresentationMode.Flatten => (1, width * positions),
        RepresentationMode.Pooled => (1, width),
        _ => (positions, width),
    };
}
