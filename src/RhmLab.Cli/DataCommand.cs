using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using RhmLab.Data;
using RhmLab.Rhm;

namespace RhmLab.Cli;

/// <summary><c>rhmlab data</c>: draw an RHM, sample a training and a test set, write them as NumPy .npz.</summary>
internal static class DataCommand
{
    public static Command Create(TextWriter stdout)
    {
        var rhm = new RhmFlags();
        var train = new Option<int>("--train") { Description = "Training-set size P", DefaultValueFactory = _ => 4096 };
        var test = new Option<int?>("--test") { Description = "Test-set size T (default min(20000, P_max - P))" };
        var sampling = new Option<string>("--sampling") { Description = "distinct (default) or iid (with replacement)", DefaultValueFactory = _ => "distinct" };
        var split = new Option<string>("--split") { Description = "test-first-nested (default) or joint", DefaultValueFactory = _ => "test-first-nested" };
        var sampleSeed = new Option<long?>("--sample-seed") { Description = "Seed of the sample stream (default: --seed)" };
        var splitSeed = new Option<long?>("--split-seed") { Description = "Seed of the split stream (default: --seed)" };
        var output = new Option<string?>("--out") { Description = "Write the data set to this .npz file" };
        var saveRules = new Option<string?>("--save-rules") { Description = "Also write the rules as JSON to this file" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a summary" };

        var cmd = new Command("data", "Generate an RHM data set and write it as NumPy .npz");
        rhm.AddTo(cmd);
        foreach (var o in new Option[] { train, test, sampling, split, sampleSeed, splitSeed, output, saveRules, json }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var sw = Stopwatch.StartNew();
            var grammar = rhm.Grammar(parse);
            var p = grammar.Parameters;
            long seed = parse.GetValue(rhm.Seed);
            int P = parse.GetValue(train);
            if (P < 1) throw new ArgumentException($"--train must be >= 1 (got {P})");
            int T = parse.GetValue(test) ?? DataSplit.DefaultTestSize(p, P);
            if (T < 0) throw new ArgumentException($"--test must be >= 0 (got {T})");
            var options = new SamplingOptions(parse.GetValue(sampleSeed) ?? seed, parse.GetValue(splitSeed) ?? seed,
                SamplingOptions.ParseSampling(parse.GetValue(sampling)!), SamplingOptions.ParseSplit(parse.GetValue(split)!));
            if (options.Sampling == SamplingMode.Distinct && P + (long)T > p.PMax)
                throw new ArgumentException($"--train + --test = {P + (long)T} exceeds P_max = {p.PMax} for {p}");
            string? outPath = parse.GetValue(output);
            if (outPath != null) CheckWritable(outPath, "--out");
            string? rulesPath = parse.GetValue(saveRules);
            if (rulesPath != null) CheckWritable(rulesPath, "--save-rules");

            var data = DataSplit.Sample(grammar, P, T, options);
            var seeds = new DataSeeds(seed, grammar.Seed ?? seed, options.SampleSeed, options.SplitSeed);
            if (outPath != null) DataFile.Write(outPath, data, seeds);
            if (rulesPath != null) RulesFile.Save(grammar, rulesPath);
            double seconds = sw.Elapsed.TotalSeconds;

            var meta = DataFile.Meta(data, seeds);
            meta["n_c_m_L"] = p.SampleScale;
            meta["seconds"] = Math.Round(seconds, 4);
            meta["out"] = outPath;
            meta["train_class_counts"] = new JsonArray(data.Train.ClassCounts().Select(c => (JsonNode)c).ToArray());
            if (T < 1000) meta["warning"] = $"test set of {T} < 1000: error estimates are noisy";
            if (parse.GetValue(json)) { stdout.WriteLine(meta.ToJsonString()); return 0; }
            var ci = CultureInfo.InvariantCulture;
            stdout.WriteLine($"RHM {p}, rules {grammar.Version.Name()} (rules seed {grammar.Seed?.ToString(ci) ?? "loaded"})");
            stdout.WriteLine($"  P_max = {p.PMax}   n_c*m^L = {p.SampleScale.ToString("G", ci)}   input {p.InputLength} tokens x {p.Vocabulary} symbols");
            stdout.WriteLine($"  train {P}, test {T} ({SamplingOptions.Name(options.Sampling)}, {SamplingOptions.Name(options.Split)}; duplicates {data.Duplicates})");
            stdout.WriteLine($"  train per class: {string.Join(' ', data.Train.ClassCounts())}");
            if (T < 1000) stdout.WriteLine($"  warning: test set of {T} < 1000: error estimates are noisy");
            if (outPath != null) stdout.WriteLine($"  wrote {outPath}");
            if (rulesPath != null) stdout.WriteLine($"  wrote {rulesPath}");
            stdout.WriteLine($"  {seconds.ToString("F3", ci)} s");
            return 0;
        });
        return cmd;
    }

    /// <summary>Fails early, with the option's name, when a file cannot be created in its folder.</summary>
    internal static void CheckWritable(string path, string option)
    {
        string full;
        try { full = Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        { throw new ArgumentException($"{option}: invalid path '{path}'"); }
        if (Directory.Exists(full)) throw new ArgumentException($"{option}: '{path}' is a directory");
        string dir = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(dir)) throw new ArgumentException($"{option}: folder '{dir}' does not exist");
        string probe = Path.Combine(dir, $".rhmlab-write-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try { using (File.Create(probe)) { } File.Delete(probe); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new ArgumentException($"{option}: cannot write to '{dir}' ({e.Message})"); }
    }
}
