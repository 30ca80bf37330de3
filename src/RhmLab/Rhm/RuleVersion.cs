using RhmLab.Options;

namespace RhmLab.Rhm;

/// <summary>Which generator drew the production rules (docs/METHODS.md §1.3).</summary>
public enum RuleVersion
{
    /// <summary>Default: n_c·m then v·m distinct tuples per level, over the full vocabulary ([TLM] <c>sample_rules</c>).</summary>
    [Choice("v2")] V2,
    /// <summary>Legacy: one permutation of all tuples per level, rules only for the symbols used above ([HL]).</summary>
    [Choice("v1")] V1,
}

/// <summary>Parsing and printing of <see cref="RuleVersion"/> names (<c>v1</c>, <c>v2</c>).</summary>
public static class RuleVersions
{
    /// <summary>Reads <c>v1</c> or <c>v2</c> (any case); throws <see cref="ArgumentException"/> naming the field otherwise.</summary>
    public static RuleVersion Parse(string text, string field = "rules") => Choices.Parse<RuleVersion>(text.Trim().ToLowerInvariant(), field);

    /// <summary>The lower-case name of a version.</summary>
    public static string Name(this RuleVersion version) => Choices.Name(version);
}
