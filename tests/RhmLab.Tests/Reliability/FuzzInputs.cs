using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace RhmLab.Tests.Reliability;

/// <summary>Random values and mutations of JSON documents, byte strings and command-line tokens.</summary>
public static class FuzzInputs
{
    /// <summary>Numbers that break careless code: limits of every integer type, overflowing doubles, signs, fractions.</summary>
    public static readonly string[] EdgeNumbers =
    [
        "0", "-0", "1", "-1", "2", "3", "7", "8", "0.5", "1.5", "-2.5", "1e-320", "1e308", "-1e308", "1e999", "-1e999", "1e30",
        "127", "128", "255", "256", "32767", "32768", "65535", "65536", "65537", "2147483647", "2147483648", "-2147483648",
        "-2147483649", "4294967296", "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "1e20", "0.1", "3.0", "2e0", "100000", "1000000000",
    ];

    /// <summary>Strings that break careless code: empty, blanks, control characters, non-ASCII, option-like, path-like.</summary>
    public static readonly string[] EdgeStrings =
    [
        "", " ", "x", "null", "true", "NaN", "Infinity", "-Infinity", "1,2", "1 2", "0x10", "1_000", "\u0000", "\n", "\t1",
        "é", "Ω", "😀", "\uFFFF", "--", "-", "--help", "@x", "bp", "dfa", "managed", "openblas", "auto", "v1", "v2",
        "cnn", "mlp", "ce", "sgd", "adam", "ridge", "none", "random", "1/2", "0/0", "2/1", "/", "../x", "a/b", new string('a', 300),
    ];

    /// <summary>One element of an array, uniformly.</summary>
    public static T Pick<T>(this Random rng, IReadOnlyList<T> items) => items[rng.Next(items.Count)];

    /// <summary>A random JSON value, nested at most <paramref name="depth"/> levels.</summary>
    public static JsonNode? Value(Random rng, int depth = 2)
    {
        switch (rng.Next(depth > 0 ? 9 : 7))
        {
            case 0: return null;
            case 1: return JsonValue.Create(rng.Next(2) == 0);
            case 2:
            case 3: return JsonNode.Parse(rng.Pick(EdgeNumbers));
            case 4: return JsonValue.Create(rng.Next(-5, 50));
            case 5:
            case 6: return JsonValue.Create(rng.Pick(EdgeStrings));
            case 7:
            {
                var a = new JsonArray();
                for (int i = rng.Next(4); i > 0; i--) a.Add(Value(rng, depth - 1));
                return a;
            }
            default:
            {
                var o = new JsonObject();
                for (int i = rng.Next(3); i > 0; i--) o[rng.Pick(EdgeStrings) + i.ToString(CultureInfo.InvariantCulture)] = Value(rng, depth - 1);
                return o;
            }
        }
    }

    /// <summary>
    /// A mutated copy of a valid JSON document as text: one to three structural edits (values replaced by values of
    /// other types or by edge values, keys deleted, renamed or added, values wrapped or deeply nested, array items
    /// added or removed), then sometimes an edit of the text itself (truncation, a stray character, a duplicate key, a
    /// comment, a byte-order mark).
    /// </summary>
    public static string MutateJson(JsonNode valid, Random rng, IReadOnlyList<string>? knownKeys = null)
    {
        var root = valid.DeepClone();
        int edits = 1 + rng.Next(3);
        for (int e = 0; e < edits; e++) MutateNode(root, rng, knownKeys);
        string text = root.ToJsonString();
        if (rng.Next(4) == 0) text = MutateText(text, rng);
        return text;
    }

