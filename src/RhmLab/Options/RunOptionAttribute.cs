using System.Runtime.CompilerServices;

namespace RhmLab.Options;

/// <summary>
/// Declares a property of a component's options (a rule's, the trainer's, the network's, ...) as a run option: its
/// key (as in <c>--key</c>, config files and sweep plans), its help, and the values it accepts. The property's type
/// gives the option's type (numbers, booleans, enums whose members carry <see cref="ChoiceAttribute"/>, strings,
/// integer lists; nullable where null means a default that depends on other options), its initial value the
/// default, and its position in the file the order of <c>--help</c> and of a run record's config. Parsing,
/// validation, help, sweep plans, records and run hashes are built from these declarations (<see cref="OptionField"/>),
/// so an option is declared once, beside the code that reads it.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RunOptionAttribute(string key, string help, [CallerLineNumber] int line = 0) : Attribute
{
    /// <summary>The key, e.g. <c>lr</c> or <c>conv-scale</c>.</summary>
    public string Key { get; } = key;
    /// <summary>One-line help, without the choices (they are appended).</summary>
    public string Help { get; } = help;
    /// <summary>Where the declaration stands in its file: the order of a group's options.</summary>
    internal int Line { get; } = line;
    /// <summary>The accepted values of a string option (null: free, or checked by <see cref="Values"/>); enums list theirs themselves.</summary>
    public string[]? Choices { get; set; }
    /// <summary>A type implementing <see cref="IRunOptionValues"/> that checks a string option's values in code.</summary>
    public Type? Values { get; set; }
    /// <summary>Smallest accepted value of a number (or of each entry of a list); NaN: none.</summary>
    public double Min { get; set; } = double.NaN;
    /// <summary>Largest accepted value; NaN: none.</summary>
    public double Max { get; set; } = double.NaN;
    /// <summary>Whether <see cref="Min"/> itself is refused.</summary>
    public bool MinExclusive { get; set; }
    /// <summary>Whether <see cref="Max"/> itself is refused.</summary>
    public bool MaxExclusive { get; set; }
    /// <summary>A second key that means the same option (e.g. <c>depth</c> for <c>L</c>).</summary>
    public string? Alias { get; set; }
    /// <summary>
    /// For a boolean written as a word (<c>probe-stop off|on</c>, <c>dfa-top random|true</c>): the word for false.
    /// Records keep these words, so a boolean that was always a word stays one. Null: a plain JSON boolean.
    /// </summary>
    public string? Off { get; set; }
    /// <summary>The word for true, with <see cref="Off"/>.</summary>
    public string? On { get; set; }
}

/// <summary>
/// Declares a property that holds another group of options (e.g. the trainer's probe-stop settings, or the
/// representation view the local losses share): its options are the owner's, in the place of the declaration. A
/// nullable group may be absent, and its options with it (CLAPP with negatives has no anti-collapse).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RunOptionGroupAttribute([CallerLineNumber] int line = 0) : Attribute
{
    /// <summary>Where the declaration stands in its file.</summary>
    internal int Line { get; } = line;
}

/// <summary>The word that stands for an enum member in options, configs and records (e.g. <c>fan-in</c>).</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class ChoiceAttribute(string text) : Attribute
{
    /// <summary>The word.</summary>
    public string Text { get; } = text;
}

/// <summary>
/// The values of a string option that a fixed list cannot describe: the rule names known to this process, or the
/// anti-collapse syntax. Implementations need a public parameterless constructor.
/// </summary>
public interface IRunOptionValues
{
    /// <summary>The accepted values, when they form a list (null: a syntax, described by <see cref="Describe"/>).</summary>
    IReadOnlyList<string>? Choices { get; }
    /// <summary>What the help adds after the option's own text.</summary>
    string Describe();
    /// <summary>Throws <see cref="ArgumentException"/>, naming <paramref name="key"/>, when the value is not accepted.</summary>
    void Check(string key, string value);
}

/// <summary>
/// A group of options with checks that involve several of its own options (an option that applies only when another
/// is on). <see cref="Check"/> throws an <see cref="ArgumentException"/> naming the option; it runs after every
/// option's own declaration has been checked.
/// </summary>
public interface ICheckedOptions
{
    /// <summary>Throws <see cref="ArgumentException"/>, naming the option, when the group's options do not go together.</summary>
    void Check();
}
