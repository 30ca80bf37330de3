using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RhmLab.Experiments;

/// <summary>
/// The identity of a run: the first 16 hex digits of the SHA-256 of the options of its config
/// (<see cref="RunConfig.ToJson"/>) that differ from their defaults, written as canonical JSON. Two configs that set
/// every option alike share a hash however they were written, so a sweep can recognise a run that is already done;
/// any option that differs gives another hash. Options at their default values are left out so that adding an
/// option (whose default keeps the old behaviour) keeps every earlier hash, and finished runs stay finished. The
/// price: changing an option's default in its declaration would not change the hashes of runs that relied on
/// it, so defaults that change behaviour are resolved in <see cref="ResolvedRun"/> from a null option instead, and
/// the full config is stored in every record. The options of a rule from a plugin are kept even at their defaults:
/// a record of that rule then hashes alike whether or not the process that reads it has loaded the plugin.
/// </summary>
public static class RunHash
{
    /// <summary>Number of hex digits kept (64 bits: collisions are negligible for any realistic sweep).</summary>
    public const int Length = 16;

    /// <summary>The hash of a config.</summary>
    public static string Of(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return OfConfigJson(config.ToJson());
    }

    /// <summary>
    /// The hash of a config written as JSON (a run record's <c>config</c>): its keys whose value differs from the
    /// default's, canonical. Keys that no option has any more are kept, so they still tell runs apart.
    /// </summary>
    public static string OfConfigJson(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var defaults = RunOptions.CanonicalDefaults;
        var kept = new JsonObject();
        foreach (var (key, value) in config)
        {
            if (defaults.TryGetValue(key, out var d) && d == Canonical(value)) continue;
            kept[key] = value?.DeepClone();
        }
        return OfCanonical(Canonical(kept));
    }

    /// <summary>
    /// The hash that versions before defaults were left out gave the same config (every key); kept so that their
    /// records still read as consistent.
    /// </summary>
    public static string OfFullConfigJson(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return OfCanonical(Canonical(config));
    }

    /// <summary>The hash of canonical JSON text.</summary>
    public static string OfCanonical(string canonicalJson)
    {
        ArgumentNullException.ThrowIfNull(canonicalJson);
        byte[] digest = SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson));
        return Convert.ToHexStringLower(digest)[..Length];
    }

    /// <summary>
    /// Canonical JSON: object keys sorted by ordinal comparison at every depth, no white space, numbers and strings as
    /// System.Text.Json writes them. The order in which keys were added never matters.
    /// </summary>
    public static string Canonical(JsonNode? node)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            Write(w, node);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Whether a string has the form of a run hash (so it can name a folder safely).</summary>
    public static bool IsValid(string? hash) =>
        hash is { Length: Length } && hash.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    private static void Write(Utf8JsonWriter w, JsonNode? node)
    {
        switch (node)
        {
            case null:
                w.WriteNullValue();
                break;
            case JsonObject o:
                w.WriteStartObject();
                foreach (var (key, value) in o.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    w.WritePropertyName(key);
                    Write(w, value);
                }
                w.WriteEndObject();
                break;
            case JsonArray a:
                w.WriteStartArray();
                foreach (var item in a) Write(w, item);
                w.WriteEndArray();
                break;
            default:
                node.WriteTo(w);
                break;
        }
    }
}
