using CsCheck;
using RhmLab.Rhm;

namespace RhmLab.Tests.Rhm;

/// <summary>One random small RHM: parameters, generator version and rules seed.</summary>
public sealed record ModelCase(RhmParameters P, RuleVersion Version, long Seed)
{
    public Grammar Grammar() => RhmLab.Rhm.Grammar.Sample(P, Seed, Version);

    public override string ToString() => $"{P} {Version.Name()} seed={Seed}";
}

/// <summary>Generators of small parameter sets that satisfy the constraints of docs/METHODS.md §1.4.</summary>
public static class Models
{
    /// <summary>Iterations of each property test (kept small: the machine is shared).</summary>
    public const long Iter = 150;

    /// <summary>Whether parameters pass the static (v2) constraints.</summary>
    public static bool IsValid(RhmParameters p)
    {
        try { p.Validate(); return true; }
        catch (ArgumentException) { return false; }
    }

    /// <summary>n_c 2..4, m 1..4, v 2..4, s 2..3, L 1..3, v1 or v2, any seed; valid under the static constraints.</summary>
    public static readonly Gen<ModelCase> Small =
        Gen.Select(Gen.Int[2, 4], Gen.Int[1, 4], Gen.Int[2, 4], Gen.Int[2, 3], Gen.Int[1, 3], Gen.Bool, Gen.Long,
                (nc, m, v, s, l, v1, seed) => new ModelCase(new RhmParameters(nc, m, v, s, l), v1 ? RuleVersion.V1 : RuleVersion.V2, seed))
            .Where(c => IsValid(c.P));

    /// <summary>Small models whose whole dataset can be enumerated (P_max ≤ 4096).</summary>
    public static readonly Gen<ModelCase> Enumerable = Small.Where(c => c.P.PMax <= 4096);

    /// <summary>Small models with m ≥ 2 (synonym exchanges with force-change need an alternative choice).</summary>
    public static readonly Gen<ModelCase> WithSynonyms = Small.Where(c => c.P.Synonyms >= 2);

    /// <summary>Maximal models (m = v^(s−1), n_c = v): every string of {0..v−1}^d is a datum.</summary>
    public static readonly Gen<ModelCase> Maximal =
        Gen.Select(Gen.Int[2, 4], Gen.Int[1, 3], Gen.Bool, Gen.Long,
                (v, l, v1, seed) => new ModelCase(new RhmParameters(v, v, v, 2, l), v1 ? RuleVersion.V1 : RuleVersion.V2, seed))
            .Where(c => c.P.InputLength <= 8);

    /// <summary>Random choices for a datum: α uniform and N uniform production choices.</summary>
    public static (int Label, int[] Choices) RandomDatum(RhmParameters p, Rng rng)
    {
        var choices = new int[p.ChoiceCount];
        for (int i = 0; i < choices.Length; i++) choices[i] = rng.NextInt(p.Synonyms);
        return (rng.NextInt(p.Classes), choices);
    }

    /// <summary>The leaf string of (label, choices).</summary>
    public static ushort[] Generate(Grammar g, int label, ReadOnlySpan<int> choices)
    {
        var tokens = new ushort[g.Parameters.InputLength];
        g.Generate(label, choices, tokens);
        return tokens;
    }

    /// <summary>A string key of a token sequence (for distinctness checks).</summary>
    public static string Key(ReadOnlySpan<ushort> tokens) => string.Join(',', tokens.ToArray());

    /// <summary>Pearson's chi-square statistic of observed counts against equal expected counts.</summary>
    public static double ChiSquareUniform(IReadOnlyList<int> counts)
    {
        double total = counts.Sum(c => (double)c);
        double expected = total / counts.Count;
        return counts.Sum(c => (c - expected) * (c - expected) / expected);
    }

    /// <summary>
    /// A generous upper bound for a chi-square statistic with <paramref name="df"/> degrees of freedom:
    /// df + 8·sqrt(2·df) + 10 (tail probability below 1e-6 for every df), yet far below what a biased sampler gives
    /// with the sample sizes used here. All draws come from fixed seeds, so the tests are deterministic.
    /// </summary>
    public static double ChiSquareBound(int df) => df + 8 * Math.Sqrt(2.0 * df) + 10;
}
