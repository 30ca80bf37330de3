using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using RhmLab.Analysis;
using RhmLab.Analysis.Figures;
using RhmLab.Cli;
using RhmLab.Data;
using RhmLab.Evaluation;
using RhmLab.Experiments;
using RhmLab.Numerics;

namespace RhmLab.Tests.Reliability;

/// <summary>
/// The readers of what the program itself writes: results folders (read by <c>rhmlab results/pstar/plot/report</c>)
/// and saved models (read by <c>rhmlab sensitivity</c>). Their inputs start from files the real CLI wrote, since a
/// reader of its own output is most likely to trust a field that only a damaged or edited file gets wrong.
/// </summary>
public static partial class FuzzTargets
{
    // ---------------------------------------------------------------- valid outputs the mutations start from

    /// <summary>One file of a folder the CLI wrote: its path relative to the folder, and its bytes.</summary>
    private sealed record OutputFile(string RelativePath, byte[] Bytes);

    /// <summary>
    /// The records of a results folder as <c>rhmlab sweep</c> writes it (runs/&lt;hash&gt;/result.json; the sweep's
    /// other files are left out, since no analysis reads them): two rules, two seeds and two training-set sizes, with
    /// logistic probes and sensitivity tables, so that every analysis (P*, BP ratios, fits, every figure) has data.
    /// </summary>
    private static readonly Lazy<OutputFile[]> ValidResults = new(() => CliOutput("rhmlab-fuzz-results-", dir =>
    {
        string plan = Path.Combine(dir, "plan.json");
        File.WriteAllText(plan, """
            { "description": "fuzz results",
              "grid": { "rule": ["bp", "dfa"], "seed": [1, 2], "train": [30, 60] },
              "fixed": { "nmv": 3, "L": 2, "test": 20, "width": 8, "epochs": 2, "blas": "managed", "probe": "both",
                         "sensitivity": true, "sensitivity-reference": 10 } }
            """);
        string outDir = Path.Combine(dir, "out");
        Run(["sweep", plan, "--out", outDir, "--jobs", "1", "--json"]);
        return outDir;
    }).Where(f => Path.GetFileName(f.RelativePath) == RecordReader.FileName).ToArray());

    /// <summary>
    /// The model of a run folder as <c>rhmlab train --save-model --out</c> writes it. The folder's rules.json, the
    /// same text as the model's rules member, is left out: it is what the "rules json" target fuzzes.
    /// </summary>
    private static readonly Lazy<OutputFile[]> ValidModel = new(() => CliOutput("rhmlab-fuzz-model-", dir =>
    {
        string outDir = Path.Combine(dir, "run");
        Run(["train", "--nc", "3", "--m", "3", "--v", "3", "--L", "2", "--train", "30", "--test", "20", "--width", "8", "--epochs", "2",
             "--blas", "managed", "--save-model", "--out", outDir]);
        return outDir;
    }).Where(f => f.RelativePath == ModelFile.FileName).ToArray());

