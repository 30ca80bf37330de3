using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using RhmLab.Analysis;
using Spectre.Console;

namespace RhmLab.Cli;

/// <summary><c>rhmlab results</c>: every run record under a folder as a tidy table (CSV, Parquet, JSON or a summary).</summary>
internal static class ResultsCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var folder = AnalysisInput.Folder();
        var csv = new Option<string?>("--csv") { Description = "Write the tidy table (one row per run and layer) as CSV" };
        var parquet = new Option<string?>("--parquet") { Description = "Write the tidy table as Parquet" };
        var json = new Option<bool>("--json") { Description = "Print the tidy table as one JSON object" };
        var cmd = new Command("results", "Collect run records into a tidy table: one row per run and layer (layer 0 = raw input)");
        cmd.Arguments.Add(folder);
        foreach (var o in new Option[] { csv, parquet, json }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            string? csvPath = parse.GetValue(csv), parquetPath = parse.GetValue(parquet);
            if (csvPath != null) DataCommand.CheckWritable(csvPath, "--csv");
            if (parquetPath != null) DataCommand.CheckWritable(parquetPath, "--parquet");
            var set = AnalysisInput.Read(parse.GetValue(folder)!, stderr);
            var table = TidyTable.Build(set.Records);
            bool asJson = parse.GetValue(json);
            if (csvPath != null) CsvExport.Write(table, csvPath);
            if (parquetPath != null) ParquetExport.Write(table, parquetPath);
            if (asJson)
            {
                stdout.WriteLine(ToJson(set, table).ToJsonString());
                return 0;
            }
            string counts = $"{set.Records.Count} run(s), {table.Rows.Count} row(s), {set.Skipped.Count} file(s) skipped";
            if (csvPath != null) stdout.WriteLine($"wrote {csvPath} ({counts})");
            if (parquetPath != null) stdout.WriteLine($"wrote {parquetPath} ({counts})");
            if (csvPath == null && parquetPath == null) PrintSummary(stdout, set);
            return 0;
        });
        return cmd;
    }

    private static JsonObject ToJson(RecordSet set, TidyTable table) => new()
    {
        ["root"] = set.Root,
        ["runs"] = set.Records.Count,
        ["skipped"] = new JsonArray(set.Skipped.Select(s => (JsonNode)new JsonObject { ["path"] = s.Path, ["reason"] = s.Reason }).ToArray()),
        ["columns"] = new JsonArray(table.Columns.Select(c => (JsonNode)c.Name).ToArray()),
        ["rows"] = new JsonArray(table.Rows.Select(row =>
        {
            var o = new JsonObject();
            for (int i = 0; i < row.Length; i++)
                o[table.Columns[i].Name] = row[i] switch
                {
                    null => null,
                    double d => JsonValue.Create(d),
                    long l => JsonValue.Create(l),
                    bool b => JsonValue.Create(b),
                    var x => JsonValue.Create(x.ToString()),
                };
            return (JsonNode)o;
        }).ToArray()),
    };

    /// <summary>One line per rule, configuration and P: how many seeds, and the mean errors.</summary>
    private static void PrintSummary(TextWriter w, RecordSet set)
    {
        var ci = CultureInfo.InvariantCulture;
        var table = new Table().AddColumns("rule", "configuration", "P", "runs", "top probe error", "network test error", "train loss", "epochs", "diverged");
        foreach (var g in RunGrouping.Group(set.Records))
        {
            foreach (var at in g.Runs.GroupBy(r => r.Train).OrderBy(x => x.Key))
            {
                var runs = at.ToList();
                table.AddRow(
                    ConsoleTables.Cell(g.Rule), ConsoleTables.Cell(g.ConfigLabel), at.Key.ToString(ci), runs.Count.ToString(ci),
                    MeanSd(runs.Select(r => r.Error(ErrorMeasure.Probe))), MeanSd(runs.Select(r => r.NetworkTestError)),
                    MeanSd(runs.Select(r => r.TrainLoss)), runs.Average(r => r.EpochsRun).ToString("0.#", ci),
                    runs.Count(r => r.Diverged).ToString(ci));
            }
        }
        ConsoleTables.Write(w, table);
        w.WriteLine($"{set.Records.Count} run record(s) under {set.Root}; {set.Skipped.Count} file(s) skipped. Errors are mean ± sd over seeds.");
    }

    private static string MeanSd(IEnumerable<double> values)
    {
        var xs = values.Where(double.IsFinite).ToArray();
        if (xs.Length == 0) return "-";
        var ci = CultureInfo.InvariantCulture;
        double m = xs.Average();
        if (xs.Length == 1) return m.ToString("0.0000", ci);
        double sd = Math.Sqrt(xs.Sum(x => (x - m) * (x - m)) / (xs.Length - 1));
        return $"{m.ToString("0.0000", ci)} ± {sd.ToString("0.0000", ci)}";
    }
}
