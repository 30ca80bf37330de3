namespace RhmLab.Rhm;

/// <summary>Which node(s) of a level a perturbation touches (ALGORITHMS.md §1.9).</summary>
public enum NodeSelection
{
    /// <summary>Default: one node, position uniform over the level.</summary>
    OneNode,
    /// <summary>The node at position max(0, s^(L−l) − 2), for parity with [AD].</summary>
    OneNodePenultimate,
    /// <summary>Every node of the level.</summary>
    AllNodes,
}

/// <summary>How the replacement choice or symbol is drawn.</summary>
public enum ReplacementDraw
{
    /// <summary>Default: uniform over the other values, so something always changes.</summary>
    ForceChange,
    /// <summary>Uniform over all values, so nothing changes with probability 1/m (or 1/v).</summary>
    Uniform,
}

/// <summary>What happens to the production choices below a perturbed node.</summary>
public enum Descendants
{
    /// <summary>Default: descendants keep their choice digits, applied to the new symbols.</summary>
    Keep,
    /// <summary>Descendants' choices are drawn again.</summary>
    Redraw,
}

/// <summary>Options of a perturbation; the defaults are RhmLab's conventions.</summary>
public sealed record PerturbationOptions(
    NodeSelection Nodes = NodeSelection.OneNode,
    ReplacementDraw Draw = ReplacementDraw.ForceChange,
    Descendants Descendants = Descendants.Keep)
{
    /// <summary>The [HL] stability observable: all nodes, uniform, redraw.</summary>
    public static PerturbationOptions Stability { get; } = new(NodeSelection.AllNodes, ReplacementDraw.Uniform, Descendants.Redraw);
}

/// <summary>
/// Synonym exchanges and symbol noise at a level (ALGORITHMS.md §1.9). They act on a datum's class and choices and
/// return a new string; the sampled data set is never changed. Draw from the <c>perturb</c> stream.
/// </summary>
public sealed class Perturbation
{
    private readonly Grammar _grammar;
    private readonly RhmParameters _p;

    /// <summary>Creates the perturbations of a grammar.</summary>
    public Perturbation(Grammar grammar)
    {
        _grammar = grammar ?? throw new ArgumentNullException(nameof(grammar));
        _p = grammar.Parameters;
    }

    private int[] SelectNodes(int level, NodeSelection selection, Rng rng)
    {
        int nodes = _p.NodesAtLevel(level);
        return selection switch
        {
            NodeSelection.OneNode => [rng.NextInt(nodes)],
            NodeSelection.OneNodePenultimate => [Math.Max(0, nodes - 2)],
            _ => Enumerable.Range(0, nodes).ToArray(),
        };
    }

    private static int Redraw(int old, int count, ReplacementDraw draw, Rng rng)
    {
        if (draw == ReplacementDraw.Uniform || count < 2) return rng.NextInt(count);
        int c = rng.NextInt(count - 1);
        return c >= old ? c + 1 : c;
    }

    /// <summary>
    /// Synonym exchange at level l (1 ≤ l ≤ L): replaces the production choice of the selected node(s), keeps every
    /// symbol at levels ≥ l, regenerates the subtree. The result is a valid datum of the same class.
    /// </summary>
    /// <param name="label">Class of the datum.</param>
    /// <param name="choices">Its N choices; modified in place to the perturbed datum's choices.</param>
    /// <param name="level">Level l in 1..L.</param>
    /// <param name="options">Node selection, draw and descendants.</param>
    /// <param name="rng">The <c>perturb</c> stream.</param>
    /// <param name="tokens">Output string.</param>
    public void SynonymExchange(int label, Span<int> choices, int level, PerturbationOptions options, Rng rng, Span<ushort> tokens)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (level < 1 || level > _p.Depth)
            throw new ArgumentOutOfRangeException(nameof(level), $"synonym level must be in 1..{_p.Depth} (got {level})");
        if (options.Draw == ReplacementDraw.ForceChange && _p.Synonyms < 2)
            throw new ArgumentException("force-change synonym exchange needs m >= 2");
        int offset = _p.ChoiceOffset(level);
        foreach (int j in SelectNodes(level, options.Nodes, rng))
        {
            choices[offset + j] = Redraw(choices[offset + j], _p.Synonyms, options.Draw, rng);
            if (options.Descendants == Descendants.Redraw) RedrawBelow(choices, level, j, rng);
        }
        _grammar.Generate(label, choices, tokens);
    }

    private void RedrawBelow(Span<int> choices, int level, int node, Rng rng)
    {
        int first = node, count = 1;
        for (int l = level - 1; l >= 1; l--)
        {
            first *= _p.TupleSize;
            count *= _p.TupleSize;
            int offset = _p.ChoiceOffset(l);
            for (int j = first; j < first + count; j++) choices[offset + j] = rng.NextInt(_p.Synonyms);
        }
    }

    /// <summary>
    /// Noise at level l (0 ≤ l ≤ L−1): replaces the symbol of the selected node(s) (at level 0, a token), redraws
    /// its production choice uniformly when l ≥ 1, and regenerates the subtree with descendants keeping their digits.
    /// The result may change the class or, in non-maximal models, be no valid datum.
    /// </summary>
    public void Noise(int label, ReadOnlySpan<int> choices, int level, PerturbationOptions options, Rng rng, Span<ushort> tokens)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (level < 0 || level > _p.Depth - 1)
            throw new ArgumentOutOfRangeException(nameof(level), $"noise level must be in 0..{_p.Depth - 1} (got {level})");
        var c = choices.ToArray();
        var levels = _grammar.LatentSymbols(label, c);
        int offset = level >= 1 ? _p.ChoiceOffset(level) : 0;
        foreach (int j in SelectNodes(level, options.Nodes, rng))
        {
            int old = levels[level][j];
            int b;
            if (level >= 1 && _grammar.Version == RuleVersion.V1)
            {
                // Under v1 only symbols with rules at this level may be substituted.
                var allowed = Enumerable.Range(0, _p.Vocabulary).Where(a => _grammar.HasRules(level, a) && (options.Draw == ReplacementDraw.Uniform || a != old)).ToArray();
                b = allowed.Length == 0 ? old : allowed[rng.NextInt(allowed.Length)];
            }
            else b = Redraw(old, _p.Vocabulary, options.Draw, rng);
            levels[level][j] = b;
            if (level >= 1) c[offset + j] = rng.NextInt(_p.Synonyms);
        }
        if (level >= 1) _grammar.GenerateFrom(levels, level, c);
        for (int i = 0; i < tokens.Length; i++) tokens[i] = (ushort)levels[0][i];
    }
}
