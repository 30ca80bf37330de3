namespace RhmLab.Training;

/// <summary>What one epoch produced: epoch-averaged training loss and error, and the test error when evaluated.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="TrainLoss">Mean of the batch losses over the epoch (before each update).</param>
/// <param name="TrainError">Fraction of misclassified training inputs over the epoch (supervised rules), else NaN.</param>
/// <param name="TestError">The network's test error at the end of the epoch, when evaluated.</param>
/// <param name="LearningRate">The rate used.</param>
/// <param name="Seconds">Wall time since training started.</param>
/// <param name="Components">Epoch means of the rule's named components and diagnostics.</param>
public sealed record EpochLog(int Epoch, double TrainLoss, double TrainError, double? TestError, double LearningRate, double Seconds,
    IReadOnlyDictionary<string, double> Components);

/// <summary>Receives progress while a run trains (progress bars, plain periodic lines).</summary>
public interface ITrainingObserver
{
    /// <summary>Called after every epoch.</summary>
    void OnEpoch(EpochLog log, int maxEpochs);
}
