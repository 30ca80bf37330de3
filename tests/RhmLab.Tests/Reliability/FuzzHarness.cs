using System.Diagnostics;
using System.Text.Json;

namespace RhmLab.Tests.Reliability;

/// <summary>A property the fuzzer checks was broken (as opposed to a reader rejecting its input, which is fine).</summary>
public sealed class FuzzViolation(string message) : Exception(message);

/// <summary>One generated input and how to feed it to its reader; <see cref="Run"/> throws what the reader throws.</summary>
/// <param name="Input">A short description of the input, printed when the case fails.</param>
/// <param name="Run">Feeds the input to the reader.</param>
/// <param name="Skipped">Why the input is not run (a valid input too costly for a test), or null.</param>
public sealed record FuzzCase(string Input, Action Run, string? Skipped = null);

/// <summary>A reader under fuzz: makes a case from a seeded random source and a scratch folder of its own.</summary>
/// <param name="Name">The reader's name, e.g. "run config".</param>
/// <param name="Make">Makes one case.</param>
/// <param name="Timeout">The longest a case may take before it counts as a hang.</param>
public sealed record FuzzTarget(string Name, Func<Random, string, FuzzCase> Make, TimeSpan Timeout);

/// <summary>What a fuzz campaign did.</summary>
public sealed class FuzzReport
{
    /// <summary>Cases tried, by target.</summary>
    public Dictionary<string, int> Tried { get; } = new(StringComparer.Ordinal);
    /// <summary>Cases whose input was rejected with a documented exception or a CLI error, by target.</summary>
    public Dictionary<string, int> Rejected { get; } = new(StringComparer.Ordinal);
    /// <summary>Cases skipped as too costly to run, by target.</summary>
    public Dictionary<string, int> Skipped { get; } = new(StringComparer.Ordinal);
    /// <summary>Seconds spent by target, generating and running its cases, so that a campaign can be sized per target.</summary>
    public Dictionary<string, double> Seconds { get; } = new(StringComparer.Ordinal);
    /// <summary>Failing cases: number, seed, target, input, problem.</summary>
    public List<string> Failures { get; } = [];
    /// <summary>Slowest case.</summary>
    public (double Seconds, string Case) Slowest { get; set; }
    /// <summary>Wall time.</summary>
    public TimeSpan Elapsed { get; set; }
}

/// <summary>
/// Runs seeded fuzz cases over every reader: case i uses seed <c>baseSeed + i</c> and target <c>i mod targets</c>, so a
/// failure is reproduced by its number alone (<c>RHMLAB_FUZZ_CASE=i</c>). A case fails when its reader throws anything
/// but a documented user-error exception, when it breaks a property of its own (<see cref="FuzzViolation"/>), or when
/// it outlives its target's timeout.
/// </summary>
public static class FuzzHarness
{
    /// <summary>
    /// The exceptions a reader may throw for bad input: the same set the CLI turns into "rhmlab: error: ..." lines
    /// (<see cref="RhmLab.Cli.CliApp.IsUserError"/>).
    /// </summary>
    public static bool IsDocumented(Exception e) =>
        e is ArgumentException or InvalidDataException or IOException or FormatException or JsonException
            or NotSupportedException or InvalidOperationException or OverflowException or UnauthorizedAccessException;

    /// <summary>Runs cases <paramref name="first"/> .. <paramref name="first"/> + <paramref name="count"/> − 1.</summary>
    public static FuzzReport Run(IReadOnlyList<FuzzTarget> targets, int baseSeed, int first, int count, string scratch)
    {
        var report = new FuzzReport();
        var total = Stopwatch.StartNew();
        foreach (var t in targets) { report.Tried[t.Name] = 0; report.Rejected[t.Name] = 0; report.Skipped[t.Name] = 0; report.Seconds[t.Name] = 0; }
        for (int i = first; i < first + count; i++)
        {
            var target = targets[i % targets.Count];
            int seed = unchecked(baseSeed + i);
            string caseDir = Path.Combine(scratch, $"case-{i}");
            Directory.CreateDirectory(caseDir);
            string input = "(not generated)";
            long started = Stopwatch.GetTimestamp();
            try
            {
                var c = target.Make(new Random(seed), caseDir);
                input = c.Input;
                report.Tried[target.Name]++;
                if (c.Skipped != null) { report.Skipped[target.Name]++; continue; }
                var sw = Stopwatch.StartNew();
                Exception? thrown = RunWithTimeout(c.Run, target.Timeout, out bool finished);
                if (!finished)
                {
                    report.Failures.Add(Describe(i, seed, target, input, $"no answer within {target.Timeout.TotalSeconds:F0} s (hang)"));
                    // The stuck thread cannot be stopped; later cases would share the machine with it.
                    break;
                }
                if (sw.Elapsed.TotalSeconds > report.Slowest.Seconds) report.Slowest = (sw.Elapsed.TotalSeconds, $"case {i} ({target.Name})");
                switch (thrown)
                {
                    case null: break;
                    case FuzzViolation v: report.Failures.Add(Describe(i, seed, target, input, v.Message)); break;
                    case CliRejection: report.Rejected[target.Name]++; break;
                    case var e when IsDocumented(e): report.Rejected[target.Name]++; break;
                    default: report.Failures.Add(Describe(i, seed, target, input, $"unhandled {thrown.GetType().FullName}: {thrown.Message}\n{thrown.StackTrace}")); break;
                }
            }
            catch (Exception e)
            {
                report.Failures.Add(Describe(i, seed, target, input, $"the generator failed: {e}"));
            }
            finally
            {
                try { Directory.Delete(caseDir, recursive: true); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
                report.Seconds[target.Name] += Stopwatch.GetElapsedTime(started).TotalSeconds;
            }
            if (report.Failures.Count >= 20) break;
        }
        report.Elapsed = total.Elapsed;
        return report;
    }

    private static Exception? RunWithTimeout(Action run, TimeSpan timeout, out bool finished)
    {
        Exception? thrown = null;
        var thread = new Thread(() =>
        {
            try { run(); }
            catch (Exception e) { thrown = e; }
        }, 16 << 20) { IsBackground = true, Name = "fuzz-case" };
        thread.Start();
        finished = thread.Join(timeout);
        return thrown;
    }

    private static string Describe(int i, int seed, FuzzTarget target, string input, string problem)
    {
        string shown = input.Length > 600 ? input[..600] + "…" : input;
        return $"case {i} (RHMLAB_FUZZ_CASE={i}, seed {seed}), {target.Name}: {problem}\n  input: {shown}";
    }
}
