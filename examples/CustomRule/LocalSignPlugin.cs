using RhmLab.Experiments;

namespace CustomRule;

/// <summary>
/// The plugin's entry point: the CLI finds this public class in the built assembly
/// (<c>rhmlab train --plugin examples/CustomRule/bin/Release/net10.0/CustomRule.dll --rule local-sign</c>) and
/// registers its rule, whose option then parses, shows in <c>--help</c>, sweeps, hashes and records like a built-in one.
/// </summary>
public sealed class LocalSignPlugin : IRulePlugin
{
    /// <inheritdoc/>
    public IEnumerable<RuleDefinition> Rules =>
    [
        RuleDefinition.For<LocalSignOptions>(LocalSignRule.RuleName, RuleKind.Supervised, "local",
            "layer-local supervised with sign-concordant local feedback: every layer trained through its own fixed random readout of the label, the error sent back through the readout's signs",
            (options, _) => new LocalSignRule(options)),
    ];
}
