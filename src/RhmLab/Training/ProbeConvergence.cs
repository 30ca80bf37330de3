using RhmLab.Options;

namespace RhmLab.Training;

/// <summary>
/// The run options of probe-stop (docs/STOPPING.md): stop when the top-layer probe, fitted on the training data and
/// measured on fresh validation data, is at 0 error or has stopped improving. The validation data are data outside
/// the training set that the run's decision reads (the record's <c>extra_data_read</c>).
/// </summary>
public sealed record ProbeStopOptions : ICheckedOptions
{
    /// <summary>Whether the run stops on its held-out probe.</summary>
    [RunOption("probe-stop", "Stop when the top-layer ridge probe, fitted on the training set and measured on fresh validation data, is at 0 error or has stopped improving", Off = "off", On = "on")]
    public bool Enabled { get; set; }
    /// <summary>Epochs between two evaluations of the held-out probe.</summary>
    [RunOption("probe-stop-every", "Probe-stop: epochs between two evaluations of the held-out probe", Min = 1)]
    public int Every { get; set; } = 10;
    /// <summary>Evaluations without progress before a plateau stop.</summary>
    [RunOption("probe-stop-window", "Probe-stop: evaluations (every probe-stop-every epochs) without an improvement above probe-stop-tol before a plateau stop", Min = 1)]
    public int Window { get; set; } = 10;
    /// <summary>The fall of the best error that counts as progress.</summary>
    [RunOption("probe-stop-tol", "Probe-stop: improvement of the held-out probe error that counts as progress", Min = 0)]
    public double Tolerance { get; set; } = 0.01;
    /// <summary>Fresh validation data (neither training nor test data) on which the probe is measured.</summary>
    [RunOption("probe-stop-data", "Probe-stop: fresh validation data, neither training nor test data, on which the stopping probe is measured (at most P_max - train - test)", Min = 1)]
    public int Data { get; set; } = 2000;
    /// <summary>No plateau stop before this epoch (an error of 0 still stops).</summary>
    [RunOption("probe-stop-min-epochs", "Probe-stop: no plateau stop before this epoch", Min = 0)]
    public int MinEpochs { get; set; }
    /// <summary>Measure the network's own error on the validation data (supervised rules: early stopping) instead of the top-layer probe.</summary>
    [RunOption("probe-stop-measure", "Probe-stop: measure on the validation data the top-layer ridge probe or, for supervised rules, the network's own error (early stopping)", Off = "probe", On = "network")]
    public bool OnNetwork { get; set; }

    /// <inheritdoc/>
    public void Check()
    {
        if (!Enabled && OnNetwork) throw new ArgumentException("probe-stop-measure: applies only with probe-stop on");
    }
}

/// <summary>
/// When a run whose only measure is a probe has converged (docs/STOPPING.md). It reads one held-out probe error per
/// checkpoint and says stop when the error is 0 at two evaluations in a row (<c>probe-converged</c>: it cannot fall further), or when the best
/// error has not fallen more than the tolerance below its level at the last progress for <c>Window</c> evaluations, from
/// <c>MinEpochs</c> on (<c>probe-plateau</c>). Progress is measured against that level, not the previous evaluation, so a
/// noisy curve that wanders without going anywhere stops, and a slow steady fall does not.
/// </summary>
public sealed class ProbeConvergence
{
    private readonly ProbeStopOptions _options;
    private double _best = double.PositiveInfinity;
    // The error at the last progress: progress is a fall of more than the tolerance below it, so that a slow steady
    // fall (many small steps) counts once it adds up, and noise around a level never does.
    private double _reference = double.PositiveInfinity;
    private int _sinceProgress, _zeros;

    /// <summary>A criterion with no evaluation seen yet.</summary>
    public ProbeConvergence(ProbeStopOptions options)
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
