using System.Numerics;
using System.Text.Json.Nodes;
using RhmLab.Data;
using RhmLab.Networks;
using RhmLab.Options;
using RhmLab.Rhm;
using RhmLab.IO;

namespace RhmLab.Evaluation;

/// <summary>Which activations of the hidden layers the sensitivity reads (<c>sens-rep</c>).</summary>
public enum SensitivityRep
{
    /// <summary>Default: post-activations h^k = ρ(a^k).</summary>
    [Choice("post")] Post,
    /// <summary>Pre-activations a^k, as in [AD].</summary>
    [Choice("pre")] Pre,
}

/// <summary>Options of the synonymic sensitivity (docs/METHODS.md §4.5).</summary>
public sealed record SensitivityOptions
{
    /// <summary>Test data in the reference set (1000); fewer when the test set is smaller.</summary>
    [RunOption("sensitivity-reference", "Test data in the sensitivity reference set", Min = 2)]
    public int Reference { get; init; } = 1000;

    /// <summary>Post- or pre-activations of the hidden layers.</summary>
    [RunOption("sensitivity-rep", "Sensitivity of post- or pre-activations")]
    public SensitivityRep Rep { get; init; } = SensitivityRep.Post;

    /// <summary>`denominator-include-diagonal`: average the denominator over all N² pairs, as [HL] does.</summary>
    [RunOption("sensitivity-denominator", "Sensitivity-distance denominator: ordered pairs x != y, or with the diagonal", Off = "off-diagonal", On = "include-diagonal")]
    public bool IncludeDiagonal { get; init; }

    /// <summary>Master seed whose <c>perturb</c> stream draws every perturbation.</summary>
    public long Seed { get; init; }

    /// <summary>The perturbation of `sens-distance`: all nodes, uniform, redraw (the [HL] stability observable).</summary>
    public PerturbationOptions DistancePerturbation { get; init; } = PerturbationOptions.Stability;

    /// <summary>
    /// The synonym exchange of `sens-correlation`: one node, force-change, keep (RhmLab's synonym defaults). The
    /// noise of the same level is applied at the same node with the same draw rule.
    /// </summary>
    public PerturbationOptions CorrelationPerturbation { get; init; } = new();

    /// <summary>Units whose standard deviation over the reference set is below this are excluded from the correlation (as dead units).</summary>
    public double UnitStdFloor { get; init; } = 1e-6;
}

/// <summary>
/// Representations r^k of a batch of token strings for every layer a sensitivity is measured on: one float array
/// per layer, row-major [count, n_k].
/// </summary>
public delegate float[][] RepresentationFunction(ReadOnlySpan<ushort> tokens, int count);

/// <summary>The layers a sensitivity is measured on and how to compute their representations.</summary>
/// <param name="Layers">Layer numbers k (0 = one-hot input, K + 1 = logits for a network).</param>
/// <param name="Names">Printed names of the layers.</param>
/// <param name="Compute">The representations of a batch.</param>
public sealed record RepresentationMap(IReadOnlyList<int> Layers, IReadOnlyList<string> Names, RepresentationFunction Compute)
{
    /// <summary>
    /// The layers of a network: the one-hot input (k = 0), every hidden layer (k = 1..K, post- or pre-activations)
    /// and the logits (k = K + 1), each flattened position-major as in docs/METHODS.md §2.3.
    /// </summary>
    public static RepresentationMap FromNetwork<T>(Network<T> net, SensitivityRep rep = SensitivityRep.Post, int chunk = 1024)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(net);
        int depth = net.Depth, d = net.InputLength, v = net.Vocabulary;
        var widths = new int[depth + 2];
        widths[0] = d * v;
        for (int k = 1; k <= depth; k++) widths[k] = net.Layers[k - 1].Units;
        widths[depth + 1] = net.Classes;
        var names = new List<string> { "input" };
        for (int k = 1; k <= depth; k++) names.Add($"layer{k}");
        names.Add("logits");
        ForwardPass<T>? pass = null;
        float[][] Compute(ReadOnlySpan<ushort> tokens, int count)
        {
            var result = widths.Select(w => new float[(long)count * w]).ToArray();
            OneHot.Encode(tokens[..(count * d)], d, v, result[0]);
            int size = Math.Min(chunk, Math.Max(1, count));
            if (pass == null || pass.MaxBatch < size) pass = net.CreatePass(size);
            for (int start = 0; start < count; start += size)
            {
                int b = Math.Min(size, count - start);
                net.ForwardTokens(tokens, start, b, pass);
                for (int k = 1; k <= depth + 1; k++)
                {
                    int w = widths[k];
                    ReadOnlySpan<T> h = k <= depth ? (rep == SensitivityRep.Pre ? pass.Pre[k - 1] : pass.Post[k - 1]) : pass.Logits;
                    var dst = result[k].AsSpan(start * w, b * w);
                    for (int i = 0; i < dst.Length; i++) dst[i] = float.CreateTruncating(h[i]);
                }
            }
            return result;
        }
        return new RepresentationMap(Enumerable.Range(0, depth + 2).ToArray(), names, Compute);
    }
}

