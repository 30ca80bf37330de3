namespace RhmLab.Training;

/// <summary>The probe-stop criterion (run options <c>probe-stop-window</c>, <c>-tol</c>, <c>-min-epochs</c>).</summary>
/// <param name="Window">Evaluations without progress before a plateau stop.</param>
/// <param name="Tolerance">The fall of the best error that counts as progress.</param>
/// <param name="MinEpochs">No plateau stop before this epoch.</param>
public sealed record ProbeConvergenceOptions(int Window, double Tolerance, int MinEpochs);

/// <summary>
/// When a run whose only measure is a probe has converged (docs/STOPPING.md). It reads one held-out probe error per
/// checkpoint and says stop when the error is 0 at two evaluations in a row (<c>probe-converged</c>: it cannot fall further), or when the best
/// error has not fallen more than the tolerance below its level at the last progress for <c>Window</c> evaluations, from
/// <c>MinEpochs</c> on (<c>probe-plateau</c>). Progress is measured against that level, not the previous evaluation, so a
/// noisy curve that wanders without going anywhere stops, and a slow steady fall does not.
/// </summary>
public sealed class ProbeConvergence
{
    private readonly ProbeConvergenceOptions _options;
    private double _best = double.PositiveInfinity;
    // The error at the last progress: progress is a fall of more than the tolerance below it, so that a slow steady
    // fall (many small steps) counts once it adds up, and noise around a level never does.
    private double _reference = double.PositiveInfinity;
    private int _sinceProgress, _zeros;

    /// <summary>A criterion with no evaluation seen yet.</summary>
    public ProbeConvergence(ProbeConvergenceOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        if (options.Window < 1) throw new ArgumentException("probe-stop-window: must be >= 1");
    }

    /// <summary>Stop reason when the probe error is 0.</summary>
    public const string Converged = "probe-converged";
    /// <summary>Stop reason when the probe error has stopped falling.</summary>
    public const string Plateau = "probe-plateau";

    /// <summary>The lowest error seen.</summary>
    public double Best => _best;

    /// <summary>Takes the error of the checkpoint after <paramref name="epoch"/> (1-based); returns a stop reason or null.</summary>
    public string? Observe(int epoch, double error)
    {
        if (double.IsNaN(error)) return null;
        // One held-out error of 0 can be luck on a small held-out part; two in a row (or one with a window of 1) stop.
        if (error <= 0)
        {
            _best = 0;
            if (++_zeros >= Math.Min(2, _options.Window)) return Converged;
            return null;
        }
        _zeros = 0;
        _best = Math.Min(_best, error);
        if (error < _reference - _options.Tolerance || double.IsPositiveInfinity(_reference))
        {
            _reference = error;
            _sinceProgress = 0;
            return null;
        }
        _sinceProgress++;
        return _sinceProgress >= _options.Window && epoch >= _options.MinEpochs ? Plateau : null;
    }
}
