using System.Text.Json.Nodes;

namespace RhmLab.Analysis;

/// <summary>The per-epoch learning curves of one run; a column the record lacks is empty.</summary>
public sealed class RunCurves
{
    /// <summary>Epoch numbers.</summary>
    public double[] Epoch { get; init; } = [];
    /// <summary>Training loss per epoch.</summary>
    public double[] TrainLoss { get; init; } = [];
    /// <summary>Training error per epoch (NaN where not measured).</summary>
    public double[] TrainError { get; init; } = [];
    /// <summary>Test error per epoch (NaN between evaluations).</summary>
    public double[] TestError { get; init; } = [];
    /// <summary>Learning rate per epoch.</summary>
    public double[] Lr { get; init; } = [];

    /// <summary>
    /// The curves of a compact record's <c>checkpoints</c> (epoch, training loss and test error at the evaluated
    /// epochs; no training error or learning rate); null when the record has none.
    /// </summary>
    internal static RunCurves? OfCheckpoints(JsonNode? node)
    {
        if (node == null) return null;
        if (node is not JsonObject o) throw new InvalidDataException("'checkpoints' is not an object");
        return Checked(new RunCurves
        {
            Epoch = RunRecord.NumArray(o, "epoch", required: true)!,
            TrainLoss = Column(o, "train_loss"),
            TestError = RunRecord.NumArray(o, "test_error", required: true)!,
        }, "checkpoints");
    }

    /// <summary>Parses the <c>curves</c> object; null when absent.</summary>
    public static RunCurves? Parse(JsonNode? node)
    {
        if (node == null) return null;
        if (node is not JsonObject o) throw new InvalidDataException("'curves' is not an object");
        return Checked(new RunCurves
        {
            Epoch = Column(o, "epoch"),
            TrainLoss = Column(o, "train_loss"),
            TrainError = Column(o, "train_error"),
            TestError = Column(o, "test_error"),
            Lr = Column(o, "lr"),
        }, "curves");
    }

    private static RunCurves Checked(RunCurves c, string what)
    {
        foreach (var col in new[] { c.TrainLoss, c.TrainError, c.TestError, c.Lr })
            if (col.Length != 0 && col.Length != c.Epoch.Length)
                throw new InvalidDataException($"'{what}' columns differ in length");
        return c;
    }

    private static double[] Column(JsonObject o, string key) =>
        o[key] is JsonNode n ? RunRecord.NumArray(n, $"'curves.{key}'") : [];
}
