using RhmLab.Numerics;
using RhmLab.Options;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using RhmLab.Cli;
using RhmLab.Data;
using RhmLab.Experiments;
using RhmLab.Rhm;

namespace RhmLab.Tests.Reliability;

/// <summary>The CLI turned an input down as a user error (exit code 2, one error line): counted as a rejection.</summary>
/// <param name="errorLine">The "rhmlab: error: ..." line, for targets that check which inputs may be turned down.</param>
public sealed class CliRejection(string errorLine) : Exception(errorLine);

/// <summary>The readers under fuzz and their input generators.</summary>
public static partial class FuzzTargets
{
    /// <summary>
    /// Every reader of user input, in the order cases cycle through them. The results folder and the saved model
    /// (FuzzTargets.Outputs.cs) start from files the real CLI wrote (<c>rhmlab sweep</c>, <c>rhmlab train
    /// --save-model</c>).
    /// EXTENSION POINT: a new reader goes here, as a <see cref="FuzzTarget"/> with a generator of mutated inputs
    /// (<see cref="FuzzInputs.MutateJson"/> for JSON, <see cref="MutateNpz"/> for .npz files), read directly and,
    /// where a command reads it, through the CLI with <see cref="CliCheck"/>. Its command goes into
    /// <see cref="Templates"/> and <see cref="Commands"/>, its option names into <see cref="OptionNames"/> (those
    /// that write a file also into <see cref="WritingOptions"/>), and what makes a valid command line costly into
    /// <see cref="CliCost"/>, so that the argument fuzzer reaches it too. Cases cycle through the targets, so a new
    /// target takes its share of the campaign from the others: keep the CI campaign (<see cref="Settings.FuzzCases"/>)
    /// near its measured time in docs/RELIABILITY.md.
    /// </summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("cli arguments", Cli, TimeSpan.FromSeconds(60)),
        new("run config", RunConfigFile, TimeSpan.FromSeconds(30)),
        new("run options", RunOptionCombination, TimeSpan.FromSeconds(60)),
        new("sweep plan", SweepPlanFile, TimeSpan.FromSeconds(30)),
        new("rules json", RulesJson, TimeSpan.FromSeconds(30)),
        new("npz", Npz, TimeSpan.FromSeconds(30)),
        new("results folder", ResultsFolder, TimeSpan.FromSeconds(30)),
        new("saved model", SavedModelFile, TimeSpan.FromSeconds(30)),
    ];

    // ---------------------------------------------------------------- valid inputs the mutations start from

    private static readonly JsonObject ValidConfig = new RunConfig { Rhm = { Nc = 3, M = 3, V = 3, L = 2 }, Data = { Train = 30, Test = 20 }, Network = { Width = 8 }, Training = { Epochs = 2 }, Execution = { Blas = MatMulChoice.Managed } }.ToJson();

    private static readonly JsonObject ValidPlan = (JsonObject)JsonNode.Parse("""
        { "description": "fuzz",
          "grid": { "seed": [1, 2], "rule": ["bp", "dfa"], "lr": [0.1, 0.05] },
          "fixed": { "nmv": 3, "L": 2, "train": 30, "test": 20, "width": 8, "epochs": 2, "blas": "managed" } }
        """)!;

    private static readonly JsonObject ValidRules = (JsonObject)JsonNode.Parse(RulesFile.ToJson(Grammar.Sample(new RhmParameters(3, 3, 3, 2, 2), 7)))!;

    private static readonly Lazy<byte[]> ValidNpz = new(() =>
    {
        using var tmp = new TempFolder("rhmlab-fuzz-npz-");
        string dir = tmp.Path;
        // The file `rhmlab data` writes, made by the CLI itself.
        string path = Path.Combine(dir, "data.npz");
        int code = CliApp.Run(["data", "--nc", "3", "--m", "3", "--v", "3", "--L", "2", "--train", "20", "--test", "10", "--out", path], TextWriter.Null, TextWriter.Null);
        if (code != 0) throw new InvalidOperationException($"rhmlab data failed with exit code {code}");
        return File.ReadAllBytes(path);
    });

    private static readonly string[] ConfigKeys = [.. RunOptions.All.Select(o => o.Key), "depth"];

    private static readonly string[] PlanKeys = [.. ConfigKeys, "nmv", "grid", "fixed", "description"];

    // ---------------------------------------------------------------- file readers

    /// <summary>Writes text as UTF-8; a lone surrogate (which a text edit may insert) becomes U+FFFD as in any editor.</summary>
    private static void WriteText(string path, string text) => File.WriteAllBytes(path, Encoding.UTF8.GetBytes(text));

    private static FuzzCase RunConfigFile(Random rng, string dir)
    {
        string text = FuzzInputs.MutateJson(ValidConfig, rng, ConfigKeys);
        string path = Path.Combine(dir, "config.json");
        WriteText(path, text);
        if (rng.Next(5) == 0)
        {
            string[] args = ["train", "--config", path, "--json", "--out", Path.Combine(dir, "out")];
            return new FuzzCase($"rhmlab train --config <{text}>", () => CliCheck(args), CliCost(args));
        }
        return new FuzzCase(text, () =>
        {
            var config = RunOptions.Load(path);
            var run = ResolvedRun.Resolve(config);
            RunHash.Of(config);
            run.CreateRule<float>();
        });
    }

    /// <summary>
    /// Valid values in unusual combinations (a rule with an architecture, a loss, an optimiser and a probe it is
    /// rarely run with): these pass every check, so they are trained, which reaches code that only a rare
    /// combination runs. Mostly small values, sometimes a limit, so that the run stays cheap or is refused.
    /// </summary>
    private static FuzzCase RunOptionCombination(Random rng, string dir)
    {
        var config = (JsonObject)ValidConfig.DeepClone();
        var chosen = new List<string>();
        for (int k = 1 + rng.Next(4); k > 0; k--)
        {
            var opt = rng.Pick(RunOptions.All);
            JsonNode? value = opt.Choices != null ? JsonValue.Create(rng.Pick(opt.Choices)) : opt.Type switch
            {
                "int" or "long" => JsonValue.Create(rng.Pick((long[])[0, 1, 2, 3, 4, 5, 8, 16, -1])),
                "double" => JsonValue.Create(rng.Pick((double[])[0, 1e-9, 1e-3, 0.01, 0.1, 0.5, 0.9, 1, 10, -1])),
                "int-list" => new JsonArray([.. Enumerable.Range(0, 1 + rng.Next(3)).Select(_ => (JsonNode?)JsonValue.Create(rng.Pick((int[])[1, 2, 4, 8])))]),
                _ => JsonValue.Create(rng.Pick(FuzzInputs.EdgeStrings)),
            };
            if (rng.Next(8) == 0) value = null;
            config[opt.Key] = value;
            chosen.Add($"{opt.Key}={value?.ToJsonString() ?? "null"}");
        }
        string path = Path.Combine(dir, "config.json");
        WriteText(path, config.ToJsonString());
        string[] args = ["train", "--config", path, "--json"];
        return new FuzzCase("rhmlab train --config <tiny config with " + string.Join(", ", chosen) + ">", () => CliCheck(args), CliCost(args));
    }

    private static FuzzCase SweepPlanFile(Random rng, string dir)
    {
        string text = FuzzInputs.MutateJson(ValidPlan, rng, PlanKeys);
        string path = Path.Combine(dir, "plan.json");
        WriteText(path, text);
        switch (rng.Next(6))
        {
            case 0:
            {
                string[] args = ["sweep", path, "--out", Path.Combine(dir, "results"), "--dry-run"];
                return new FuzzCase($"rhmlab sweep <{text}> --dry-run", () => CliCheck(args));
            }
            case 1:
            {
                string[] args = ["sweep", path, "--out", Path.Combine(dir, "results"), "--json"];
                return new FuzzCase($"rhmlab sweep <{text}>", () => CliCheck(args), CliCost(args));
            }
            default:
                return new FuzzCase(text, () =>
                {
                    var plan = SweepPlan.Parse(File.ReadAllText(path), path);
                    SweepStore.Manifest(plan).ToJsonString();
                    foreach (var p in plan.PointsOf(new SweepShard(1 + rng.Next(3), 3))) RunHash.Of(p.Config);
                });
        }
    }

    private static FuzzCase RulesJson(Random rng, string dir)
    {
        string text = FuzzInputs.MutateJson(ValidRules, rng, ["nc", "m", "v", "s", "L", "rules", "rules_version", "rules_seed", "1", "2", "3", "0"]);
        string path = Path.Combine(dir, "rules.json");
        WriteText(path, text);
        if (rng.Next(4) == 0)
        {
            string[] args = ["data", "--rules-file", path, "--train", "10", "--test", "5", "--json"];
            return new FuzzCase($"rhmlab data --rules-file <{text}>", () => CliCheck(args), CliCost(args));
        }
        return new FuzzCase(text, () =>
        {
            var g = RulesFile.Load(path);
            // A grammar that loads must also work: draw data and parse every string back to its label.
            var split = DataSplit.Sample(g, 8, 4, new SamplingOptions(1, 1, SamplingMode.Iid));
            var choices = new int[g.Parameters.ChoiceCount];
            int d = g.Parameters.InputLength;
            for (int n = 0; n < split.Train.Count; n++)
                if (!g.TryParse(split.Train.TokenData.AsSpan(n * d, d), out int label, choices) || label != split.Train.Labels[n])
                    throw new FuzzViolation($"a loaded grammar produced string {n} that does not parse back to its label");
        });
    }

    /// <summary>The .npy members of the valid file, in order.</summary>
    private static List<(string Name, byte[] Bytes)> Members(byte[] npz)
    {
        using var zip = new ZipArchive(new MemoryStream(npz), ZipArchiveMode.Read);
        return zip.Entries.Select(e =>
        {
            using var s = e.Open();
            using var m = new MemoryStream();
            s.CopyTo(m);
            return (e.FullName, m.ToArray());
        }).ToList();
    }

    private static byte[] Zip(IEnumerable<(string Name, byte[] Bytes)> members, bool compress)
    {
        using var m = new MemoryStream();
        using (var zip = new ZipArchive(m, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, bytes) in members)
            {
                var entry = zip.CreateEntry(name, compress ? CompressionLevel.Fastest : CompressionLevel.NoCompression);
                using var s = entry.Open();
                s.Write(bytes);
            }
        return m.ToArray();
    }

    private static readonly string[] Dtypes = ["<i4", "<i8", "<f4", "<f8", "|u1", "<u2", "|i1", "<i2", ">i4", "<U5", "<U99999999", "<c16", "O", "", "<i4'", "<U0"];

    private static readonly string[] Shapes =
        ["()", "(0,)", "(1,)", "(-1,)", "(20,)", "(20, 4)", "(4, 20)", "(10, 4)", "(20, 4, 1)", "(99999999999, 4)", "(2147483647,)", "(536870912,)",
         "(3, 3, 2)", "(3, 3)", "(1e3,)", "((1,2),)", "(", "(20,", "(20, -4)", "(9223372036854775807, 9223372036854775807)", "(,)"];

    /// <summary>An edit of a .npy member's header (dtype, shape, order, version, lengths) or data.</summary>
    private static byte[] EditMember(byte[] npy, Random rng)
    {
        string header = Encoding.Latin1.GetString(npy, 0, Math.Min(npy.Length, 128));
        switch (rng.Next(7))
        {
            case 0:
            {
                var m = Regex.Match(header, "'descr': '([^']*)'");
                return m.Success ? FuzzInputs.ReplaceAscii(npy, m.Value, $"'descr': '{rng.Pick(Dtypes)}'") : npy;
            }
            case 1:
            {
                var m = Regex.Match(header, @"'shape': \([^)]*\)");
                return m.Success ? FuzzInputs.ReplaceAscii(npy, m.Value, $"'shape': {rng.Pick(Shapes)}") : npy;
            }
            case 2: return FuzzInputs.ReplaceAscii(npy, "'fortran_order': False", rng.Next(2) == 0 ? "'fortran_order': True" : "'fortran_order': Maybe");
            case 3: { var c = (byte[])npy.Clone(); if (c.Length > 6) c[6] = (byte)rng.Pick((int[])[0, 2, 3, 9, 255]); return c; }
            case 4: { var c = (byte[])npy.Clone(); if (c.Length > 9) { c[8] = (byte)rng.Next(256); c[9] = (byte)rng.Next(256); } return c; }
            case 5: return npy[..rng.Next(npy.Length + 1)];
            default:
            {
                // The data after the header: tokens out of range, labels that do not match, broken JSON in meta.
                var c = (byte[])npy.Clone();
                int start = Math.Min(c.Length, 128);
                for (int i = 1 + rng.Next(4); i > 0 && c.Length > start; i--) c[rng.Next(start, c.Length)] = (byte)rng.Next(256);
                return c;
            }
        }
    }

    private static FuzzCase Npz(Random rng, string dir)
    {
        byte[] bytes = MutateNpz(ValidNpz.Value, rng, out string what);
        string path = Path.Combine(dir, "data.npz");
        File.WriteAllBytes(path, bytes);
        return new FuzzCase(what, () =>
        {
            Npy.ReadNpz(path);
            DataFile.Read(path);
        });
    }

    /// <summary>
    /// A damaged copy of a valid .npz: truncated, with bit flips, with an edited member (re-zipped, so the CRCs
    /// hold), with members removed, renamed, swapped, emptied, duplicated or compressed, or random bytes.
    /// </summary>
    private static byte[] MutateNpz(byte[] valid, Random rng, out string what)
    {
        byte[] bytes;
        switch (rng.Next(6))
        {
            case 0: { int n = rng.Next(valid.Length); bytes = valid[..n]; what = $"truncated to {n} bytes"; break; }
            case 1: { int f = 1 + rng.Next(8); bytes = FuzzInputs.FlipBits(valid, rng, f); what = $"{f} bits flipped"; break; }
            case 2:
            case 3:
            {
                var members = Members(valid);
                int k = rng.Next(members.Count);
                var edited = EditMember(members[k].Bytes, rng);
                members[k] = (members[k].Name, edited);
                bytes = Zip(members, compress: false);
                what = $"member {members[k].Name} edited: {Encoding.Latin1.GetString(edited, 0, Math.Min(edited.Length, 100)).ReplaceLineEndings(" ")}";
                break;
            }
            case 4:
            {
                var members = Members(valid);
                int k = rng.Next(members.Count);
                switch (rng.Next(6))
                {
                    case 0: what = $"member {members[k].Name} removed"; members.RemoveAt(k); break;
                    case 1: what = $"member {members[k].Name} renamed"; members[k] = (rng.Pick((string[])["x.npy", "meta", "x_train.npy/", "../x_train.npy", "X_TRAIN.npy"]), members[k].Bytes); break;
                    case 2: { int j = rng.Next(members.Count); what = $"members {members[k].Name} and {members[j].Name} swapped"; (members[k], members[j]) = ((members[k].Name, members[j].Bytes), (members[j].Name, members[k].Bytes)); break; }
                    case 3: what = $"member {members[k].Name} emptied"; members[k] = (members[k].Name, []); break;
                    case 4: what = $"member {members[k].Name} duplicated"; members.Add(members[k]); break;
                    default: what = "compressed members"; break;
                }
                bytes = Zip(members, compress: what == "compressed members" || rng.Next(4) == 0);
                break;
            }
            default:
            {
                bytes = new byte[rng.Next(200)];
                rng.NextBytes(bytes);
                if (bytes.Length >= 4 && rng.Next(2) == 0) { bytes[0] = (byte)'P'; bytes[1] = (byte)'K'; bytes[2] = 3; bytes[3] = 4; }
                what = $"{bytes.Length} random bytes";
                break;
            }
        }
        return bytes;
    }

    // ---------------------------------------------------------------- the command line

    /// <summary>Option names of every command, for random vectors and renamed options.</summary>
    private static readonly string[] OptionNames =
    [
        .. RunOptions.All.Select(o => "--" + o.Key), "--depth", "--config", "--json", "--out", "--jobs", "--shard", "--stale-after", "--no-wait",
        "--dry-run", "--array", "--results", "--partition", "--time", "--cpus-per-task", "--mem", "--job-name", "--max-running", "--mode",
        "--variant", "--samples", "--repeats", "--fresh-memory", "--warmup", "--seconds", "--train-size", "--rules-file", "--save-rules",
        "--rules-seed", "--sample-seed", "--split-seed", "--v1-constraint-dynamic", "--csv", "--parquet", "--threshold", "--measure",
        "--bootstrap", "--bootstrap-seed", "--figure", "--definition", "--height", "--reference", "--pre", "--include-diagonal",
        "--help", "-h", "-?", "--version", "--nope", "-x",
    ];

    /// <summary>
    /// Command names for random vectors. Not <c>reproduce</c>: every valid use of it runs a preset sweep of minutes,
    /// and its inputs are those of <c>sweep</c>, <c>plot</c> and <c>report</c>, fuzzed here.
    /// </summary>
    private static readonly string[] Commands =
        ["data", "train", "bench", "sweep", "slurm", "results", "pstar", "plot", "report", "sensitivity", "help", "frobnicate", ""];

    /// <summary>Options whose value is a path the command writes to.</summary>
    private static readonly string[] WritingOptions = ["--out", "--save-rules", "--results", "--csv", "--parquet"];

    /// <summary>Valid command lines; {S} is the case's scratch folder, where the files they read are written first.</summary>
    private static readonly string[][] Templates =
    [
        ["data", "--nc", "3", "--m", "3", "--v", "3", "--L", "2", "--train", "20", "--test", "10", "--out", "{S}/d.npz"],
        ["data", "--rules-file", "{S}/rules.json", "--train", "20", "--test", "10", "--json", "--save-rules", "{S}/r2.json"],
        ["train", "--nc", "3", "--m", "3", "--v", "3", "--L", "2", "--train", "30", "--test", "20", "--width", "8", "--epochs", "2", "--blas", "managed", "--json"],
        ["train", "--config", "{S}/config.json", "--json", "--out", "{S}/t"],
        ["sweep", "{S}/plan.json", "--out", "{S}/res", "--dry-run"],
        ["sweep", "{S}/plan.json", "--out", "{S}/res", "--json", "--jobs", "1"],
        ["slurm", "{S}/plan.json", "--array", "2", "--out", "{S}/job.sbatch", "--results", "{S}/res", "--time", "00:10:00", "--mem", "1G"],
        ["bench", "--mode", "bp", "--nc", "3", "--m", "3", "--v", "3", "--L", "2", "--width", "8", "--batch", "8", "--seconds", "0.02",
         "--warmup", "0", "--repeats", "1", "--train-size", "64", "--blas", "managed", "--json"],
        ["bench", "--mode", "data", "--nc", "3", "--m", "3", "--v", "3", "--L", "2", "--samples", "100", "--repeats", "1", "--blas", "managed", "--json"],
        ["results", "{S}/results", "--json"],
        ["results", "{S}/results", "--csv", "{S}/t.csv", "--parquet", "{S}/t.parquet"],
        ["pstar", "{S}/results", "--threshold", "0.1", "--measure", "probe", "--bootstrap", "100", "--bootstrap-seed", "1", "--json"],
        ["plot", "{S}/results", "--figure", "error-vs-p", "--out", "{S}/f.svg", "--measure", "probe", "--threshold", "0.1", "--rule", "bp,dfa",
         "--train", "30", "--bootstrap", "100", "--width", "400", "--height", "300"],
        ["plot", "{S}/results", "--figure", "sensitivity", "--definition", "sens-distance", "--out", "{S}/f.png", "--width", "400", "--height", "300"],
        ["report", "{S}/results", "--out", "{S}/report.html", "--threshold", "0.1", "--bootstrap", "100"],
        ["sensitivity", "{S}/model", "--reference", "20", "--seed", "1", "--pre", "--include-diagonal", "--json"],
    ];

    private static string[] Paths(string dir) =>
    [
        Path.Combine(dir, "plan.json"), Path.Combine(dir, "config.json"), Path.Combine(dir, "rules.json"), Path.Combine(dir, "data.npz"),
        Path.Combine(dir, "missing.json"), dir, Path.Combine(dir, "sub", "deeper", "x"), "/dev/null", "/dev/zero", "/proc/self/status", "/proc/x",
        "/sys/x", "@" + Path.Combine(dir, "plan.json"), "@/dev/zero", "@" + Path.Combine(dir, "missing"), Path.Combine(dir, "results"),
        Path.Combine(dir, "results", "runs"), Path.Combine(dir, "model"), Path.Combine(dir, "model", ModelFile.FileName),
    ];

    private static string Token(Random rng, string dir) => rng.Next(6) switch
    {
        0 => rng.Pick(Commands),
        1 or 2 => rng.Pick(OptionNames),
        3 => rng.Pick(FuzzInputs.EdgeNumbers),
        4 => rng.Pick(FuzzInputs.EdgeStrings),
        _ => rng.Pick(Paths(dir)),
    };

    private static FuzzCase Cli(Random rng, string dir)
    {
        // The files the templates read: valid ones, so that mutations of the arguments are what is tested.
        File.WriteAllText(Path.Combine(dir, "plan.json"), ValidPlan.ToJsonString());
        File.WriteAllText(Path.Combine(dir, "config.json"), ValidConfig.ToJsonString());
        File.WriteAllText(Path.Combine(dir, "rules.json"), ValidRules.ToJsonString());
        List<string> args;
        if (rng.Next(3) == 0)
        {
            args = [];
            for (int n = rng.Next(8); n > 0; n--) args.Add(Token(rng, dir));
        }
        else
        {
            args = [.. rng.Pick(Templates).Select(t => t.Replace("{S}", dir, StringComparison.Ordinal))];
            for (int e = 1 + rng.Next(3); e > 0; e--) MutateArgs(args, rng, dir);
        }
        KeepWritesInScratch(args, dir);
        // The results folder and saved model of the analysis templates, written only when an argument names them.
        if (args.Any(a => a.Contains(Path.Combine(dir, "results"), StringComparison.Ordinal) || a.Contains(Path.Combine(dir, "model"), StringComparison.Ordinal)))
            WriteValidOutputs(dir);
        string[] argv = [.. args];
        return new FuzzCase("rhmlab " + string.Join(' ', argv.Select(a => a.Contains(' ') || a.Length == 0 ? $"'{a}'" : a)), () => CliCheck(argv), CliCost(argv));
    }

    private static void MutateArgs(List<string> args, Random rng, string dir)
    {
        if (args.Count == 0) { args.Add(Token(rng, dir)); return; }
        int i = rng.Next(args.Count);
        switch (rng.Next(8))
        {
            case 0:
            case 1:
            {
                // A value: the token after an option, or any non-option token.
                int v = args.FindIndex(i, a => !a.StartsWith("--", StringComparison.Ordinal));
                if (v < 1) v = args.Count - 1;
                args[v] = rng.Next(3) == 0 ? rng.Pick(FuzzInputs.EdgeStrings) : rng.Pick(FuzzInputs.EdgeNumbers);
                break;
            }
            case 2: args[i] = rng.Pick(OptionNames); break;
            case 3: args.RemoveAt(i); break;
            case 4: args.Insert(i, Token(rng, dir)); break;
            case 5:
            {
                int o = args.FindIndex(a => a.StartsWith("--", StringComparison.Ordinal));
                if (o >= 0 && o + 1 < args.Count) args.AddRange([args[o], args[o + 1]]);
                break;
            }
            case 6:
            {
                int j = rng.Next(args.Count);
                (args[i], args[j]) = (args[j], args[i]);
                break;
            }
            default:
            {
                int o = args.FindIndex(a => a.StartsWith("--", StringComparison.Ordinal));
                if (o >= 0 && o + 1 < args.Count) { args[o] = args[o] + rng.Pick((string[])["=", ":"]) + args[o + 1]; args.RemoveAt(o + 1); }
                break;
            }
        }
    }

    /// <summary>
    /// The fuzzer must not write outside its scratch folder: a random value after an option that writes (a relative
    /// path, "/", a home folder) is moved into the scratch folder. Paths that cannot be written (/proc, /sys) stay,
    /// because refusing them is part of what is tested.
    /// </summary>
    private static void KeepWritesInScratch(List<string> args, string dir)
    {
        for (int i = 0; i < args.Count; i++)
        {
            foreach (var option in WritingOptions)
            {
                if (args[i] == option && i + 1 < args.Count) args[i + 1] = Contain(args[i + 1], dir);
                else if (args[i].StartsWith(option + "=", StringComparison.Ordinal) || args[i].StartsWith(option + ":", StringComparison.Ordinal))
                    args[i] = args[i][..(option.Length + 1)] + Contain(args[i][(option.Length + 1)..], dir);
            }
        }
    }

    private static string Contain(string path, string dir)
    {
        if (path.StartsWith(dir + "/", StringComparison.Ordinal) || path.StartsWith("/proc/", StringComparison.Ordinal) || path.StartsWith("/sys/", StringComparison.Ordinal))
            return path;
        var safe = new string(path.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());
        return Path.Combine(dir, "w", safe.Length == 0 ? "_" : safe.Length > 100 ? safe[..100] : safe);
    }

    /// <summary>
    /// Runs the CLI in this process and checks how it answers: it never throws; exit code 2 comes with exactly one
    /// stderr line starting "rhmlab: error: ", the last one (then <see cref="CliRejection"/> is thrown, to count it);
    /// the other documented exit codes are 0, 1 (a sweep with failed runs) and 3 (a diverged run); no stack trace
    /// ever appears. The only other stderr lines allowed are progress lines, which --json sends there ("epoch ...",
    /// "sweep: ..."), and the one-line warnings of files skipped ("rhmlab: warning: ..."), so a run that fails
    /// after it started still ends with its one error line.
    /// </summary>
    public static void CliCheck(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code;
        try { code = CliApp.Run(args, stdout, stderr); }
        catch (Exception e) { throw new FuzzViolation($"rhmlab threw {e.GetType().FullName}: {e.Message}\n{e.StackTrace}"); }
        string err = stderr.ToString();
        if (err.Contains("   at ", StringComparison.Ordinal) || err.Contains("Exception:", StringComparison.Ordinal) || err.Contains("Unhandled", StringComparison.Ordinal))
            throw new FuzzViolation($"a stack trace or exception on stderr (exit {code}):\n{err}");
        switch (code)
        {
            case 2:
                var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                bool progressOnly = lines.SkipLast(1).All(l => l.StartsWith("epoch ", StringComparison.Ordinal) || l.StartsWith("sweep: ", StringComparison.Ordinal)
                    || l.StartsWith("rhmlab: warning: ", StringComparison.Ordinal));
                if (lines.Length == 0 || !lines[^1].StartsWith("rhmlab: error: ", StringComparison.Ordinal) || !progressOnly)
                    throw new FuzzViolation($"exit 2 without exactly one 'rhmlab: error:' line on stderr:\n{err}");
                throw new CliRejection(lines[^1]);
            case 0 or 1 or 3:
                return;
            default:
                throw new FuzzViolation($"undocumented exit code {code}\nstdout:\n{stdout}\nstderr:\n{err}");
        }
    }

    // ---------------------------------------------------------------- the cost guard

    /// <summary>
    /// Why a command line is not run, or null. Valid command lines can ask for hours of work (a million samples, a
    /// thousand epochs) or for OpenBLAS, whose thread count is shared by the whole test process; such a case says
    /// nothing about input handling and is skipped. Anything the guard cannot make sense of is run: the CLI rejects
    /// it, or the case's timeout catches a mistake in the guard.
    /// </summary>
    public static string? CliCost(string[] args)
    {
        if (args.Any(a => a is "-h" or "--help" or "-?" or "--version")) return null;
        if (args.Length == 0) return null;
        var options = new List<(string Name, string? Value)>();
        var positional = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            string a = args[i];
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                int sep = a.IndexOfAny(['=', ':']);
                if (sep > 0) options.Add((a[..sep], a[(sep + 1)..]));
                else if (i + 1 < args.Length && !OptionNames.Contains(args[i + 1])) options.Add((a, args[++i]));
                else options.Add((a, null));
            }
            else positional.Add(a);
        }
        string? Last(string name) => options.LastOrDefault(o => o.Name == name).Value;
        double? Num(string name) => double.TryParse(Last(name), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;
        bool Over(string name, double cap, double defaultValue) => (Num(name) ?? (Last(name) is null ? defaultValue : 0)) > cap;
        try
        {
            switch (args[0])
            {
                case "train":
                {
                    var config = Last("--config") is string file ? RunOptions.Load(file) : new RunConfig();
                    foreach (var (name, value) in options)
                    {
                        var opt = name is "--L" or "--depth" ? RunOptions.Find("L") : RunOptions.Find(name[2..]);
                        if (opt != null && value != null) opt.SetText(config, value);
                    }
                    return RunCost(ResolvedRun.Resolve(config));
                }
                case "sweep":
                {
                    if (options.Any(o => o.Name == "--dry-run")) return null;
                    if (positional.Count == 0) return null;
                    var plan = SweepPlan.Load(positional[0]);
                    if (plan.Points.Count > 8) return $"{plan.Points.Count} runs";
                    if (Over("--jobs", 2, 1)) return "more than two jobs";
                    return plan.Points.Select(p => RunCost(p.Run)).FirstOrDefault(c => c != null);
                }
                case "data":
                {
                    if (Last("--rules-file") is string rules) RulesFile.Load(rules);
                    double samples = (Num("--train") ?? 4096) + (Num("--test") ?? 20000);
                    double input = Math.Pow(Num("--s") ?? 2, Num("--L") ?? Num("--depth") ?? 3);
                    return samples * input > 2e6 || input > 4096 ? $"{samples} samples of {input} tokens" : null;
                }
                case "bench":
                {
                    if (Last("--blas") != "managed") return "bench without --blas managed";
                    string mode = Last("--mode") ?? "data";
                    if (mode == "data") return Over("--samples", 5000, 1_000_000) || Over("--repeats", 3, 5) || Over("--threads", 2, 1) ? "a long data benchmark" : null;
                    bool big = Over("--seconds", 0.2, 2) || Over("--warmup", 0.2, 0.5) || Over("--repeats", 3, 5) || Over("--train-size", 5000, 32768)
                        || Over("--width", 64, 128) || Over("--batch", 256, 128) || Over("--threads", 2, 1)
                        || Over("--nc", 8, 8) || Over("--m", 8, 8) || Over("--v", 8, 8) || Over("--L", 3, 3) || Over("--s", 3, 2);
                    return big ? "a long step benchmark" : null;
                }
                case "results" or "pstar" or "plot" or "report":
                    return AnalysisCost(args[0], positional, Over);
                case "sensitivity":
                    return SensitivityCost(positional);
                default:
                    return null;
            }
        }
        catch (Exception e) when (FuzzHarness.IsDocumented(e))
        {
            return null;   // the CLI will reject it too
        }
    }

    /// <summary>Why a valid run is too costly for a fuzz case, or null.</summary>
    public static string? RunCost(ResolvedRun run)
    {
        var c = run.Config;
        if (c.Execution.Blas != MatMulChoice.Managed) return $"provider {Choices.Name(c.Execution.Blas)} (OpenBLAS has one thread count per process)";
        if (c.Execution.Threads > 2) return $"{c.Execution.Threads} threads";
        if (run.Train + run.Test > 4000) return $"{run.Train + run.Test} samples";
        if (run.Train * (long)run.Epochs > 20_000) return $"{run.Train} samples x {run.Epochs} epochs";
        if (run.Network.Widths.Max() > 64) return $"width {run.Network.Widths.Max()}";
        if (run.Rhm.Vocabulary > 16 || run.Rhm.InputLength > 64) return $"input {run.Rhm.InputLength} x {run.Rhm.Vocabulary}";
        return null;
    }
}
