using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RhmLab.Numerics;

/// <summary>
/// Matrix products by the system OpenBLAS (<c>libopenblas.so.0</c>, Debian package <c>libopenblas0-pthread</c>),
/// called through <c>cblas_sgemm</c>/<c>cblas_dgemm</c>. OpenBLAS keeps one thread count for the whole process, so
/// each call sets it to this instance's count when another instance (or other code) changed it.
/// </summary>
/// <remarks>
/// Because that count is process-wide, instances with different thread counts must not run products concurrently:
/// one would change the count under the other's running call.
/// </remarks>
public sealed unsafe class OpenBlasMatMul : IMatMul
{
    private const int CblasRowMajor = 101;
    private const int CblasNoTrans = 111;
    private const int CblasTrans = 112;

    private static readonly Lazy<NativeApi?> Api = new(NativeApi.TryLoad, LazyThreadSafetyMode.ExecutionAndPublication);
    private static string? loadFailure;

    private readonly NativeApi api;

    private OpenBlasMatMul(NativeApi api, int threads)
    {
        this.api = api;
        Threads = threads;
    }

    /// <summary>Whether OpenBLAS could be loaded in this process.</summary>
    public static bool IsAvailable => Api.Value is not null;

    /// <summary>Why OpenBLAS could not be loaded, or null when it was.</summary>
    public static string? UnavailableReason => Api.Value is null ? loadFailure : null;

    /// <inheritdoc />
    public string Name => "openblas";

    /// <summary>The number of threads OpenBLAS uses for this instance's products.</summary>
    public int Threads { get; }

    /// <summary>The build description from <c>openblas_get_config</c>, e.g. version, kernel target and thread model.</summary>
    public string Config => api.Config;

    /// <summary>The library name that was loaded.</summary>
    public string LibraryName => api.LibraryName;

    /// <summary>
    /// Loads OpenBLAS (once per process) and makes a provider that runs with <paramref name="threads"/> threads.
    /// Returns false, with a null provider, when the library or its CBLAS entry points are absent.
    /// </summary>
    public static bool TryCreate(int threads, [NotNullWhen(true)] out OpenBlasMatMul? provider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        NativeApi? api = Api.Value;
        provider = api is null ? null : new OpenBlasMatMul(api, threads);
        return provider is not null;
    }

    /// <inheritdoc />
    public void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda,
        ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!GemmArguments.Prepare(transA, transB, m, n, k, alpha, a.Length, lda, b.Length, ldb, beta, c, ldc))
            return;
        if (api.GetThreads() != Threads)
            api.SetThreads(Threads);
        int ta = transA ? CblasTrans : CblasNoTrans;
        int tb = transB ? CblasTrans : CblasNoTrans;
        fixed (T* pa = a)
        fixed (T* pb = b)
        fixed (T* pc = c)
        {
            if (typeof(T) == typeof(float))
                api.Sgemm(CblasRowMajor, ta, tb, m, n, k, Unsafe.BitCast<T, float>(alpha), (float*)pa, lda, (float*)pb, ldb,
                    Unsafe.BitCast<T, float>(beta), (float*)pc, ldc);
            else
                api.Dgemm(CblasRowMajor, ta, tb, m, n, k, Unsafe.BitCast<T, double>(alpha), (double*)pa, lda, (double*)pb, ldb,
                    Unsafe.BitCast<T, double>(beta), (double*)pc, ldc);
        }
    }

    private sealed class NativeApi
    {
        public required string LibraryName { get; init; }
        public required string Config { get; init; }
        public required delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> Sgemm { get; init; }
        public required delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> Dgemm { get; init; }
        public required delegate* unmanaged<int, void> SetNumThreads { get; init; }
        public required delegate* unmanaged<int> GetNumThreads { get; init; }

        public int GetThreads() => GetNumThreads();

        public void SetThreads(int threads) => SetNumThreads(threads);

        public static NativeApi? TryLoad()
        {
            string[] names = OperatingSystem.IsWindows() ? ["libopenblas.dll", "openblas.dll"]
                : OperatingSystem.IsMacOS() ? ["libopenblas.0.dylib", "libopenblas.dylib"]
                : ["libopenblas.so.0", "libopenblas.so"];
            foreach (string name in names)
            {
                if (!NativeLibrary.TryLoad(name, out nint handle))
                    continue;
                if (NativeLibrary.TryGetExport(handle, "cblas_sgemm", out nint sgemm)
                    && NativeLibrary.TryGetExport(handle, "cblas_dgemm", out nint dgemm)
                    && NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out nint set)
                    && NativeLibrary.TryGetExport(handle, "openblas_get_num_threads", out nint get))
                {
                    string config = NativeLibrary.TryGetExport(handle, "openblas_get_config", out nint cfg)
                        ? Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)cfg)())?.Trim() ?? ""
                        : "";
                    return new NativeApi
                    {
                        LibraryName = name,
                        Config = config,
                        Sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm,
                        Dgemm = (delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)dgemm,
                        SetNumThreads = (delegate* unmanaged<int, void>)set,
                        GetNumThreads = (delegate* unmanaged<int>)get,
                    };
                }
                loadFailure = $"{name} was loaded but lacks the cblas_sgemm/cblas_dgemm/openblas_*_num_threads entry points";
                NativeLibrary.Free(handle);
                return null;
            }
            loadFailure = $"none of {string.Join(", ", names)} could be loaded";
            return null;
        }
    }
}
