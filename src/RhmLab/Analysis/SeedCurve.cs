namespace RhmLab.Analysis;

/// <summary>
/// One group's error as a matrix over training-set sizes (rows, ascending) and seeds (columns), NaN where a seed
/// has no usable run at that size. Seeds are kept as columns because a seed fixes the rules and the data at every P
/// (nested sampling), so a bootstrap must resample whole columns.
/// </summary>
public sealed class SeedCurve
{
    /// <summary>Training-set sizes, ascending.</summary>
    public required double[] Ps { get; init; }
    /// <summary>Seeds, ascending.</summary>
    public required long[] Seeds { get; init; }
    /// <summary>Errors[p][seed]; NaN where missing.</summary>
    public required double[][] Errors { get; init; }
    /// <summary>Runs whose error was missing and that did not diverge (left out of the means).</summary>
    public int Missing { get; init; }
    /// <summary>Diverged runs without an error, counted at chance error.</summary>
    public int DivergedAtChance { get; init; }

    /// <summary>
    /// Builds the matrix for <paramref name="measure"/>. A diverged run with no error counts at chance (it learnt
    /// nothing); any other run without the measure is left out. Repeated runs of one (P, seed) are averaged.
    /// </summary>
    public static SeedCurve Build(IEnumerable<RunRecord> runs, ErrorMeasure measure)
    {
        var list = runs.ToList();
        var ps = list.Select(r => (double)r.Train).Distinct().Order().ToArray();
        var seeds = list.Select(r => r.Seed).Distinct().Order().ToArray();
        var sum = new double[ps.Length][];
        var count = new int[ps.Length][];
        for (int i = 0; i < ps.Length; i++) { sum[i] = new double[seeds.Length]; count[i] = new int[seeds.Length]; }
        int missing = 0, diverged = 0;
        foreach (var r in list)
        {
            double e = r.Error(measure);
            if (double.IsNaN(e))
            {
                if (!r.Diverged) { missing++; continue; }
                e = r.ChanceError;
                diverged++;
            }
            int i = Array.IndexOf(ps, (double)r.Train), j = Array.IndexOf(seeds, r.Seed);
            sum[i][j] += e;
            count[i][j]++;
        }
        var errors = new double[ps.Length][];
        for (int i = 0; i < ps.Length; i++)
        {
            errors[i] = new double[seeds.Length];
            for (int j = 0; j < seeds.Length; j++) errors[i][j] = count[i][j] > 0 ? sum[i][j] / count[i][j] : double.NaN;
        }
        return new SeedCurve { Ps = ps, Seeds = seeds, Errors = errors, Missing = missing, DivergedAtChance = diverged };
    }

    /// <summary>Mean over the seeds present at each P (NaN when none).</summary>
    public double[] Mean() => Errors.Select(row => MeanOf(row)).ToArray();

    /// <summary>Sample standard deviation over seeds at each P (0 for one seed, NaN for none).</summary>
    public double[] StandardDeviation() => Errors.Select(row =>
    {
        var xs = row.Where(x => !double.IsNaN(x)).ToArray();
        if (xs.Length == 0) return double.NaN;
        if (xs.Length == 1) return 0.0;
        double m = xs.Average();
        return Math.Sqrt(xs.Sum(x => (x - m) * (x - m)) / (xs.Length - 1));
    }).ToArray();

    /// <summary>Number of seeds present at each P.</summary>
    public int[] SeedCounts() => Errors.Select(row => row.Count(x => !double.IsNaN(x))).ToArray();

    /// <summary>
    /// Mean curve of the seed columns <paramref name="columns"/> (with repetition), as a bootstrap resample uses.
    /// </summary>
    public double[] MeanOfColumns(ReadOnlySpan<int> columns)
    {
        var mean = new double[Ps.Length];
        for (int i = 0; i < Ps.Length; i++)
        {
            double s = 0;
            int n = 0;
            foreach (int j in columns)
            {
                double x = Errors[i][j];
                if (double.IsNaN(x)) continue;
                s += x;
                n++;
            }
            mean[i] = n > 0 ? s / n : double.NaN;
        }
        return mean;
    }

    private static double MeanOf(double[] row)
    {
        double s = 0;
        int n = 0;
        foreach (var x in row) if (!double.IsNaN(x)) { s += x; n++; }
        return n > 0 ? s / n : double.NaN;
    }
}
