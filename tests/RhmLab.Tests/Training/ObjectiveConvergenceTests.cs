using RhmLab.Training;

namespace RhmLab.Tests.Training;

/// <summary>
/// The data-exact stopping rule on synthetic objectives: it must never end a run whose objective still falls by more
/// than its tolerance per window, must end a flat one once floor and window have passed, and must count in updates so
/// that a small and a large training set are treated alike.
/// </summary>
public sealed class ObjectiveConvergenceTests
{
    private static readonly ObjectiveStopOptions Options = new() { Enabled = true, Every = 1000, Window = 20000, Tolerance = 0.01, MinUpdates = 20000 };

    /// <summary>Feeds epochs of <paramref name="perEpoch"/> updates with loss f(updates at the epoch's end); the update count at the stop, or null.</summary>
    private static long? Run(ObjectiveStopOptions options, long perEpoch, long budget, Func<long, double> loss)
    {
        var c = new ObjectiveConvergence(options);
        for (long done = perEpoch; done <= budget; done += perEpoch)
            if (c.Observe(done, perEpoch, loss(done)) != null) return done;
        return null;
    }

    [Fact]
    public void AnObjectiveStillFallingByMoreThanTheToleranceIsNeverStopped()
    {
        // Like the L = 4 CLAPP seed cut by probe-plateau at 850 epochs while its loss still fell: here 1.5 % per window,
        // with a noise of ±0.4 % that alternates every epoch, for a million updates.
        double rate = Math.Log(1 - 0.015) / Options.Window;
        Assert.Null(Run(Options, 486, 1_000_000, u => 8 * Math.Exp(rate * u) * (1 + 0.004 * ((u / 486) % 2 == 0 ? 1 : -1))));
        // A fall that slows down (a power law) is stopped only once it is slower than the tolerance per window.
        long? stop = Run(Options, 16, 1_000_000, u => 2 + 3 / Math.Sqrt(1 + u / 100.0));
        Assert.NotNull(stop);
        double Loss(long u) => 2 + 3 / Math.Sqrt(1 + u / 100.0);
        // At the stop the objective fell by less than 1 % over the last window (one block earlier, as block means
        // lag by up to a block), but over the window that ended one window earlier it fell by more.
        Assert.True(1 - Loss(stop!.Value) / Loss(stop.Value - Options.Window - Options.Every) < 0.01);
        Assert.True(1 - Loss(stop.Value - Options.Window) / Loss(stop.Value - 2 * Options.Window) > 0.01);
    }

    [Fact]
    public void AFlatObjectiveStopsAfterTheFloorAndOneWindow()
    {
        // Four updates per epoch (P = 256 under in-batch pairing): the first block is the reference, nothing falls after it.
        long? stop = Run(Options, 4, 1_000_000, _ => 3.0);
        Assert.Equal(Options.Every + Options.Window, stop);
        // A floor above that postpones the stop to the floor.
        Assert.Equal(50_000, Run(Options with { MinUpdates = 50_000 }, 4, 1_000_000, _ => 3.0));
        // Noise around a level is no progress: ±2 % alternating blocks never fall 1 % below the lowest level seen.
        Assert.NotNull(Run(Options, 1000, 1_000_000, u => 3.0 * (1 + 0.02 * ((u / 1000) % 2 == 0 ? 1 : -1))));
    }

    [Fact]
    public void TheRuleCountsUpdatesNotEpochs()
    {
        // The same objective as a function of updates, seen through P = 256 (4 updates per epoch) and P = 40 000
        // (625 per epoch, so a block is two epochs): the stops agree within 10 %, where a rule counted in epochs would
        // stop the larger set 156 times later in updates.
        double Loss(long u) => 1 + Math.Exp(-u / 15000.0);
        long small = Run(Options, 4, 2_000_000, Loss)!.Value;
        long large = Run(Options, 625, 2_000_000, Loss)!.Value;
        Assert.InRange(large / (double)small, 0.9, 1.1);
        Assert.True(small > Options.MinUpdates);
    }

    [Fact]
    public void ANonFiniteBlockIsNotAPlateauAndBadOptionsAreRefused()
    {
        var c = new ObjectiveConvergence(Options with { Every = 1, Window = 1, MinUpdates = 0 });
        Assert.Null(c.Observe(1, 1, 2.0));
        Assert.Null(c.Observe(2, 1, double.NaN));
        Assert.Equal(ObjectiveConvergence.Plateau, c.Observe(3, 1, 2.0));
        Assert.Throws<ArgumentException>(() => new ObjectiveConvergence(Options with { Every = 0 }));
        Assert.Throws<ArgumentException>(() => new ObjectiveConvergence(Options with { Window = 0 }));
        Assert.Throws<ArgumentException>(() => new ObjectiveConvergence(Options with { Tolerance = double.NaN }));
    }
}
