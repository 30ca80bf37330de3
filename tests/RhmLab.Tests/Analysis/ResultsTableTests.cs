using CsvHelper;
using Parquet;
using RhmLab.Analysis;
using RhmLab.Tests.Cli;

namespace RhmLab.Tests.Analysis;

/// <summary>The tidy table, its CSV and Parquet files, and <c>rhmlab results</c>.</summary>
public sealed class ResultsTableTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Two L = 2 runs and one L = 3 run, one of them with logistic probes.</summary>
    private string WriteThree()
    {
        string root = Path.Combine(_dir.Path, "in");
        SyntheticRuns.Write(root, "a", SyntheticRuns.Record("bp", 3, 3, 3, 2, 20, 1, [0.4, 0.3], network: 0.25));
        var withLogistic = SyntheticRuns.Record("clapp", 3, 3, 3, 2, 40, 2, [0.35, double.NaN], lr: "0.01");
        withLogistic["logistic_probe_errors"] = new System.Text.Json.Nodes.JsonArray(0.33, 0.22);
        SyntheticRuns.Write(root, "b", withLogistic);
        SyntheticRuns.Write(root, "deep/c", SyntheticRuns.Record("bp", 4, 4, 4, 3, 64, 3, [0.5, 0.4, 0.1], network: 0.12));
        return root;
    }

    private static readonly string[] LeadingColumns =
    [
        "run_id", "path", "rule", "nc", "m", "v", "s", "L", "train", "test", "seed", "widths", "layer", "layer_width",
        "probe_error", "logistic_probe_error", "network_test_error", "test_error", "train_loss",
    ];

    [Fact]
    public void OneRowPerRunAndLayerIncludingTheInput()
    {
        var set = RecordReader.Read(WriteThree());
        var t = TidyTable.Build(set.Records);
        Assert.Equal(3 + 3 + 4, t.Rows.Count);
        Assert.Equal(LeadingColumns, t.Columns.Take(LeadingColumns.Length).Select(c => c.Name));
        Assert.Contains(t.Columns, c => c.Name == "cfg_lr" && c.Type == TidyType.Real);
        Assert.Contains(t.Columns, c => c.Name == "cfg_optimizer");
        Assert.DoesNotContain(t.Columns, c => c.Name == "cfg_seed");
        int layer = t.IndexOf("layer"), probe = t.IndexOf("probe_error"), logistic = t.IndexOf("logistic_probe_error"), run = t.IndexOf("run_id");
        var deep = t.Rows.Where(r => (string)r[run]! == "runs/deep/c").ToList();
        Assert.Equal([0L, 1L, 2L, 3L], deep.Select(r => (long)r[layer]!));
        Assert.Equal(0.1, (double)deep[3][probe]!);
        var b = t.Rows.Where(r => (string)r[run]! == "runs/b").ToList();
        Assert.Null(b[2][probe]);
        Assert.Equal(0.22, (double)b[2][logistic]!);
        Assert.Null(b[0][logistic]);
    }

    [Fact]
    public void CsvHasTheHeaderAndOneLinePerRow()
    {
        string root = WriteThree();
        string csv = _dir.File("t.csv");
        var r = Cli.Cli.Run("results", root, "--csv", csv);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("3 run(s), 10 row(s)", r.Stdout);
        using var reader = CsvReader.FromFile(csv);
        Assert.True(reader.Read());
        var header = reader.Headers.ToArray();
        Assert.Equal(LeadingColumns, header.Take(LeadingColumns.Length));
        int rows = 1;
        int widths = Array.IndexOf(header, "widths"), probe = Array.IndexOf(header, "probe_error");
        var first = reader.Current.ToArray();
        Assert.Equal("18,18", first[widths]);
        while (reader.Read()) rows++;
        Assert.Equal(10, rows);
        string text = File.ReadAllText(csv);
        Assert.DoesNotContain("NaN", text);
    }

    [Fact]
    public async Task ParquetRoundTrips()
    {
        string root = WriteThree();
        var set = RecordReader.Read(root);
        var table = TidyTable.Build(set.Records);
        string file = _dir.File("t.parquet");
        var r = Cli.Cli.Run("results", root, "--parquet", file);
        Assert.True(r.ExitCode == 0, r.ToString());

        await using var reader = await ParquetReader.CreateAsync(file);
        Assert.Equal(table.Columns.Select(c => c.Name), reader.Schema.DataFields.Select(f => f.Name));
        Assert.Equal(1, reader.RowGroupCount);
        var group = reader.OpenRowGroupReader(0);
        Assert.Equal(table.Rows.Count, group.RowCount);
        for (int c = 0; c < table.Columns.Count; c++)
        {
            var field = reader.Schema.DataFields[c];
            object?[] read = table.Columns[c].Type switch
            {
                TidyType.Text => await ReadStrings(group, field, table.Rows.Count),
                TidyType.Integer => (await Read<long>(group, field, table.Rows.Count)).Select(x => (object?)x).ToArray(),
                TidyType.Real => (await Read<double>(group, field, table.Rows.Count)).Select(x => (object?)x).ToArray(),
                _ => (await Read<bool>(group, field, table.Rows.Count)).Select(x => (object?)x).ToArray(),
            };
            Assert.Equal(table.Rows.Select(row => row[c]), read);
        }
    }

    private static async Task<object?[]> ReadStrings(ParquetRowGroupReader g, Parquet.Schema.DataField f, int n)
    {
        var buffer = new string?[n];
        await g.ReadAsync(f, buffer.AsMemory());
        return buffer.Select(x => (object?)x).ToArray();
    }

    private static async Task<T?[]> Read<T>(ParquetRowGroupReader g, Parquet.Schema.DataField f, int n) where T : struct
    {
        var buffer = new T?[n];
        await g.ReadAsync<T>(f, buffer.AsMemory());
        return buffer;
    }

    [Fact]
    public void SummaryAndJsonOutput()
    {
        string root = WriteThree();
        var r = Cli.Cli.Run("results", root);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("nc=4 m=4 v=4 L=3", r.Stdout);
        Assert.Contains("3 run record(s)", r.Stdout);
        var j = Cli.Cli.Run("results", root, "--json");
        var o = System.Text.Json.Nodes.JsonNode.Parse(j.Stdout)!.AsObject();
        Assert.Equal(3, (int)o["runs"]!);
        Assert.Equal(10, o["rows"]!.AsArray().Count);
    }
}
