using System.Text.Json.Nodes;
using RhmLab.Rhm;

namespace RhmLab.Data;

/// <summary>Provenance of a data file: master and stream seeds and modes, stored in the <c>meta</c> array.</summary>
/// <param name="Seed">Master seed.</param>
/// <param name="RulesSeed">Seed of the <c>rules</c> stream.</param>
/// <param name="SampleSeed">Seed of the <c>sample</c> stream.</param>
/// <param name="SplitSeed">Seed of the <c>split</c> stream.</param>
public sealed record DataSeeds(long Seed, long RulesSeed, long SampleSeed, long SplitSeed)
{
    /// <summary>All streams seeded by the master seed.</summary>
    public static DataSeeds FromMaster(long seed) => new(seed, seed, seed, seed);
}

/// <summary>
/// The NumPy <c>.npz</c> export of a data split: <c>x_train</c>, <c>x_test</c> (int32 tokens [N, s^L]),
/// <c>y_train</c>, <c>y_test</c> (int32 labels), <c>index_train</c>, <c>index_test</c> (int64, when P_max &lt; 2^63),
/// <c>rules_1</c>..<c>rules_L</c> (int32 [parents, m, s], bottom-up) and <c>meta</c> (a 0-d unicode JSON string).
/// </summary>
public static class DataFile
{
    /// <summary>The JSON object stored in <c>meta</c>.</summary>
    public static JsonObject Meta(DataSplit split, DataSeeds seeds)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(seeds);
        var g = split.Train.Grammar;
        var p = g.Parameters;
        return new JsonObject
        {
            ["format"] = "rhmlab-data",
            ["rhmlab_version"] = typeof(DataFile).Assembly.GetName().Version?.ToString(3),
            ["nc"] = p.Classes,
            ["m"] = p.Synonyms,
            ["v"] = p.Vocabulary,
            ["s"] = p.TupleSize,
            ["L"] = p.Depth,
            ["train"] = split.Train.Count,
            ["test"] = split.Test.Count,
            ["p_max"] = p.PMax.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["seed"] = seeds.Seed,
            ["rules_seed"] = seeds.RulesSeed,
            ["sample_seed"] = seeds.SampleSeed,
            ["split_seed"] = seeds.SplitSeed,
            ["rules_version"] = g.Version.Name(),
            ["sampling"] = SamplingOptions.Name(split.Options.Sampling),
            ["split"] = SamplingOptions.Name(split.Options.Split),
            ["duplicates"] = split.Duplicates,
            ["level_numbering"] = "bottom-up: rules_l maps level-l symbols to level-(l-1) tuples; rules_L has the classes as parents",
        };
    }

    /// <summary>Writes the split to a .npz file atomically.</summary>
    public static void Write(string path, DataSplit split, DataSeeds seeds)
    {
        ArgumentNullException.ThrowIfNull(split);
        var g = split.Train.Grammar;
        var p = g.Parameters;
        int d = p.InputLength;
        var arrays = new List<KeyValuePair<string, NpyArray>>
        {
            new("x_train", Tokens(split.Train)),
            new("y_train", NpyArray.FromInt32(split.Train.Labels, split.Train.Count)),
            new("x_test", Tokens(split.Test)),
            new("y_test", NpyArray.FromInt32(split.Test.Labels, split.Test.Count)),
        };
        if (split.Train.Indices != null && split.Test.Indices != null)
        {
            arrays.Add(new("index_train", NpyArray.FromInt64(split.Train.Indices, split.Train.Count)));
            arrays.Add(new("index_test", NpyArray.FromInt64(split.Test.Indices, split.Test.Count)));
        }
        for (int l = 1; l <= p.Depth; l++)
            arrays.Add(new($"rules_{l}", NpyArray.FromInt32(g.Productions(l), p.ParentsAtLevel(l), p.Synonyms, p.TupleSize)));
        arrays.Add(new("meta", NpyArray.FromString(Meta(split, seeds).ToJsonString())));
        Npy.WriteNpz(path, arrays);

        NpyArray Tokens(Dataset ds)
        {
            var x = new int[ds.TokenData.Length];
            for (int i = 0; i < x.Length; i++) x[i] = ds.TokenData[i];
            return NpyArray.FromInt32(x, ds.Count, d);
        }
    }

    /// <summary>
    /// Reads a data file written by <see cref="Write"/>: rebuilds the grammar from the rule arrays and checks that
    /// every string parses back to its label. Any problem raises <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static (Dataset Train, Dataset Test, JsonObject Meta) Read(string path)
    {
        var arrays = Npy.ReadNpz(path);
        try
        {
            NpyArray Get(string name) => arrays.TryGetValue(name, out var a) ? a : throw new InvalidDataException($"missing array '{name}'");
            var meta = System.Text.Json.Nodes.JsonNode.Parse(Get("meta").AsString()) as JsonObject
                ?? throw new InvalidDataException("array 'meta' must hold a JSON object");
            int Field(string key) => meta[key] is JsonValue v && v.TryGetValue(out int x) ? x : throw new InvalidDataException($"meta field '{key}' must be an integer");
            var p = new RhmParameters(Field("nc"), Field("m"), Field("v"), Field("s"), Field("L"));
            var version = meta["rules_version"] is JsonValue rv && rv.TryGetValue(out string? rvs) ? RuleVersions.Parse(rvs, "meta.rules_version") : RuleVersion.V2;
            p.Validate(version == RuleVersion.V1);
            var tables = new int[p.Depth][];
            for (int l = 1; l <= p.Depth; l++)
            {
                var a = Get($"rules_{l}");
                if (a.Shape.Length != 3 || a.Shape[0] != p.ParentsAtLevel(l) || a.Shape[1] != p.Synonyms || a.Shape[2] != p.TupleSize)
                    throw new InvalidDataException($"array 'rules_{l}' must have shape [{p.ParentsAtLevel(l)}, {p.Synonyms}, {p.TupleSize}]");
                tables[l - 1] = a.ToInt32();
            }
            var grammar = Grammar.FromTables(p, tables, version);
            Dataset Load(string suffix)
            {
                var x = Get("x_" + suffix);
                var y = Get("y_" + suffix);
                if (x.Shape.Length != 2 || x.Shape[1] != p.InputLength || y.Shape.Length != 1 || y.Shape[0] != x.Shape[0])
                    throw new InvalidDataException($"arrays 'x_{suffix}' and 'y_{suffix}' must have shapes [N, {p.InputLength}] and [N]");
                var xs = x.ToInt32();
                var ys = y.ToInt32();
                var tokens = new ushort[xs.Length];
                var choices = new int[p.ChoiceCount];
                for (int i = 0; i < xs.Length; i++)
                {
                    if (xs[i] < 0 || xs[i] >= p.Vocabulary) throw new InvalidDataException($"array 'x_{suffix}' holds token {xs[i]} outside [0, {p.Vocabulary})");
                    tokens[i] = (ushort)xs[i];
                }
                for (int n = 0; n < ys.Length; n++)
                {
                    if (!grammar.TryParse(tokens.AsSpan(n * p.InputLength, p.InputLength), out int label, choices) || label != ys[n])
                        throw new InvalidDataException($"row {n} of 'x_{suffix}' does not parse to its label y_{suffix}[{n}] = {ys[n]}");
                }
                long[]? idx = arrays.TryGetValue("index_" + suffix, out var ia) ? ia.ToInt64() : null;
                if (idx != null && idx.Length != ys.Length) throw new InvalidDataException($"array 'index_{suffix}' has the wrong length");
                return new Dataset(grammar, tokens, ys, idx);
            }
            return (Load("train"), Load("test"), meta);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or System.Text.Json.JsonException or OverflowException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: {e.Message}");
        }
    }
}
