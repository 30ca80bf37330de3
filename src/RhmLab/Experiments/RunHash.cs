using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RhmLab.Experiments;

/// <summary>
/// The identity of a run: the first 16 hex digits of the SHA-256 of its full config (<see cref="RunConfig.ToJson"/>)
/// written as canonical JSON. Two configs that set every option alike share a hash however they were written, so a
/// sweep can recognise a run that is already done; any option that differs gives another hash. Adding an option to
/// <see cref="RunConfig"/> changes every hash, which is deliberate: an old result does not say what the new option was.
/// </summary>
public static class RunHash
{
    /// <summary>Number of hex digits kept (64 bits: collisions are negligible for any realistic sweep).</summary>
    public const int Length = 16;

    /// <summary>The hash of a config.</summary>
    public static string Of(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return OfCanonical(Canonical(config.ToJson()));
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
