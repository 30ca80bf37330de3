using RhmLab.IO;
using CsvHelper;

namespace RhmLab.Analysis;

/// <summary>Writes a <see cref="TidyTable"/> as RFC 4180 CSV (UTF-8, header row, empty field for a missing value).</summary>
public static class CsvExport
{
    /// <summary>Writes the table to <paramref name="path"/>, atomically.</summary>
    public static void Write(TidyTable table, string path) => AtomicFile.Write(path, s => Write(table, s));

    /// <summary>Writes the table to a stream, which stays open.</summary>
    public static void Write(TidyTable table, Stream stream)
    {
        using var csv = CsvWriter.Create(stream, CsvWriterOptions.Default, leaveOpen: true);
        csv.WriteHeader(table.Columns.Select(c => c.Name).ToArray());
        foreach (var row in table.Rows)
        {
            foreach (var cell in row)
            {
                // Numbers go through the typed overloads, which write the shortest round-trip text in the
                // invariant culture; true/false are written lower-case as most data-frame readers expect.
                switch (cell)
                {
                    case null: csv.WriteField((string?)null); break;
                    case double d: csv.WriteField(d); break;
                    case long l: csv.WriteField(l); break;
                    case int i: csv.WriteField((long)i); break;
                    case bool b: csv.WriteField(b ? "true" : "false"); break;
                    default: csv.WriteField(cell.ToString()); break;
                }
            }
            csv.EndRecord();
        }
    }
}
