using RhmLab.IO;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RhmLab.Data;
using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Rhm;

namespace RhmLab.Experiments;

/// <summary>A trained model read back from disk, with everything needed to regenerate its data exactly.</summary>
public sealed class SavedModel
{
    internal SavedModel(string path, RunConfig config, ResolvedRun run, Grammar grammar, Network<float> network, JsonObject meta)
    {
        Path = path; Config = config; Run = run; Grammar = grammar; Network = network; Meta = meta;
    }

    /// <summary>The model file.</summary>
    public string Path { get; }

    /// <summary>The run's full config, seeds included.</summary>
    public RunConfig Config { get; }

    /// <summary>The config resolved (P, T, sampling, network).</summary>
    public ResolvedRun Run { get; }

    /// <summary>The RHM's rules as saved with the model.</summary>
    public Grammar Grammar { get; }

    /// <summary>The network with its trained weights.</summary>
    public Network<float> Network { get; }

    /// <summary>The model's metadata record.</summary>
    public JsonObject Meta { get; }

    /// <summary>The run's training and test sets, drawn again with the saved rules and the saved seeds.</summary>
    public DataSplit RegenerateData() => DataSplit.Sample(Grammar, (int)Run.Train, (int)Run.Test, Run.SamplingOptions);
}

/// <summary>
/// Saves and loads trained networks as NumPy .npz (<c>model.npz</c>): the weights Wᵀ of each layer ([FanIn, H_k]
/// float32, input-major as in memory), the biases, the readout [H_K, n_c], a <c>meta</c> JSON record (format, RHM
/// parameters, network conventions, layer shapes, seeds and the full run config) and the rules JSON, so that the
/// exact data can be drawn again. A copy of the rules is also written as <c>rules.json</c> next to the model.
/// </summary>
public static class ModelFile
{
    /// <summary>File name of the model inside a run folder.</summary>
    public const string FileName = "model.npz";

    /// <summary>File name of the rules copy inside a run folder.</summary>
    public const string RulesFileName = "rules.json";

    private const string Format = "rhmlab-model";
    private const int FormatVersion = 1;

