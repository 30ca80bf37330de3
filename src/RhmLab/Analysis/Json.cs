using System.Text.Json.Nodes;

namespace RhmLab.Analysis;

/// <summary>JSON helpers for analysis output.</summary>
internal static class Json
{
    /// <summary>A JSON number, or null for NaN and infinities (JSON has neither).</summary>
    public static JsonNode? Num(double x) => double.IsFinite(x) ? JsonValue.Create(x) : null;

    /// <summary>An array of numbers with nulls for NaN.</summary>
    public static JsonArray Nums(IEnumerable<double> xs) => new(xs.Select(Num).ToArray());
}
