using System.CommandLine;
using RhmLab.Analysis;
using RhmLab.Analysis.Figures;

namespace RhmLab.Cli;

/// <summary><c>rhmlab plot</c>: one of the paper's figures from a folder of runs, as PNG or SVG.</summary>
internal static class PlotCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var folder = AnalysisInput.Folder();
        var figure = new Option<string>("--figure") { Description = "Figure: " + string.Join("; ", FigureCatalog.All.Select(f => $"{f.Name} = {f.Description}")), Required = true };
        var output = new Option<string>("--out") { Description = "Output file; .png or .svg picks the format", Required = true };
        var measure = new Option<string>("--measure") { Description = "probe (default), network or logistic: the error of error-vs-p, pstar and ica", DefaultValueFactory = _ => "probe" };
        var threshold = new Option<double>("--threshold") { Description = "Threshold as a fraction of 1 − 1/n_c", DefaultValueFactory = _ => 0.1 };
        var rules = new Option<string?>("--rule") { Description = "Only these rules (comma-separated)" };
        var train = new Option<long?>("--train") { Description = "Training-set size of the depth and curves figures (default: the largest per configuration)" };
        var bootstrap = new Option<int>("--bootstrap") { Description = "Bootstrap resamples of the pstar figure", DefaultValueFactory = _ => 1000 };
        var definition = new Option<string?>("--definition") { Description = "Sensitivity definition to plot (default: the first recorded)" };
        var width = new Option<int?>("--width") { Description = "Width in pixels" };
        var height = new Option<int?>("--height") { Description = "Height in pixels" };
        var reading = new Option<string>("--depth-reading") { Description = "depth figure (Fig. 5): one-network (the layers of one network of depth L) or separate-networks (the top layer of networks trained with 1..L layers)", DefaultValueFactory = _ => "one-network" };
        reading.AcceptOnlyFromAmong("one-network", "separate-networks");
        var cmd = new Command("plot", "Draw a figure from the run records under a folder");
        cmd.Arguments.Add(folder);
        foreach (var o in new Option[] { figure, output, measure, threshold, rules, train, bootstrap, definition, width, height, reading }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            string name = parse.GetValue(figure)!;
            if (!FigureCatalog.All.Any(f => f.Name == name))
                throw new ArgumentException($"--figure must be one of {string.Join(", ", FigureCatalog.All.Select(f => f.Name))} (got '{name}')");
            string outPath = parse.GetValue(output)!;
            string ext = Path.GetExtension(outPath).ToLowerInvariant();
            if (ext is not (".png" or ".svg")) throw new ArgumentException($"--out must end in .png or .svg (got '{outPath}')");
            DataCommand.CheckWritable(outPath, "--out");
            var options = new FigureOptions
            {
                Measure = ErrorMeasures.Parse(parse.GetValue(measure)),
                ThresholdFraction = parse.GetValue(threshold),
                Rules = parse.GetValue(rules)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Train = parse.GetValue(train),
                Resamples = parse.GetValue(bootstrap),
                Definition = parse.GetValue(definition),
                Width = parse.GetValue(width),
                Height = parse.GetValue(height),
                DepthReading = parse.GetValue(reading) == "separate-networks" ? DepthReading.SeparateNetworks : DepthReading.OneNetwork,
            };
            Check(options);
            var set = AnalysisInput.Read(parse.GetValue(folder)!, stderr);
            FigureRenderer.Save(FigureCatalog.Build(name, set.Records, options), outPath);
            stdout.WriteLine($"wrote {outPath} ({name}, {set.Records.Count} run record(s))");
            return 0;
        });
        return cmd;
    }

    /// <summary>Checks the numeric options shared by plot and report.</summary>
    internal static void Check(FigureOptions o)
    {
        if (!(o.ThresholdFraction > 0 && o.ThresholdFraction < 1))
            throw new ArgumentException($"--threshold must be in (0, 1) (got {o.ThresholdFraction.ToString(System.Globalization.CultureInfo.InvariantCulture)})");
        if (o.Resamples < 1) throw new ArgumentException($"--bootstrap must be >= 1 (got {o.Resamples})");
        if (o.Width is < 200 or > 8000) throw new ArgumentException($"--width must be in [200, 8000] (got {o.Width})");
        if (o.Height is < 150 or > 8000) throw new ArgumentException($"--height must be in [150, 8000] (got {o.Height})");
        if (o.Train is < 1) throw new ArgumentException($"--train must be >= 1 (got {o.Train})");
    }
}