    /// <summary>Writes <c>model.npz</c> and <c>rules.json</c> into <paramref name="folder"/> (atomically, file by file).</summary>
    public static void Save(string folder, ResolvedRun run, Grammar grammar, Network<float> net)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(net);
        var c = run.Config;
        var layers = new JsonArray();
        foreach (var l in net.Layers)
        {
            layers.Add(new JsonObject
            {
                ["index"] = l.Index, ["in_channels"] = l.InChannels, ["width"] = l.Width, ["kernel"] = l.Kernel,
                ["positions_in"] = l.PositionsIn, ["positions"] = l.Positions, ["scale"] = l.Scale,
            });
        }
        var meta = new JsonObject
        {
            ["format"] = Format,
            ["format_version"] = FormatVersion,
            ["rule"] = run.Rule,
            ["nc"] = run.Rhm.Classes, ["m"] = run.Rhm.Synonyms, ["v"] = run.Rhm.Vocabulary, ["s"] = run.Rhm.TupleSize, ["L"] = run.Rhm.Depth,
            ["rules_version"] = grammar.Version.Name(),
            ["train"] = run.Train,
            ["test"] = run.Test,
            ["network"] = new JsonObject
            {
                ["widths"] = new JsonArray(net.Config.Widths.Select(w => (JsonNode?)JsonValue.Create(w)).ToArray()),
                ["arch"] = NetworkConfig.Name(net.Config.Architecture),
                ["conv_scale"] = NetworkConfig.Name(net.Config.ConvScale),
                ["readout_scale"] = NetworkConfig.Name(net.Config.ReadoutScale),
                ["bias"] = NetworkConfig.Name(net.Config.Bias),
                ["readout_multiplier"] = net.ReadoutMultiplier,
                ["layers"] = layers,
                ["weights_layout"] = "W{k} is the transpose of W^k, [FanIn, H_k], feature index q*C_{k-1} + c'; a^k = scale_k * patch . W{k} + b{k}",
            },
            ["seeds"] = new JsonObject
            {
                ["seed"] = c.Seeds.Seed,
                ["rules"] = c.Seeds.Rules,
                ["sample"] = c.Seeds.Sample,
                ["split"] = c.Seeds.Split,
                ["init"] = c.Seeds.Init,
                ["feedback"] = c.Seeds.Feedback,
                ["batches"] = c.Seeds.Batches,
                ["pairs"] = c.Seeds.Pairs,
                ["probe"] = c.Seeds.Probe,
            },
            ["config"] = c.ToJson(),
            ["provenance"] = RunResult.CurrentProvenance(),
        };
        string rules = RulesFile.ToJson(grammar);
        var arrays = new List<KeyValuePair<string, NpyArray>>
        {
            new("meta", NpyArray.FromString(meta.ToJsonString())),
            new("rules", NpyArray.FromString(rules)),
        };
        for (int k = 0; k < net.Depth; k++)
        {
            var l = net.Layers[k];
            arrays.Add(new($"W{k + 1}", NpyArray.FromFloat32(net.Weights[k], l.FanIn, l.Width)));
            arrays.Add(new($"b{k + 1}", NpyArray.FromFloat32(net.Biases[k], BiasShape(net, k))));
        }
        arrays.Add(new("readout", NpyArray.FromFloat32(net.Readout, net.Layers[^1].Width, net.Classes)));
        Npy.WriteNpz(System.IO.Path.Combine(folder, FileName), arrays);
        AtomicFile.WriteAllText(System.IO.Path.Combine(folder, RulesFileName), rules);
    }

    private static long[] BiasShape(Network<float> net, int k) => net.Config.Bias switch
    {
        BiasMode.PerChannel => [net.Layers[k].Width],
        BiasMode.PerPosition => [net.Layers[k].Positions, net.Layers[k].Width],
        _ => [0],
    };

    /// <summary>
    /// Reads a model from a .npz file or a run folder holding <c>model.npz</c>, rebuilds the network and checks every
    /// shape against the saved config. Any inconsistency raises a one-line <see cref="InvalidDataException"/> naming
    /// the file and the field.
    /// </summary>
    public static SavedModel Load(string path, IMatMul? matMul = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string file = Directory.Exists(path) ? System.IO.Path.Combine(path, FileName) : path;
        if (!File.Exists(file))
            throw new InvalidDataException(Directory.Exists(path)
                ? $"{path}: no {FileName} in this folder (train with --save-model --out {path})"
                : $"{path}: no such model file");
        var arrays = Npy.ReadNpz(file);
        string field = "meta";
        try
        {
            NpyArray Get(string name)
            {
                field = name;
                return arrays.TryGetValue(name, out var a) ? a : throw new InvalidDataException("missing");
            }
            if (JsonNode.Parse(Get("meta").AsString()) is not JsonObject meta) throw new InvalidDataException("must hold a JSON object");
            if (meta["format"] is not JsonValue f || !f.TryGetValue(out string? format) || format != Format)
            {
                field = "meta.format";
                throw new InvalidDataException($"must be '{Format}'");
            }
            field = "meta.config";
            if (meta["config"] is not JsonObject configJson) throw new InvalidDataException("must be a JSON object");
            var config = new RunConfig();
            RunOptions.Apply(config, configJson, "config");
            var run = ResolvedRun.Resolve(config);

            var grammar = RulesFile.FromJson(Get("rules").AsString());
            if (grammar.Parameters != run.Rhm)
                throw new InvalidDataException($"describes {grammar.Parameters} but the config has {run.Rhm}");
            if (grammar.Version != run.Version)
                throw new InvalidDataException($"were drawn by generator {grammar.Version.Name()} but the config says {run.Version.Name()}");

            var net = new Network<float>(run.Rhm, run.Network, config.Seeds.Init, matMul ?? RunExecutor.Provider(config));
            for (int k = 0; k < net.Depth; k++)
            {
                var l = net.Layers[k];
                Copy(Get($"W{k + 1}"), [l.FanIn, l.Width], net.Weights[k]);
                Copy(Get($"b{k + 1}"), BiasShape(net, k), net.Biases[k]);
            }
            Copy(Get("readout"), [net.Layers[^1].Width, net.Classes], net.Readout);
            return new SavedModel(file, config, run, grammar, net, meta);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or JsonException or FormatException or InvalidOperationException or OverflowException)
        {
            string message = e.Message;
            int nl = message.IndexOf('\n');
            if (nl >= 0) message = message[..nl];
            throw new InvalidDataException($"{file}: field '{field}': {message}");
        }
    }

    private static void Copy(NpyArray a, long[] shape, float[] target)
    {
        if (a.Dtype != "<f4") throw new InvalidDataException($"has dtype {a.Dtype}, expected <f4");
        if (!a.Shape.SequenceEqual(shape)) throw new InvalidDataException($"has shape {Show(a.Shape)}, expected {Show(shape)}");
        var values = a.ToFloat32();
        if (values.Length != target.Length) throw new InvalidDataException($"holds {values.Length} values, expected {target.Length}");
        values.CopyTo(target, 0);
    }

    private static string Show(long[] shape) => "[" + string.Join(", ", shape.Select(x => x.ToString(CultureInfo.InvariantCulture))) + "]";
}