/// <summary>
/// Both synonymic sensitivities of every layer k and level l (docs/METHODS.md §4.5). Matrices are indexed
/// [layer row][l − 1]: rows follow <see cref="Layers"/>, columns the levels 1..L.
/// </summary>
public sealed class SensitivityResult
{
    internal SensitivityResult(SensitivityOptions options, int reference, IReadOnlyList<int> layers, IReadOnlyList<string> names, int[] levels)
    {
        Options = options;
        Reference = reference;
        Layers = layers.ToArray();
        LayerNames = names.ToArray();
        Levels = levels;
        int rows = Layers.Length;
        double[][] Matrix() => Enumerable.Range(0, rows).Select(_ => new double[levels.Length]).ToArray();
        Distance = Matrix();
        NoiseDistance = Matrix();
        CorrelationSynonym = Matrix();
        CorrelationNoise = Matrix();
        Correlation = Matrix();
        Denominator = new double[rows];
        IncludedUnits = new int[rows];
        Units = new int[rows];
    }

    /// <summary>The options used.</summary>
    public SensitivityOptions Options { get; }

    /// <summary>N, the reference data actually used.</summary>
    public int Reference { get; }

    /// <summary>Layer number of each row.</summary>
    public int[] Layers { get; }

    /// <summary>Printed name of each row.</summary>
    public string[] LayerNames { get; }

    /// <summary>Perturbation levels l = 1..L, one per column.</summary>
    public int[] Levels { get; }

    /// <summary>`sens-distance` S_{k,l} = E‖r(x) − r(P_l x)‖² / E_{x≠y}‖r(x) − r(y)‖² (NaN for a collapsed layer).</summary>
    public double[][] Distance { get; }

    /// <summary>
    /// The same normalised distance for the one-node noise at level l (at the node of the correlation's synonym
    /// exchange); NaN at l = L, where no noise is defined.
    /// </summary>
    public double[][] NoiseDistance { get; }

    /// <summary>C^syn_{k,l}: mean over reference data and live units of ẑ(x)·ẑ(x̃) for the one-node synonym exchange.</summary>
    public double[][] CorrelationSynonym { get; }

    /// <summary>C^noise_{k,l}: the same for noise at the same node; NaN at l = L.</summary>
    public double[][] CorrelationNoise { get; }

    /// <summary>`sens-correlation` R_{k,l} = C^syn / C^noise; NaN at l = L.</summary>
    public double[][] Correlation { get; }

    /// <summary>E_{x≠y}‖r(x) − r(y)‖² (or over all pairs with the diagonal) of each layer.</summary>
    public double[] Denominator { get; }

    /// <summary>n_k, units of each layer.</summary>
    public int[] Units { get; }

    /// <summary>Units with a non-zero standard deviation, the ones the correlation averages over.</summary>
    public int[] IncludedUnits { get; }

    /// <summary>True for a layer whose representation is constant over the reference set (S = 0/0).</summary>
    public bool[] Collapsed => Denominator.Select(d => !(d > 0)).ToArray();

