using RhmLab.Numerics;

namespace RhmLab.Tests.Numerics;

/// <summary>A fact that is reported as skipped, with the reason, when OpenBLAS cannot be loaded.</summary>
public sealed class OpenBlasFactAttribute : FactAttribute
{
    public OpenBlasFactAttribute()
    {
        if (!OpenBlasMatMul.IsAvailable)
            Skip = OpenBlasSkip.Reason;
    }
}

/// <summary>A theory that is reported as skipped, with the reason, when OpenBLAS cannot be loaded.</summary>
public sealed class OpenBlasTheoryAttribute : TheoryAttribute
{
    public OpenBlasTheoryAttribute()
    {
        if (!OpenBlasMatMul.IsAvailable)
            Skip = OpenBlasSkip.Reason;
    }
}

internal static class OpenBlasSkip
{
    public static string Reason =>
        $"OpenBLAS is unavailable ({OpenBlasMatMul.UnavailableReason}); install libopenblas0-pthread to run the OpenBLAS tests.";
}
