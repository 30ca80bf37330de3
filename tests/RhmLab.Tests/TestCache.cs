using System.Runtime.CompilerServices;
using RhmLab.Experiments;

namespace RhmLab.Tests;

/// <summary>
/// The cache folder of the whole test run: <c>RHMLAB_CACHE</c> points into a temporary folder before any test runs,
/// and the CLI processes the tests start inherit it, so that the suite never writes the user's
/// <c>~/.cache/rhmlab</c>. A calibration measured while the suite kept the cores busy once became the user's
/// and made every later estimate half again too high.
/// </summary>
internal static class TestCache
{
    /// <summary>The temporary cache folder.</summary>
    public static string Root { get; private set; } = "";

    /// <summary>
    /// The calibration the folder starts with: a quiet machine's figures, fixed, so that no test process and no CLI
    /// it starts spends seconds measuring and estimates do not depend on how busy the machine is.
    /// </summary>
    public static CostCalibration Calibration { get; private set; } = null!;

    [ModuleInitializer]
    internal static void Initialize()
    {
        Root = Directory.CreateTempSubdirectory("rhmlab-test-cache-").FullName;
        Environment.SetEnvironmentVariable("RHMLAB_CACHE", Root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(Root, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        };
        Calibration = new CostCalibration(70, 25e-6, 2.5e-4, CostCalibration.CurrentMachine(), DateTime.UtcNow.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
            ClappStepFactor: 1.1, ClappSecondsPerStep: 90e-6, SecondsPerEvalRow: 1e-6, Spread: 0.02, LoadAverage: 0.1);
        File.WriteAllText(CostCalibration.CachePath(), Calibration.ToJson().ToJsonString() + "\n");
    }

    /// <summary>Whether <paramref name="path"/> lies inside <see cref="Root"/>.</summary>
    public static bool Holds(string path) =>
        System.IO.Path.GetFullPath(path).StartsWith(Root + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
