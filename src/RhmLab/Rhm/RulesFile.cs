using RhmLab.IO;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RhmLab.Rhm;

/// <summary>
/// Saves and loads a grammar's production rules as JSON. Tables are written bottom-up under keys "1".."L", each a
/// [parents][m][s] nested array of symbols (row a, production j = the s level-(l−1) symbols of level-l symbol a).
/// </summary>
public static class RulesFile
{
    private const string Format = "rhmlab-rules";

    /// <summary>The JSON text of a grammar.</summary>
    public static string ToJson(Grammar grammar)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        var p = grammar.Parameters;
        var rules = new JsonObject();
        for (int l = 1; l <= p.Depth; l++)
        {
            var table = grammar.Productions(l);
            var rows = new JsonArray();
            for (int a = 0; a < p.ParentsAtLevel(l); a++)
            {
                var prods = new JsonArray();
                for (int j = 0; j < p.Synonyms; j++)
                {
                    var tuple = new JsonArray();
                    for (int q = 0; q < p.TupleSize; q++) tuple.Add(table[(a * p.Synonyms + j) * p.TupleSize + q]);
                    prods.Add(tuple);
                }
                rows.Add(prods);
            }
            rules[l.ToString(System.Globalization.CultureInfo.InvariantCulture)] = rows;
        }
        var root = new JsonObject
        {
            ["format"] = Format,
            ["nc"] = p.Classes,
            ["m"] = p.Synonyms,
            ["v"] = p.Vocabulary,
            ["s"] = p.TupleSize,
            ["L"] = p.Depth,
            ["rules_version"] = grammar.Version.Name(),
            ["rules_seed"] = grammar.Seed,
            ["level_numbering"] = "bottom-up: key l is the table of level l (1 = just above the input tokens, L = the classes)",
            ["rules"] = rules,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Writes a grammar to a JSON file (atomically: a temporary file, then a rename).</summary>
    public static void Save(Grammar grammar, string path)
    {
        AtomicFile.WriteAllText(path, ToJson(grammar));
    }

    /// <summary>Reads a grammar from a JSON file; every problem is an <see cref="InvalidDataException"/> naming the file and field.</summary>
    public static Grammar Load(string path)
    {
        string text;
        try { text = TextInput.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: cannot read rules file ({(e is ArgumentException or NotSupportedException ? "not a valid path" : e.Message)})");
        }
        try { return FromJson(text); }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or JsonException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: {FirstLine(e.Message)}");
        }
    }

    private static string FirstLine(string s) { int i = s.IndexOf('\n'); return i < 0 ? s : s[..i]; }

    /// <summary>Parses a grammar from JSON text and validates every table.</summary>
    public static Grammar FromJson(string json)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(json); }
        catch (JsonException e) { throw new InvalidDataException($"not valid JSON ({FirstLine(e.Message)})"); }
        if (node is not JsonObject root) throw new InvalidDataException("rules file must hold a JSON object");
        int Int(string key)
        {
            if (root[key] is not JsonValue v || !v.TryGetValue(out int x))
            {
                if (root[key] is JsonValue d && d.TryGetValue(out double dx) && dx == Math.Floor(dx) && Math.Abs(dx) < int.MaxValue) return (int)dx;
                throw new InvalidDataException($"field '{key}' must be an integer");
            }
            return x;
        }
        var p = new RhmParameters(Int("nc"), Int("m"), Int("v"), Int("s"), Int("L"));
        var version = RuleVersion.V2;
        if (root["rules_version"] is JsonValue rv)
            version = RuleVersions.Parse(rv.TryGetValue(out string? sv) ? sv : "?", "rules_version");
        long? seed = root["rules_seed"] is JsonValue sd && sd.TryGetValue(out long sl) ? sl : null;
        p.Validate(version == RuleVersion.V1);
        if (root["rules"] is not JsonObject rules) throw new InvalidDataException("field 'rules' must be an object with keys \"1\"..\"L\"");
        var tables = new int[p.Depth][];
        for (int l = 1; l <= p.Depth; l++)
        {
            string key = l.ToString(System.Globalization.CultureInfo.InvariantCulture);
            int parents = p.ParentsAtLevel(l);
            if (rules[key] is not JsonArray rows || rows.Count != parents)
                throw new InvalidDataException($"field 'rules.{key}' must be an array of {parents} parents");
            var table = new int[parents * p.Synonyms * p.TupleSize];
            for (int a = 0; a < parents; a++)
            {
                if (rows[a] is not JsonArray prods || prods.Count != p.Synonyms)
                    throw new InvalidDataException($"field 'rules.{key}[{a}]' must be an array of {p.Synonyms} productions");
                for (int j = 0; j < p.Synonyms; j++)
                {
                    if (prods[j] is not JsonArray tuple || tuple.Count != p.TupleSize)
                        throw new InvalidDataException($"field 'rules.{key}[{a}][{j}]' must be an array of {p.TupleSize} symbols");
                    for (int q = 0; q < p.TupleSize; q++)
                    {
                        if (tuple[q] is not JsonValue sym || !sym.TryGetValue(out int b))
                            throw new InvalidDataException($"field 'rules.{key}[{a}][{j}][{q}]' must be an integer");
                        table[(a * p.Synonyms + j) * p.TupleSize + q] = b;
                    }
                }
            }
            tables[l - 1] = table;
        }
        return Grammar.FromTables(p, tables, version, seed);
    }
}
