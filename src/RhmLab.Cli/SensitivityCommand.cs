using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using RhmLab.Evaluation;
using RhmLab.Experiments;
using Spectre.Console;

namespace RhmLab.Cli;

/// <summary>
/// <c>rhmlab sensitivity RUN</c>: loads a model saved by <c>rhmlab train --save-model</c>, draws its test set again
/// from the saved rules and seeds, and measures the synonymic sensitivity of every layer (docs/METHODS.md §4.5).
/// </summary>
internal static class SensitivityCommand
{
    public static Command Create(TextWriter stdout)
    {
        var folder = new Argument<string>("run") { Description = "Run folder holding model.npz (or the .npz file itself)" };
        var reference = new Option<int>("--reference") { Description = "Test data in the reference set", DefaultValueFactory = _ => 1000 };
        var seed = new Option<long?>("--seed") { Description = "Master seed of the perturb stream (default: the run's seed)" };
        var pre = new Option<bool>("--pre") { Description = "Measure pre-activations instead of post-activations" };
        var diagonal = new Option<bool>("--include-diagonal") { Description = "Average the distance denominator over all pairs, x = y included" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of tables" };
        var cmd = new Command("sensitivity", "Synonymic sensitivity of every layer of a saved model");
        cmd.Arguments.Add(folder);
        foreach (var o in new Option[] { reference, seed, pre, diagonal, json }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var sw = Stopwatch.StartNew();
            int n = parse.GetValue(reference);
            if (n < 2) throw new ArgumentException($"--reference must be >= 2 (got {n})");
            var model = ModelFile.Load(parse.GetValue(folder)!);
            var data = model.RegenerateData();
            if (data.Test.Count < 2) throw new ArgumentException($"--reference: the run's test set has {data.Test.Count} data; at least 2 are needed");
            var options = new SensitivityOptions
            {
                Reference = n,
                Seed = parse.GetValue(seed) ?? model.Config.Seeds.Seed,
                Rep = parse.GetValue(pre) ? SensitivityRep.Pre : SensitivityRep.Post,
                IncludeDiagonal = parse.GetValue(diagonal),
            };
            var result = Sensitivity.Compute(model.Network, data.Test, options);
            if (parse.GetValue(json))
            {
                var o = result.ToJson();
                o["model"] = model.Path;
                o["rule"] = model.Run.Rule;
                o["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 4);
                stdout.WriteLine(o.ToJsonString());
                return 0;
            }
            stdout.WriteLine($"model {model.Path}: rule {model.Run.Rule}, {model.Run.Rhm}, P = {model.Run.Train}, widths {string.Join(',', model.Run.Network.Widths)}");
            PrintTables(stdout, result);
            stdout.WriteLine($"{sw.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s");
            return 0;
        });
        return cmd;
    }

    /// <summary>Prints S_{k,l} and R_{k,l} as one table per definition, layers down and levels across.</summary>
    internal static void PrintTables(TextWriter w, SensitivityResult r)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(w), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        void Table(string title, double[][] m)
        {
            w.WriteLine(title);
            var t = new Table().AddColumn("layer");
            foreach (int l in r.Levels) t.AddColumn($"l = {l}");
            for (int k = 0; k < r.Layers.Length; k++)
                t.AddRow([$"{r.Layers[k]} ({r.LayerNames[k]})", .. m[k].Select(TrainCommand.Fmt)]);
            console.Write(t);
        }
        string rep = r.Options.Rep == SensitivityRep.Post ? "post-activations" : "pre-activations";
        Table($"sens-distance S = E|r(x) - r(P_l x)|^2 / E_(x!=y)|r(x) - r(y)|^2 ({rep}, {r.Reference} reference data)", r.Distance);
        Table("sens-correlation R = C_syn / C_noise (one node; no noise is defined at l = L)", r.Correlation);
    }
}
