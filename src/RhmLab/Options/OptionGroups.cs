using System.Collections.Concurrent;
using System.Reflection;

namespace RhmLab.Options;

/// <summary>
/// Reads the options a type declares: its <see cref="RunOptionAttribute"/> properties and the groups it holds
/// (<see cref="RunOptionGroupAttribute"/>), flattened in declaration order (a base type's first, then each type's own
/// by their place in its file). A group is any class with a public parameterless constructor; its fresh instance
/// holds the defaults. Used on types, to list the keys an options type declares, and on instances, to bind every
/// key to the object that holds its value.
/// </summary>
public static class OptionGroups
{
    private sealed record Member(PropertyInfo Property, OptionField? Field);

    private static readonly ConcurrentDictionary<Type, Member[]> Members = new();

    private static readonly MethodInfo MemberwiseCloneMethod =
        typeof(object).GetMethod("MemberwiseClone", BindingFlags.Instance | BindingFlags.NonPublic)!;

    private static Member[] MembersOf(Type type) => Members.GetOrAdd(type, t =>
    {
        if (t.IsValueType || t.IsAbstract || t.GetConstructor(Type.EmptyTypes) is null)
            throw new InvalidOperationException($"{t.Name}: an options type must be a class with a public parameterless constructor (its fresh instance holds the defaults)");
        var chain = new List<Type>();
        for (var b = t; b != null && b != typeof(object); b = b.BaseType) chain.Insert(0, b);
        var members = new List<Member>();
        foreach (var declaring in chain)
        {
            var own = new List<(int Line, Member Member)>();
            foreach (var p in declaring.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                if (OptionField.Of(p) is { } field)
                {
                    if (!p.CanRead || !p.CanWrite) throw new InvalidOperationException($"{declaring.Name}.{p.Name}: a run option needs a getter and a setter");
                    own.Add((field.Line, new Member(p, field)));
                }
                else if (p.GetCustomAttribute<RunOptionGroupAttribute>() is { } g)
                {
                    if (!p.CanRead || !p.CanWrite) throw new InvalidOperationException($"{declaring.Name}.{p.Name}: a group of options needs a getter and a setter");
                    own.Add((g.Line, new Member(p, null)));
                }
            }
            members.AddRange(own.OrderBy(x => x.Line).Select(x => x.Member));
        }
        return members.ToArray();
    });

    /// <summary>Every option a type declares, its groups' included (absent groups too), in declaration order.</summary>
    public static IReadOnlyList<OptionField> FieldsOf(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var list = new List<OptionField>();
        Walk(type, list, []);
        return list;

        static void Walk(Type t, List<OptionField> list, HashSet<Type> path)
        {
            if (!path.Add(t)) throw new InvalidOperationException($"{t.Name}: a group of options contains itself");
            foreach (var m in MembersOf(t))
                if (m.Field != null) list.Add(m.Field);
                else Walk(m.Property.PropertyType, list, path);
            path.Remove(t);
        }
    }

    /// <summary>Every option an instance holds, with the object that holds its value; options of absent (null) groups are left out.</summary>
    public static IEnumerable<(OptionField Field, object Holder)> Bind(object root)
    {
        ArgumentNullException.ThrowIfNull(root);
        foreach (var m in MembersOf(root.GetType()))
        {
            if (m.Field != null) yield return (m.Field, root);
            else if (m.Property.GetValue(root) is { } group)
                foreach (var x in Bind(group)) yield return x;
        }
    }

    /// <summary>The instance and every group it holds, outermost first.</summary>
    public static IEnumerable<object> Groups(object root)
    {
        ArgumentNullException.ThrowIfNull(root);
        yield return root;
        foreach (var m in MembersOf(root.GetType()))
            if (m.Field == null && m.Property.GetValue(root) is { } group)
                foreach (var g in Groups(group)) yield return g;
    }

    /// <summary>The first group of <paramref name="root"/> (itself included) that is a <paramref name="type"/>, or null.</summary>
    public static object? Find(object root, Type type) => Groups(root).FirstOrDefault(type.IsInstanceOfType);

    /// <summary>A deep copy: lists and groups are copied, so changing the copy leaves the original as it was.</summary>
    public static T Clone<T>(T root) where T : class
    {
        ArgumentNullException.ThrowIfNull(root);
        var copy = (T)MemberwiseCloneMethod.Invoke(root, null)!;
        foreach (var m in MembersOf(root.GetType()))
        {
            var value = m.Property.GetValue(root);
            if (value is int[] list) m.Property.SetValue(copy, list.ToArray());
            else if (m.Field == null && value != null) m.Property.SetValue(copy, Clone(value));
        }
        return copy;
    }

    /// <summary>
    /// Checks every option an instance holds against its declaration, then each group's own checks
    /// (<see cref="ICheckedOptions"/>), innermost first. Throws an <see cref="ArgumentException"/> naming the first refused option.
    /// </summary>
    public static void Validate(object root)
    {
        ArgumentNullException.ThrowIfNull(root);
        foreach (var (field, holder) in Bind(root)) field.Validate(holder);
        foreach (var group in Groups(root).Reverse())
            if (group is ICheckedOptions checkedOptions) checkedOptions.Check();
    }

    /// <summary>
    /// Whether two instances hold the same options: the same type, and the same groups present at every depth. A
    /// rule's options must have the shape of the ones its catalogue row makes.
    /// </summary>
    public static bool SameShape(object a, object b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.GetType() != b.GetType()) return false;
        foreach (var m in MembersOf(a.GetType()))
        {
            if (m.Field != null) continue;
            object? x = m.Property.GetValue(a), y = m.Property.GetValue(b);
            if ((x is null) != (y is null)) return false;
            if (x != null && !SameShape(x, y!)) return false;
        }
        return true;
    }
}
