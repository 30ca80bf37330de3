using RhmLab.Options;

namespace RhmLab.Numerics;

/// <summary>The matrix-product provider a run asks for (<c>blas</c>).</summary>
public enum MatMulChoice
{
    /// <summary>Default: RHMLAB_BLAS, else OpenBLAS when it loads, else managed.</summary>
    [Choice("auto")] Auto,
    /// <summary>OpenBLAS; an error when it cannot be loaded.</summary>
    [Choice("openblas")] OpenBlas,
    /// <summary>The managed AVX2/FMA kernel.</summary>
    [Choice("managed")] Managed,
}

/// <summary>Chooses the matrix-product provider by name or from the <c>RHMLAB_BLAS</c> environment variable.</summary>
public static class MatMulProviders
{
    /// <summary>The environment variable <see cref="FromEnvironment"/> reads.</summary>
    public const string EnvironmentVariable = "RHMLAB_BLAS";

    /// <summary>
    /// The single-threaded managed provider: the default of the evaluation stage (probes, ICA, eigensolvers) when no
    /// provider is passed, so its results never depend on which BLAS is installed.
    /// </summary>
    public static IMatMul Default { get; } = new ManagedMatMul(1);

    /// <summary>The names <see cref="Create(string, int)"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["openblas", "managed", "reference", "auto"];

    /// <summary>
    /// The provider a run's <c>blas</c> option asks for: <c>auto</c> defers to RHMLAB_BLAS, then to OpenBLAS when it
    /// loads (<see cref="FromEnvironment"/>).
    /// </summary>
    public static IMatMul Create(MatMulChoice choice, int threads) =>
        choice == MatMulChoice.Auto ? FromEnvironment(threads) : Create(Choices.Name(choice), threads);

    /// <summary>
    /// Makes the provider called <paramref name="name"/>: <c>openblas</c>, <c>managed</c>, <c>reference</c> (the
    /// triple loop, for tests only) or <c>auto</c> (OpenBLAS when it loads, else managed). Throws
    /// <see cref="InvalidOperationException"/> when <c>openblas</c> is asked for but cannot be loaded, rather than
    /// silently running a different provider.
    /// </summary>
    public static IMatMul Create(string name, int threads)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        switch (name.Trim().ToLowerInvariant())
        {
            case "openblas":
                return OpenBlasMatMul.TryCreate(threads, out OpenBlasMatMul? blas)
                    ? blas
                    : throw new InvalidOperationException(
                        $"The openblas matrix-product provider was requested but OpenBLAS is unavailable ({OpenBlasMatMul.UnavailableReason}); install libopenblas0-pthread or use {EnvironmentVariable}=managed.");
            case "managed":
                return new ManagedMatMul(threads);
            case "reference":
                return new ReferenceMatMul();
            case "auto":
                return OpenBlasMatMul.TryCreate(threads, out OpenBlasMatMul? auto) ? auto : new ManagedMatMul(threads);
            default:
                throw new ArgumentException(
                    $"Unknown matrix-product provider '{name}'; expected one of {string.Join(", ", Names)}.", nameof(name));
        }
    }

    /// <summary>
    /// The provider named by <c>RHMLAB_BLAS</c> (<c>managed</c>, <c>openblas</c> or <c>auto</c>; unset or empty means
    /// <c>auto</c>). Any other value throws an <see cref="ArgumentException"/> that names the variable.
    /// </summary>
    public static IMatMul FromEnvironment(int threads) =>
        FromSetting(Environment.GetEnvironmentVariable(EnvironmentVariable), threads);

    /// <summary>The rule of <see cref="FromEnvironment"/> applied to a given value, so tests need not mutate the process environment.</summary>
    internal static IMatMul FromSetting(string? value, int threads)
    {
        string setting = string.IsNullOrWhiteSpace(value) ? "auto" : value.Trim().ToLowerInvariant();
        if (setting is not ("managed" or "openblas" or "auto"))
            throw new ArgumentException(
                $"{EnvironmentVariable}='{value}' is not a matrix-product provider; expected managed, openblas or auto.",
                EnvironmentVariable);
        return Create(setting, threads);
    }
}
