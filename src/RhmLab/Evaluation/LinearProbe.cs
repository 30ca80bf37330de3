using System.Numerics;

namespace RhmLab.Evaluation;

/// <summary>
/// What every fitted linear probe shares: class scores of frozen features, their argmax as the prediction (first
/// maximum on ties), and the error rate ε of §4.2. A probe supplies only its scores.
/// </summary>
public abstract class LinearProbe
{
    private const int Chunk = 1024;

    /// <summary>Creates a probe over <paramref name="features"/> columns and <paramref name="classes"/> classes.</summary>
    protected LinearProbe(int features, int classes)
    {
        Features = features;
        Classes = classes;
    }

    /// <summary>Number of features (columns).</summary>
    public int Features { get; }

    /// <summary>Number of classes n_c.</summary>
    public int Classes { get; }

    /// <summary>Class scores of float32 features [rows, Features] into <paramref name="scores"/> [rows, Classes].</summary>
    public void Scores(ReadOnlySpan<float> features, int rows, Span<double> scores) => CheckedScores(features, rows, scores);

    /// <summary>Class scores of float64 features [rows, Features] into <paramref name="scores"/> [rows, Classes].</summary>
    public void Scores(ReadOnlySpan<double> features, int rows, Span<double> scores) => CheckedScores(features, rows, scores);

    /// <summary>The scores of rows whose shapes have been checked.</summary>
    protected abstract void ScoresCore<T>(ReadOnlySpan<T> features, int rows, Span<double> scores) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Predicted classes of float32 features into <paramref name="predictions"/>.</summary>
    public void Predict(ReadOnlySpan<float> features, int rows, Span<int> predictions) => PredictCore(features, rows, predictions);

    /// <summary>Predicted classes of float64 features into <paramref name="predictions"/>.</summary>
    public void Predict(ReadOnlySpan<double> features, int rows, Span<int> predictions) => PredictCore(features, rows, predictions);

    /// <summary>Predicted classes of float32 features [rows, Features].</summary>
    public int[] Predict(ReadOnlySpan<float> features, int rows)
    {
        var p = new int[rows];
        PredictCore(features, rows, p);
        return p;
    }

    /// <summary>Predicted classes of float64 features [rows, Features].</summary>
    public int[] Predict(ReadOnlySpan<double> features, int rows)
    {
        var p = new int[rows];
        PredictCore(features, rows, p);
        return p;
    }

    /// <summary>Number of misclassified rows: sum it over chunks to score a test set in pieces.</summary>
    public int CountErrors(ReadOnlySpan<float> features, int rows, ReadOnlySpan<int> labels) => CountCore(features, rows, labels);

    /// <summary>Number of misclassified rows: sum it over chunks to score a test set in pieces.</summary>
    public int CountErrors(ReadOnlySpan<double> features, int rows, ReadOnlySpan<int> labels) => CountCore(features, rows, labels);

    /// <summary>Fraction of misclassified rows (the test error ε of §4.2); NaN for no rows.</summary>
    public double Error(ReadOnlySpan<float> features, int rows, ReadOnlySpan<int> labels) =>
        rows == 0 ? double.NaN : (double)CountCore(features, rows, labels) / rows;

    /// <summary>Fraction of misclassified rows (the test error ε of §4.2); NaN for no rows.</summary>
    public double Error(ReadOnlySpan<double> features, int rows, ReadOnlySpan<int> labels) =>
        rows == 0 ? double.NaN : (double)CountCore(features, rows, labels) / rows;

    private void CheckedScores<T>(ReadOnlySpan<T> features, int rows, Span<double> scores) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ProbeChecks.Features(features.Length, rows, Features);
        if (scores.Length < rows * Classes) throw new ArgumentException($"scores: needs {rows * Classes}");
        ScoresCore(features, rows, scores);
    }

    private void PredictCore<T>(ReadOnlySpan<T> features, int rows, Span<int> predictions) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (predictions.Length < rows) throw new ArgumentException($"predictions: needs {rows}");
        // Chunked so that scoring a large test set needs only a small buffer.
        var scores = new double[Math.Min(Chunk, Math.Max(rows, 1)) * Classes];
        for (int r0 = 0; r0 < rows; r0 += Chunk)
        {
            int br = Math.Min(Chunk, rows - r0);
            CheckedScores(features.Slice(r0 * Features, br * Features), br, scores);
            for (int r = 0; r < br; r++) predictions[r0 + r] = ProbeChecks.ArgMax(scores.AsSpan(r * Classes, Classes));
        }
    }

    private int CountCore<T>(ReadOnlySpan<T> features, int rows, ReadOnlySpan<int> labels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (labels.Length < rows) throw new ArgumentException($"labels: needs {rows}");
        var p = new int[rows];
        PredictCore(features, rows, p);
        int errors = 0;
        for (int r = 0; r < rows; r++) if (p[r] != labels[r]) errors++;
        return errors;
    }
}
