using System.Collections.Concurrent;
using System.Reflection;

namespace RhmLab.Options;

/// <summary>
/// The words of an enum's members (<see cref="ChoiceAttribute"/>), in declaration order: the one list of an option's
/// values, which parsing, help and records all read.
/// </summary>
public static class Choices
{
    private sealed record Table(string[] Words, Enum[] Values);

    private static readonly ConcurrentDictionary<Type, Table> Tables = new();

    private static Table Of(Type type) => Tables.GetOrAdd(type, t =>
    {
        if (!t.IsEnum) throw new InvalidOperationException($"{t.Name} is not an enum");
        var members = t.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (Field: f, Choice: f.GetCustomAttribute<ChoiceAttribute>()))
            .Where(x => x.Choice != null)
            .OrderBy(x => x.Field.MetadataToken)
            .ToArray();
        if (members.Length == 0) throw new InvalidOperationException($"{t.Name}: no member carries [Choice]");
        return new Table(members.Select(x => x.Choice!.Text).ToArray(), members.Select(x => (Enum)x.Field.GetValue(null)!).ToArray());
    });

    /// <summary>The words of an enum, in declaration order.</summary>
    public static IReadOnlyList<string> Words(Type enumType) => Of(enumType).Words;

    /// <summary>The word of a member; a member without one is a programming error.</summary>
    public static string Name(Enum value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var t = Of(value.GetType());
        int i = Array.IndexOf(t.Values, value);
        return i >= 0 ? t.Words[i] : throw new InvalidOperationException($"{value.GetType().Name}.{value} has no [Choice]");
    }

    /// <summary>The member of a word; an unknown word is a one-line error naming <paramref name="key"/>.</summary>
    public static object Parse(Type enumType, string text, string key)
    {
        var t = Of(enumType);
        int i = Array.IndexOf(t.Words, text);
        return i >= 0 ? t.Values[i] : throw new ArgumentException($"{key}: unknown value '{text}' (expected {string.Join(", ", t.Words)})");
    }

    /// <summary>The member of a word; an unknown word is a one-line error naming <paramref name="key"/>.</summary>
    public static TEnum Parse<TEnum>(string text, string key) where TEnum : struct, Enum => (TEnum)Parse(typeof(TEnum), text, key);
}
