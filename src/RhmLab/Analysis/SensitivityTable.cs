using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RhmLab.Analysis;

/// <summary>
/// Synonymic sensitivity of one run under one definition (docs/METHODS.md §4.5): S[k][l] for network layer k
/// (0 = input, L + 1 = logits) and RHM level l. The record field <c>sensitivity</c> may hold one table
/// <c>{"definition", "layers", "levels", "values"}</c>, an array of such tables (one per definition) or a bare
/// matrix; layers default to 0, 1, … and levels to 1, 2, ….
/// </summary>
public sealed class SensitivityTable
{
    /// <summary>Definition name, e.g. <c>sens-distance</c> or <c>sens-correlation</c>.</summary>
    public required string Definition { get; init; }
    /// <summary>Layer index of each row.</summary>
    public required int[] Layers { get; init; }
    /// <summary>Level of each column.</summary>
    public required int[] Levels { get; init; }
    /// <summary>Values[row][column]; NaN where undefined (collapsed representation).</summary>
    public required double[][] Values { get; init; }

    /// <summary>S[layer][level], or NaN where the table has no such layer or level.</summary>
    public double At(int layer, int level)
    {
        int row = Array.IndexOf(Layers, layer), column = Array.IndexOf(Levels, level);
        return row < 0 || column < 0 ? double.NaN : Values[row][column];
    }

    /// <summary>Parses the <c>sensitivity</c> field; empty when absent.</summary>
    public static IReadOnlyList<SensitivityTable> ParseAll(JsonNode? node)
    {
        if (node == null) return [];
        // The record written by a run (Evaluation.SensitivityResult) keeps both definitions side by side.
        if (node is JsonObject both && both["values"] == null && (both["distance"] != null || both["correlation"] != null))
        {
            var tables = new List<SensitivityTable>();
            foreach (var (key, definition) in new[] { ("distance", "sens-distance"), ("correlation", "sens-correlation") })
            {
                if (both[key] is not JsonArray) continue;
                var one = new JsonObject { ["definition"] = definition, ["values"] = both[key]!.DeepClone() };
                if (both["layers"] != null) one["layers"] = both["layers"]!.DeepClone();
                if (both["levels"] != null) one["levels"] = both["levels"]!.DeepClone();
                tables.Add(ParseOne(one, $"'sensitivity.{key}'"));
            }
            return tables;
        }
        if (node is JsonArray a && a.Count > 0 && a.All(x => x is JsonObject))
            return a.Select((x, i) => ParseOne(x!, $"'sensitivity[{i.ToString(CultureInfo.InvariantCulture)}]'")).ToArray();
        return [ParseOne(node, "'sensitivity'")];
    }

    private static SensitivityTable ParseOne(JsonNode node, string what)
    {
        string definition = "sensitivity";
        JsonNode? values = node;
        int[]? layers = null, levels = null;
        if (node is JsonObject o)
        {
            if (o["definition"] is JsonValue d && d.GetValueKind() == JsonValueKind.String) definition = d.GetValue<string>();
            values = o["values"] ?? throw new InvalidDataException($"{what} has no 'values'");
            if (o["layers"] is JsonNode ln) layers = RunRecord.NumArray(ln, $"{what}.layers").Select(ToInt).ToArray();
            if (o["levels"] is JsonNode vn) levels = RunRecord.NumArray(vn, $"{what}.levels").Select(ToInt).ToArray();
        }
        if (values is not JsonArray rows || rows.Count == 0) throw new InvalidDataException($"{what} values are not a matrix");
        var matrix = rows.Select((r, i) => RunRecord.NumArray(r ?? throw new InvalidDataException($"{what} has a null row"), $"{what} row {i}")).ToArray();
        int cols = matrix[0].Length;
        if (cols == 0 || matrix.Any(r => r.Length != cols)) throw new InvalidDataException($"{what} rows differ in length");
        layers ??= Enumerable.Range(0, matrix.Length).ToArray();
        levels ??= Enumerable.Range(1, cols).ToArray();
        if (layers.Length != matrix.Length || levels.Length != cols) throw new InvalidDataException($"{what} layers/levels do not match the matrix");
        return new SensitivityTable { Definition = definition, Layers = layers, Levels = levels, Values = matrix };

        int ToInt(double x) => x == Math.Floor(x) && Math.Abs(x) < 1e6 ? (int)x : throw new InvalidDataException($"{what} index is not an integer");
    }
}
