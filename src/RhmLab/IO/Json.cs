using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RhmLab.IO;

/// <summary>JSON helpers shared by every writer of records, tables and reports.</summary>
internal static class Json
{
    /// <summary>A JSON number, or null for NaN and infinities (JSON has neither).</summary>
    public static JsonNode? Num(double x) => double.IsFinite(x) ? JsonValue.Create(x) : null;

    /// <summary>Indented, with text such as ≤ and · written as it is rather than escaped: for files and pages people read.</summary>
    public static readonly JsonSerializerOptions Readable = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>An array of numbers with nulls for NaN.</summary>
    public static JsonArray Nums(IEnumerable<double> xs) => new(xs.Select(Num).ToArray());
}