    private static void MutateNode(JsonNode root, Random rng, IReadOnlyList<string>? knownKeys)
    {
        var containers = new List<JsonNode>();
        Collect(root, containers);
        var node = rng.Pick(containers);
        if (node is JsonObject o)
        {
            var keys = o.Select(kv => kv.Key).ToList();
            int op = keys.Count == 0 ? 3 : rng.Next(8);
            string key = keys.Count == 0 ? "" : rng.Pick(keys);
            switch (op)
            {
                case 0:
                case 1: o[key] = Value(rng); break;                                              // another type or an edge value
                case 2: o.Remove(key); break;                                                   // a missing key
                case 3: o[knownKeys != null && rng.Next(2) == 0 ? rng.Pick(knownKeys) : rng.Pick(EdgeStrings) + "k"] = Value(rng); break;   // an extra key
                case 4: { var v = o[key]?.DeepClone(); o.Remove(key); o[Rename(key, rng)] = v; break; }
                case 5: { var v = o[key]?.DeepClone(); o[key] = rng.Next(2) == 0 ? new JsonArray(v) : new JsonObject { ["value"] = v }; break; }
                case 6: o[key] = Deep(rng.Next(2) == 0 ? 70 : 10); break;                        // nesting beyond the reader's limit
                default: o[key] = JsonNode.Parse(rng.Pick(EdgeNumbers)); break;
            }
        }
        else if (node is JsonArray a)
        {
            switch (a.Count == 0 ? 0 : rng.Next(5))
            {
                case 0: a.Add(Value(rng)); break;
                case 1: a.RemoveAt(rng.Next(a.Count)); break;
                case 2: a[rng.Next(a.Count)] = Value(rng); break;
                case 3: a.Add(a[rng.Next(a.Count)]?.DeepClone()); break;                         // a repeated item
                default: a.Clear(); break;
            }
        }
    }

    private static void Collect(JsonNode? node, List<JsonNode> into)
    {
        if (node is JsonObject o) { into.Add(o); foreach (var (_, v) in o) Collect(v, into); }
        else if (node is JsonArray a) { into.Add(a); foreach (var v in a) Collect(v, into); }
    }

    private static string Rename(string key, Random rng) => rng.Next(4) switch
    {
        0 => key.ToUpperInvariant(),
        1 => key + "s",
        2 => key.Length > 1 ? key[1..] : key + key,
        _ => " " + key,
    };

    private static JsonNode Deep(int levels)
    {
        JsonNode n = JsonValue.Create(1);
        for (int i = 0; i < levels; i++) n = new JsonArray(n);
        return n;
    }

    /// <summary>An edit of JSON text: truncation, a deleted or inserted character, a duplicated member, a comment, a BOM.</summary>
    public static string MutateText(string text, Random rng)
    {
        if (text.Length == 0) return "{";
        int at = rng.Next(text.Length);
        switch (rng.Next(7))
        {
            case 0: return text[..at];
            case 1: return text.Remove(at, 1);
            case 2: return text.Insert(at, rng.Pick((string[])["{", "}", "[", "]", ",", ":", "\"", "0", "-", "e", ".", "\\", "\u0000", " ", "é", "\uD800"]));
            case 3:
            {
                // Duplicates the first member of the top-level object textually: "a":1,"a":1 (JsonNode would keep one).
                int open = text.IndexOf('{');
                int comma = text.IndexOf(",\"", open + 1, StringComparison.Ordinal);
                return open >= 0 && comma > open ? text.Insert(comma, "," + text[(open + 1)..comma]) : text + "}";
            }
            case 4: return text.Insert(at, "/* c */");
            case 5: return "\uFEFF" + text;
            default: return text + text[..at];
        }
    }

    /// <summary>Random bit flips in a copy of <paramref name="bytes"/>.</summary>
    public static byte[] FlipBits(byte[] bytes, Random rng, int flips)
    {
        var copy = (byte[])bytes.Clone();
        if (copy.Length == 0) return copy;
        for (int i = 0; i < flips; i++) copy[rng.Next(copy.Length)] ^= (byte)(1 << rng.Next(8));
        return copy;
    }

    /// <summary>Replaces the first occurrence of <paramref name="find"/> in ASCII <paramref name="bytes"/>.</summary>
    public static byte[] ReplaceAscii(byte[] bytes, string find, string replacement)
    {
        var f = Encoding.Latin1.GetBytes(find);
        int at = bytes.AsSpan().IndexOf(f);
        if (at < 0) return bytes;
        var r = Encoding.Latin1.GetBytes(replacement);
        return [.. bytes.AsSpan(0, at), .. r, .. bytes.AsSpan(at + f.Length)];
    }
}
