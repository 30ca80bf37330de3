using System.Runtime.CompilerServices;

namespace RhmLab.Experiments;

/// <summary>
/// Declares a property of <see cref="RunConfig"/> as a run option: its key (as in <c>--key</c>, config files and
/// sweep plans), its help, and the values it accepts. The property's type gives the option's type, its initial value
/// the default, and its position in the file the order of <c>--help</c> and of a run record's config.
/// <see cref="RunOptions"/> builds its table from these declarations, so an option is declared once, here, and read
/// by its consumer; <see cref="ResolvedRun"/> keeps only the checks that involve several options.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RunOptionAttribute(string key, string help, [CallerLineNumber] int line = 0) : Attribute
{
    /// <summary>The key, e.g. <c>lr</c> or <c>conv-scale</c>.</summary>
    public string Key { get; } = key;
    /// <summary>One-line help, without the choices (they are appended).</summary>
    public string Help { get; } = help;
    /// <summary>Where the declaration stands in RunConfig.cs: the order of the options.</summary>
    internal int Line { get; } = line;
    /// <summary>The accepted values of a string option (null: free, or checked by <see cref="Values"/>).</summary>
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
