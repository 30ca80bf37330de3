using System.Globalization;

namespace RhmLab.Tests.Reliability;

/// <summary>
/// Sizes of the reliability tests, from the environment: the fast variants run in CI, the long ones on request
/// (docs/RELIABILITY.md).
/// </summary>
public static class Settings
{
    /// <summary><c>RHMLAB_RELIABILITY_LONG=1</c>: the long variants (200 kills, more concurrent rounds).</summary>
    public static bool Long => Environment.GetEnvironmentVariable("RHMLAB_RELIABILITY_LONG") == "1";

    /// <summary>Kills of the kill test: <c>RHMLAB_RELIABILITY_KILLS</c>, else 200 in the long variant and 20 otherwise.</summary>
    public static int Kills => Int("RHMLAB_RELIABILITY_KILLS") ?? (Long ? 200 : 20);

    /// <summary>Seed of the random kill moments: <c>RHMLAB_RELIABILITY_SEED</c>, else a fixed one.</summary>
    public static int KillSeed => Int("RHMLAB_RELIABILITY_SEED") ?? 20260518;

    /// <summary>
    /// Fuzz cases: <c>RHMLAB_FUZZ_CASES</c>, else 10 000 in the long variant and 1 000 otherwise, 125 per target:
    /// a results-folder case costs several cases of the other targets, and the CI campaign should not outgrow the
    /// time it had with six targets and 1 500 cases.
    /// </summary>
    public static int FuzzCases => Int("RHMLAB_FUZZ_CASES") ?? (Long ? 10_000 : 1_000);

    /// <summary>Base seed of the fuzz cases: <c>RHMLAB_FUZZ_SEED</c>, else a fixed one (case i uses seed + i).</summary>
    public static int FuzzSeed => Int("RHMLAB_FUZZ_SEED") ?? 1_000_000;

    /// <summary>
    /// <c>RHMLAB_FUZZ_CASE</c>: run only this case number (with its target and seed), to reproduce a failure.
    /// </summary>
    public static int? FuzzCase => Int("RHMLAB_FUZZ_CASE");

    private static int? Int(string name)
    {
        string? text = Environment.GetEnvironmentVariable(name);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null;
    }
}