    private static OutputFile[] CliOutput(string prefix, Func<string, string> make)
    {
        using var tmp = new TempFolder(prefix);
        string dir = tmp.Path;
        string root = make(dir);
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => new OutputFile(Path.GetRelativePath(root, f), File.ReadAllBytes(f))).ToArray();
    }

    private static void Run(string[] args)
    {
        var stderr = new StringWriter();
        int code = CliApp.Run(args, TextWriter.Null, stderr);
        if (code != 0) throw new InvalidOperationException($"rhmlab {args[0]} failed with exit code {code}: {stderr}");
    }

    private static void WriteFiles(string root, IEnumerable<OutputFile> files)
    {
        foreach (var f in files)
        {
            string path = Path.Combine(root, f.RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, f.Bytes);
        }
    }

    /// <summary>Every key of every object in the valid records, for keys that mutations add.</summary>
    private static readonly Lazy<string[]> RecordKeys = new(() =>
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        void Walk(JsonNode? n)
        {
            if (n is JsonObject o) foreach (var (k, v) in o) { keys.Add(k); Walk(v); }
            else if (n is JsonArray a) foreach (var v in a) Walk(v);
        }
        foreach (var f in ValidResults.Value) Walk(JsonNode.Parse(f.Bytes));
        return [.. keys];
    });

    // ---------------------------------------------------------------- results folders

    /// <summary>
    /// A results folder written by <c>rhmlab sweep</c>, reduced to a random third of its records (at least two: files
    /// and folders are most of a case's time, and the mix of rules, seeds and P varies from case to case), with one
    /// to three of them, or all, damaged (structural JSON mutations mostly, else text edits, truncation, bit flips,
    /// random bytes or an empty file); read by <see cref="RecordReader"/> and the analyses, or through
    /// <c>rhmlab results/pstar/plot/report</c>.
    /// </summary>
    private static FuzzCase ResultsFolder(Random rng, string dir)
    {
        var files = ValidResults.Value;
        var records = Enumerable.Range(0, files.Length).Where(_ => rng.Next(3) == 0).ToList();
        while (records.Count < 2) records = records.Append(rng.Next(files.Length)).Distinct().Order().ToList();
        var damaged = new SortedSet<int>();
        if (rng.Next(8) == 0) damaged.UnionWith(records);
        else for (int k = 1 + rng.Next(3); k > 0; k--) damaged.Add(rng.Pick(records));
        var written = records.ToDictionary(i => i, i => files[i]);
        var what = new List<string>();
        foreach (int i in damaged)
        {
            byte[] valid = files[i].Bytes;
            string text = Encoding.UTF8.GetString(valid);
            byte[] bytes;
            string how;
            switch (rng.Next(10))
            {
                case 5: how = FuzzInputs.MutateText(text, rng); bytes = Encoding.UTF8.GetBytes(how); break;
                case 6: { int n = rng.Next(valid.Length); bytes = valid[..n]; how = $"truncated to {n} bytes"; break; }
                case 7: { int f = 1 + rng.Next(8); bytes = FuzzInputs.FlipBits(valid, rng, f); how = $"{f} bits flipped"; break; }
                case 8: bytes = new byte[rng.Next(200)]; rng.NextBytes(bytes); how = $"{bytes.Length} random bytes"; break;
                case 9: bytes = []; how = "empty"; break;
                default: how = FuzzInputs.MutateJson(JsonNode.Parse(valid)!, rng, RecordKeys.Value); bytes = Encoding.UTF8.GetBytes(how); break;
            }
            written[i] = files[i] with { Bytes = bytes };
            what.Add($"{files[i].RelativePath}: {how}");
        }
        string root = Path.Combine(dir, "results");
        WriteFiles(root, written.Values);
        string input = string.Join("\n  ", what);
        var intact = records.Where(i => !damaged.Contains(i)).Select(i => Path.Combine(root, files[i].RelativePath)).ToList();

        // A figure takes 50-500 ms, ten to a hundred times the rest, and the report draws all six: commands that draw
        // are rare, so that the target costs about what the others do.
        string[]? args = rng.Next(120) switch
        {
            < 12 => ["results", root, .. rng.Pick((string[][])[[], ["--json"], ["--csv", Path.Combine(dir, "t.csv")], ["--parquet", Path.Combine(dir, "t.parquet")]])],
            < 24 => ["pstar", root, "--measure", rng.Pick((string[])["probe", "network", "logistic"]), "--bootstrap", "100", .. rng.Next(2) == 0 ? (string[])["--json"] : []],
            < 27 => ["plot", root, "--figure", rng.Pick(FigureCatalog.All).Name, "--out", Path.Combine(dir, rng.Next(4) == 0 ? "f.png" : "f.svg"), "--bootstrap", "100"],
            27 => ["report", root, "--out", Path.Combine(dir, "report.html"), "--bootstrap", "100"],
            _ => null,
        };
        if (args != null)
        {
            return new FuzzCase($"rhmlab {string.Join(' ', args)} with\n  {input}", () =>
            {
                try { CliCheck(args); }
                // Only a figure may lack its data; otherwise one intact record is enough for an answer.
                catch (CliRejection e) when (intact.Count > 0 && args[0] != "plot")
                {
                    throw new FuzzViolation($"{intact.Count} records are intact, yet: {e.Message}");
                }
            });
        }
        var measure = rng.Pick(Enum.GetValues<ErrorMeasure>());
        string? figure = rng.Next(12) == 0 ? rng.Pick(FigureCatalog.All).Name : null;
        var figureOptions = new FigureOptions
        {
            Measure = measure,
            Train = rng.Pick((long?[])[null, null, 30, 60, 45]),
            Rules = rng.Pick((string[]?[])[null, null, ["bp"], ["dfa", "x"]]),
            Definition = rng.Pick((string?[])[null, null, "sens-distance", "sens-correlation", "x"]),
            Resamples = 50,
        };
        string shown = figure == null ? input
            : $"{input}\n  then figure {figure} (measure {measure}, train {figureOptions.Train}, rules {string.Join(',', figureOptions.Rules ?? [])}, definition {figureOptions.Definition})";
        return new FuzzCase(shown, () => AnalyseFolder(root, records.Count, intact, figure, figureOptions));
    }

    /// <summary>
    /// Reads a damaged results folder and analyses what was read. The reader must skip each damaged record with
    /// one warning line and keep every intact one; the records it keeps must then never break the tidy table or
    /// P*, since a record the analyses cannot use would make a whole folder unreadable instead of one file. Only a
    /// figure may turn the records down, for lack of the data it draws (or of the rules, P or definition its options
    /// ask for). The HTML report, which draws every figure, is reached through <c>rhmlab report</c>.
    /// </summary>
    private static void AnalyseFolder(string root, int files, List<string> intact, string? figure, FigureOptions figureOptions)
    {
        var warnings = new StringWriter();
        RecordSet set;
        try { set = RecordReader.Read(root, warnings); }
        catch (Exception e) { throw new FuzzViolation($"RecordReader.Read threw {e.GetType().FullName} instead of skipping the damaged record: {e.Message}\n{e.StackTrace}"); }
        if (set.Records.Count + set.Skipped.Count != files)
            throw new FuzzViolation($"{files} records on disk, {set.Records.Count} read and {set.Skipped.Count} skipped");
        var read = set.Records.Select(r => r.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var path in intact)
            if (!read.Contains(path)) throw new FuzzViolation($"the intact record {path} was not read");
        var lines = warnings.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length != set.Skipped.Count || !lines.All(l => l.StartsWith("rhmlab: warning: skipping ", StringComparison.Ordinal)))
            throw new FuzzViolation($"{set.Skipped.Count} records skipped, but the warnings are not one line each:\n{warnings}");

        try
        {
            using (var csv = new MemoryStream()) CsvExport.Write(TidyTable.Build(set.Records), csv);
            PStarAnalysis.Run(set.Records, new PStarOptions { Measure = figureOptions.Measure, Resamples = figureOptions.Resamples });
        }
        catch (Exception e)
        {
            throw new FuzzViolation($"a record the reader accepted broke an analysis: {e.GetType().FullName}: {e.Message}\n{e.StackTrace}");
        }
        if (figure == null) return;
        try { FigureRenderer.Svg(FigureCatalog.Build(figure, set.Records, figureOptions)); }
        catch (InvalidDataException) { throw; }   // no data for this figure: a rejection
        catch (Exception e) { throw new FuzzViolation($"figure {figure}: {e.GetType().FullName}: {e.Message}\n{e.StackTrace}"); }
    }

    // ---------------------------------------------------------------- saved models

    private static readonly Lazy<JsonObject> ValidModelMeta = new(() =>
    {
        var npz = ValidModel.Value.Single(f => f.RelativePath == ModelFile.FileName).Bytes;
        var meta = Members(npz).Single(m => m.Name == "meta.npy").Bytes;
        using var s = new MemoryStream(meta);
        return (JsonObject)JsonNode.Parse(Npy.Read(s).AsString())!;
    });

    private static readonly Lazy<string[]> ModelMetaKeys = new(() =>
    {
        var keys = new SortedSet<string>(ConfigKeys, StringComparer.Ordinal);
        void Walk(JsonNode? n)
        {
            if (n is JsonObject o) foreach (var (k, v) in o) { keys.Add(k); Walk(v); }
        }
        Walk(ValidModelMeta.Value);
        return [.. keys];
    });

    /// <summary>A .npy member holding a string, as <see cref="ModelFile"/> stores its JSON.</summary>
    private static byte[] StringMember(string text)
    {
        using var m = new MemoryStream();
        Npy.Write(m, NpyArray.FromString(text));
        return m.ToArray();
    }

    /// <summary>
    /// A model saved by <c>rhmlab train --save-model</c>, its model.npz damaged the way the npz target damages
    /// data files, or its meta or rules member replaced by a mutated JSON document (which reaches the checks of
    /// the saved config and rules against the arrays); read by <see cref="ModelFile.Load"/> with the data drawn again
    /// and the sensitivity measured, or through <c>rhmlab sensitivity</c>.
    /// </summary>
    private static FuzzCase SavedModelFile(Random rng, string dir)
    {
        var files = ValidModel.Value;
        byte[] valid = files.Single(f => f.RelativePath == ModelFile.FileName).Bytes;
        byte[] bytes;
        string what;
        switch (rng.Next(4))
        {
            case 0:
            case 1:
                bytes = MutateNpz(valid, rng, out what);
                break;
            default:
            {
                var members = Members(valid);
                string name = rng.Next(3) == 0 ? "rules.npy" : "meta.npy";
                int k = members.FindIndex(m => m.Name == name);
                string text = name == "meta.npy"
                    ? FuzzInputs.MutateJson(ValidModelMeta.Value, rng, ModelMetaKeys.Value)
                    : FuzzInputs.MutateJson(ValidRules, rng, ["nc", "m", "v", "s", "L", "rules", "rules_version", "rules_seed", "1", "2", "3", "0"]);
                members[k] = (name, StringMember(text));
                bytes = Zip(members, compress: false);
                what = $"member {name}: {text}";
                break;
            }
        }
        string run = Path.Combine(dir, "run");
        WriteFiles(run, files.Select(f => f.RelativePath == ModelFile.FileName ? f with { Bytes = bytes } : f));
        string path = rng.Next(2) == 0 ? run : Path.Combine(run, ModelFile.FileName);
        if (rng.Next(4) == 0)
        {
            string[] args = ["sensitivity", path, "--reference", "20", .. rng.Next(2) == 0 ? (string[])["--json"] : [], .. rng.Next(3) == 0 ? (string[])["--pre"] : []];
            return new FuzzCase($"rhmlab {string.Join(' ', args)} with model.npz {what}", () => CliCheck(args), CliCost(args));
        }
        return new FuzzCase(what, () =>
        {
            var model = ModelFile.Load(path, new ManagedMatMul(1));
            // A model that loads must work; one whose saved config asks for a costly data set is only loaded.
            if (RunCost(model.Run) != null) return;
            var data = model.RegenerateData();
            if (data.Test.Count >= 2) Sensitivity.Compute(model.Network, data.Test, new SensitivityOptions { Reference = 20, Seed = model.Config.Seeds.Seed });
        });
    }

    // ---------------------------------------------------------------- for the argument fuzzer

    /// <summary>Writes the valid results folder to {S}/results and the valid saved run to {S}/model.</summary>
    private static void WriteValidOutputs(string dir)
    {
        WriteFiles(Path.Combine(dir, "results"), ValidResults.Value);
        WriteFiles(Path.Combine(dir, "model"), ValidModel.Value);
    }

    /// <summary>
    /// Why an analysis command is not run, or null: a folder outside the temporary folders (a random "/" or "..")
    /// would read every result.json of the machine, and a bootstrap or an image far beyond the defaults runs long.
    /// </summary>
    private static string? AnalysisCost(string command, List<string> positional, Func<string, double, double, bool> over)
    {
        if (positional.Count > 0 && Directory.Exists(positional[0])
            && !Path.GetFullPath(positional[0]).StartsWith(Path.GetTempPath(), StringComparison.Ordinal))
            return $"reads every result.json under {positional[0]}";
        if (over("--bootstrap", 2000, 1000)) return "a long bootstrap";
        if (command == "plot" && (over("--width", 2000, 1100) || over("--height", 2000, 600))) return "a large image";
        return null;
    }

    /// <summary>
    /// Why <c>rhmlab sensitivity</c> on a saved model is not run, or null: the costs of its run, and more than one
    /// thread, since the command takes its provider from RHMLAB_BLAS (OpenBLAS when present), whose thread count is
    /// shared by the whole test process.
    /// </summary>
    private static string? SensitivityCost(List<string> positional)
    {
        if (positional.Count == 0) return null;
        var model = ModelFile.Load(positional[0], new ManagedMatMul(1));
        return RunCost(model.Run) ?? (model.Config.Execution.Threads != 1 ? $"{model.Config.Execution.Threads} threads on the environment's provider" : null);
    }
}
