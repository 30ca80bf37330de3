using RhmLab.Options;

namespace RhmLab.Training;

/// <summary>Learning-rate schedules, evaluated per epoch.</summary>
public enum ScheduleKind
{
    /// <summary>Default: constant.</summary>
    [Choice("constant")] Constant,
    /// <summary>Cosine annealing over T_max = 0.8·epochs ([HL]), then held at its minimum.</summary>
    [Choice("cosine")] Cosine,
    /// <summary>η·0.975^epoch.</summary>
    [Choice("exponential")] Exponential,
}

/// <summary>The learning rate of each epoch.</summary>
public static class Schedule
{
    /// <summary>Parses <c>constant</c>, <c>cosine</c> or <c>exponential</c>.</summary>
    public static ScheduleKind Parse(string text) => Choices.Parse<ScheduleKind>(text, "schedule");

    /// <summary>
    /// The factor of linear warm-up at a 0-based epoch: (epoch + 1) / <paramref name="warmupEpochs"/> until it reaches 1,
    /// so the first epoch already learns and epoch <paramref name="warmupEpochs"/> − 1 uses the full rate (1 without warm-up).
    /// </summary>
    public static double Warmup(int epoch, int warmupEpochs) => epoch + 1 >= warmupEpochs ? 1 : (epoch + 1.0) / warmupEpochs;

    /// <summary>The rate at a 0-based epoch.</summary>
    public static double Rate(ScheduleKind kind, double baseRate, int epoch, int epochs, double gamma = 0.975) => kind switch
    {
        ScheduleKind.Cosine => baseRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(epoch, 0.8 * epochs) / Math.Max(1, 0.8 * epochs))),
        ScheduleKind.Exponential => baseRate * Math.Pow(gamma, epoch),
        _ => baseRate,
    };
}
