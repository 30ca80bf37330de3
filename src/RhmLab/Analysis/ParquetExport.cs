using RhmLab.IO;
using Parquet;
using Parquet.Schema;

namespace RhmLab.Analysis;

/// <summary>
/// Writes a <see cref="TidyTable"/> as one Parquet row group with typed, nullable columns (string, int64, double,
/// boolean), so pandas, pyarrow or DuckDB read it with the right types and no parsing.
/// </summary>
public static class ParquetExport
{
    /// <summary>Writes the table to <paramref name="path"/>, atomically.</summary>
    public static void Write(TidyTable table, string path) =>
        AtomicFile.Write(path, s => WriteAsync(table, s).GetAwaiter().GetResult());

    /// <summary>Writes the table to a seekable stream.</summary>
    public static async Task WriteAsync(TidyTable table, Stream stream, CancellationToken cancel = default)
    {
        var fields = table.Columns.Select(Field).ToArray();
        var schema = new ParquetSchema(fields);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream, cancellationToken: cancel);
        using var group = writer.CreateRowGroup();
        for (int c = 0; c < fields.Length; c++)
        {
            var field = fields[c];
            int col = c;
            switch (table.Columns[c].Type)
            {
                case TidyType.Text:
                    await group.WriteAsync(field, table.Rows.Select(r => (string?)r[col]).ToArray()!);
                    break;
                case TidyType.Integer:
                    await group.WriteAsync<long>(field, table.Rows.Select(r => r[col] is long l ? l : (long?)null).ToArray(), cancellationToken: cancel);
                    break;
                case TidyType.Real:
                    await group.WriteAsync<double>(field, table.Rows.Select(r => r[col] is double d ? d : (double?)null).ToArray(), cancellationToken: cancel);
                    break;
                default:
                    await group.WriteAsync<bool>(field, table.Rows.Select(r => r[col] is bool b ? b : (bool?)null).ToArray(), cancellationToken: cancel);
                    break;
            }
        }
        group.CompleteValidate();
    }

    private static DataField Field(TidyColumn c) => c.Type switch
    {
        TidyType.Text => new DataField<string>(c.Name, true),
        TidyType.Integer => new DataField<long?>(c.Name, true),
        TidyType.Real => new DataField<double?>(c.Name, true),
        _ => new DataField<bool?>(c.Name, true),
    };
}