    /// <summary>
    /// The record stored under <c>sensitivity</c> in result.json: <c>distance[k][l−1]</c> and
    /// <c>correlation[k][l−1]</c> (rows k = 0..K+1, columns l = 1..L), with the components and the options.
    /// NaN is written as null.
    /// </summary>
    public JsonObject ToJson()
    {
        static JsonArray M(double[][] m) => new(m.Select(r => (JsonNode?)new JsonArray(r.Select(x => Json.Num(x)).ToArray())).ToArray());
        static string Describe(PerturbationOptions p) => string.Join('+',
            p.Nodes switch { NodeSelection.OneNode => "one-node", NodeSelection.OneNodePenultimate => "one-node-penultimate", _ => "all-nodes" },
            p.Draw == ReplacementDraw.ForceChange ? "force-change" : "uniform",
            p.Descendants == Descendants.Keep ? "keep" : "redraw");
        return new JsonObject
        {
            ["distance"] = M(Distance),
            ["correlation"] = M(Correlation),
            ["correlation_synonym"] = M(CorrelationSynonym),
            ["correlation_noise"] = M(CorrelationNoise),
            ["noise_distance"] = M(NoiseDistance),
            ["levels"] = new JsonArray(Levels.Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
            ["layers"] = new JsonArray(Layers.Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
            ["layer_names"] = new JsonArray(LayerNames.Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
            ["units"] = new JsonArray(Units.Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
            ["included_units"] = new JsonArray(IncludedUnits.Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
            ["denominator"] = new JsonArray(Denominator.Select(x => Json.Num(x)).ToArray()),
            ["collapsed"] = new JsonArray(Collapsed.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
            ["reference"] = Reference,
            ["rep"] = Options.Rep == SensitivityRep.Post ? "post" : "pre",
            ["denominator_pairs"] = Options.IncludeDiagonal ? "include-diagonal" : "off-diagonal",
            ["distance_perturbation"] = Describe(Options.DistancePerturbation),
            ["correlation_perturbation"] = Describe(Options.CorrelationPerturbation),
            ["seed"] = Options.Seed,
        };
    }
}

/// <summary>
/// Synonymic sensitivity (docs/METHODS.md §4.5) of any layered representation on a reference set of RHM data:
/// (a) `sens-distance`, the squared distance moved by a level-l synonym exchange, normalised by the mean squared
/// distance between two different reference data; (b) `sens-correlation`, the standardised correlation between a
/// datum's representation and that of its one-node synonym exchange, divided by the same for noise at that node.
/// </summary>
public static class Sensitivity
{
    /// <summary>Measures a network on the first <see cref="SensitivityOptions.Reference"/> data of <paramref name="data"/>.</summary>
    public static SensitivityResult Compute<T>(Network<T> net, Dataset data, SensitivityOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        options ??= new SensitivityOptions();
        return Compute(RepresentationMap.FromNetwork(net, options.Rep), data, options);
    }

    /// <summary>Measures any representation map on the first <see cref="SensitivityOptions.Reference"/> data of <paramref name="data"/>.</summary>
    public static SensitivityResult Compute(RepresentationMap map, Dataset data, SensitivityOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new SensitivityOptions();
        if (options.Reference < 2) throw new ArgumentException($"sensitivity-reference: must be >= 2 (got {options.Reference})");
        if (options.CorrelationPerturbation.Nodes == NodeSelection.AllNodes)
            throw new ArgumentException("sens-correlation: the synonym exchange must touch one node (one-node or one-node-penultimate)");
        int n = Math.Min(options.Reference, data.Count);
        if (n < 2) throw new ArgumentException($"sensitivity: needs at least 2 reference data (the test set has {data.Count})");
        var grammar = data.Grammar;
        var p = grammar.Parameters;
        int d = p.InputLength, depth = p.Depth;
        var levels = Enumerable.Range(1, depth).ToArray();
        var result = new SensitivityResult(options, n, map.Layers, map.Names, levels);
        int rows = result.Layers.Length;

        var labels = new int[n];
        var choices = new int[n][];
        for (int i = 0; i < n; i++)
        {
            choices[i] = new int[p.ChoiceCount];
            if (!grammar.TryParse(data.Tokens(i), out labels[i], choices[i]))
                throw new ArgumentException($"sensitivity: reference datum {i} is not a valid string of the grammar");
        }
        var baseTokens = data.TokenData.AsSpan(0, n * d).ToArray();
        var baseReps = Evaluate(map, baseTokens, n, rows);

        // Denominator: Σ_{i,j}‖r_i − r_j‖² = 2N·Σ_i‖r_i − r̄‖² (the diagonal terms are zero), from centred sums so
        // that a constant representation gives exactly 0.
        var mean = new double[rows][];
        var std = new double[rows][];
        double pairs = options.IncludeDiagonal ? (double)n * n : (double)n * (n - 1);
        for (int r = 0; r < rows; r++)
        {
            var x = baseReps[r];
            int w = x.Length / n;
            result.Units[r] = w;
            mean[r] = new double[w];
            std[r] = new double[w];
            for (int i = 0; i < n; i++)
                for (int u = 0; u < w; u++) mean[r][u] += x[i * w + u];
            for (int u = 0; u < w; u++) mean[r][u] /= n;
            var centred = new double[w];
            for (int i = 0; i < n; i++)
                for (int u = 0; u < w; u++) { double c = x[i * w + u] - mean[r][u]; centred[u] += c * c; }
            double spread = 0;
            for (int u = 0; u < w; u++)
            {
                spread += centred[u];
                std[r][u] = Math.Sqrt(centred[u] / n);
                if (std[r][u] >= options.UnitStdFloor) result.IncludedUnits[r]++;
            }
            result.Denominator[r] = 2 * n * spread / pairs;
        }

        var perturb = new Perturbation(grammar);
        var rng = Rng.ForStream(options.Seed, "perturb");
        var tokens = new ushort[n * d];
        var noiseTokens = new ushort[n * d];
        var scratch = new int[p.ChoiceCount];
        foreach (int l in levels)
        {
            int col = l - 1;
            for (int i = 0; i < n; i++)
            {
                choices[i].CopyTo(scratch, 0);
                perturb.SynonymExchange(labels[i], scratch, l, options.DistancePerturbation, rng, tokens.AsSpan(i * d, d));
            }
            var moved = Evaluate(map, tokens, n, rows);
            for (int r = 0; r < rows; r++) result.Distance[r][col] = MeanSquaredDistance(baseReps[r], moved[r], n) / result.Denominator[r];

            bool noise = l <= depth - 1;
            for (int i = 0; i < n; i++)
            {
                int node = perturb.SelectNode(l, options.CorrelationPerturbation.Nodes, rng);
                choices[i].CopyTo(scratch, 0);
                perturb.SynonymExchangeAt(labels[i], scratch, l, node, options.CorrelationPerturbation, rng, tokens.AsSpan(i * d, d));
                if (noise) perturb.NoiseAt(labels[i], choices[i], l, node, options.CorrelationPerturbation, rng, noiseTokens.AsSpan(i * d, d));
            }
            var syn = Evaluate(map, tokens, n, rows);
            var noisy = noise ? Evaluate(map, noiseTokens, n, rows) : null;
            for (int r = 0; r < rows; r++)
            {
                result.CorrelationSynonym[r][col] = Correlation(baseReps[r], syn[r], n, mean[r], std[r], options.UnitStdFloor);
                if (noisy != null)
                {
                    result.CorrelationNoise[r][col] = Correlation(baseReps[r], noisy[r], n, mean[r], std[r], options.UnitStdFloor);
                    result.NoiseDistance[r][col] = MeanSquaredDistance(baseReps[r], noisy[r], n) / result.Denominator[r];
                }
                else
                {
                    result.CorrelationNoise[r][col] = double.NaN;
                    result.NoiseDistance[r][col] = double.NaN;
                }
                result.Correlation[r][col] = result.CorrelationSynonym[r][col] / result.CorrelationNoise[r][col];
            }
        }
        // A representation constant over the reference set has no scale to normalise by: 0/0, or x/0 when a
        // perturbed datum leaves the constant. Either way the layer is collapsed and S is undefined.
        for (int r = 0; r < rows; r++)
            if (result.Collapsed[r])
                for (int c = 0; c < levels.Length; c++) { result.Distance[r][c] = double.NaN; result.NoiseDistance[r][c] = double.NaN; }
        return result;
    }

    private static float[][] Evaluate(RepresentationMap map, ushort[] tokens, int n, int rows)
    {
        var reps = map.Compute(tokens, n);
        if (reps.Length != rows) throw new InvalidOperationException($"sensitivity: the representation map returned {reps.Length} layers, expected {rows}");
        foreach (var r in reps)
            if (r.Length % n != 0) throw new InvalidOperationException("sensitivity: a representation is not a whole number of rows");
        return reps;
    }

    private static double MeanSquaredDistance(float[] a, float[] b, int n)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) { double x = (double)a[i] - b[i]; s += x * x; }
        return s / n;
    }

    private static double Correlation(float[] a, float[] b, int n, double[] mean, double[] std, double floor)
    {
        int w = mean.Length, live = 0;
        double s = 0;
        for (int u = 0; u < w; u++)
        {
            if (std[u] < floor) continue;
            live++;
            double inv = 1 / std[u];
            double acc = 0;
            for (int i = 0; i < n; i++) acc += (a[i * w + u] - mean[u]) * inv * ((b[i * w + u] - mean[u]) * inv);
            s += acc;
        }
        return live == 0 ? double.NaN : s / ((double)n * live);
    }
}

