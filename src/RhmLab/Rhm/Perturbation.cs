namespace RhmLab.Rhm;

/// <summary>Which node(s) of a level a perturbation touches (docs/METHODS.md §1.9).</summary>
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
/// Synonym exchanges and symbol noise at a level (docs/METHODS.md §1.9). They act on a datum's class and choices and
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
        CheckSynonym(level, options.Draw);
        foreach (int j in SelectNodes(level, options.Nodes, rng)) ExchangeOne(choices, level, j, options, rng);
        _grammar.Generate(label, choices, tokens);
    }

    /// <summary>
    /// The synonym exchange of <see cref="SynonymExchange"/> at one given node j of level l, so that a caller can
    /// pair it with <see cref="NoiseAt"/> at the same node. <see cref="PerturbationOptions.Nodes"/> is ignored.
    /// </summary>
    public void SynonymExchangeAt(int label, Span<int> choices, int level, int node, PerturbationOptions options, Rng rng, Span<ushort> tokens)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckSynonym(level, options.Draw);
        CheckNode(level, node);
        ExchangeOne(choices, level, node, options, rng);
        _grammar.Generate(label, choices, tokens);
    }

    /// <summary>The node a selection rule picks at a level (drawing from <paramref name="rng"/> for <c>one-node</c>).</summary>
    public int SelectNode(int level, NodeSelection selection, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (selection == NodeSelection.AllNodes) throw new ArgumentException("all-nodes selects more than one node");
        if (level < 0 || level > _p.Depth) throw new ArgumentOutOfRangeException(nameof(level), $"level must be in 0..{_p.Depth} (got {level})");
        return SelectNodes(level, selection, rng)[0];
    }

    private void CheckSynonym(int level, ReplacementDraw draw)
    {
        if (level < 1 || level > _p.Depth)
            throw new ArgumentOutOfRangeException(nameof(level), $"synonym level must be in 1..{_p.Depth} (got {level})");
        if (draw == ReplacementDraw.ForceChange && _p.Synonyms < 2)
            throw new ArgumentException("force-change synonym exchange needs m >= 2");
    }

    private void CheckNode(int level, int node)
    {
        if (node < 0 || node >= _p.NodesAtLevel(level))
            throw new ArgumentOutOfRangeException(nameof(node), $"node must be in 0..{_p.NodesAtLevel(level) - 1} at level {level} (got {node})");
    }

    private void ExchangeOne(Span<int> choices, int level, int j, PerturbationOptions options, Rng rng)
    {
        int offset = _p.ChoiceOffset(level);
        choices[offset + j] = Redraw(choices[offset + j], _p.Synonyms, options.Draw, rng);
        if (options.Descendants == Descendants.Redraw) RedrawBelow(choices, level, j, rng);
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
        CheckNoise(level);
        NoiseCore(label, choices, level, SelectNodes(level, options.Nodes, rng), options.Draw, rng, tokens);
    }

    /// <summary>
    /// The noise of <see cref="Noise"/> at one given node j of level l (0 ≤ l ≤ L−1), so that a caller can pair it
    /// with a synonym exchange at the same node. <see cref="PerturbationOptions.Nodes"/> and
    /// <see cref="PerturbationOptions.Descendants"/> are ignored (descendants keep their digits).
    /// </summary>
    public void NoiseAt(int label, ReadOnlySpan<int> choices, int level, int node, PerturbationOptions options, Rng rng, Span<ushort> tokens)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckNoise(level);
        CheckNode(level, node);
        NoiseCore(label, choices, level, [node], options.Draw, rng, tokens);
    }

    private void CheckNoise(int level)
    {
        if (level < 0 || level > _p.Depth - 1)
            throw new ArgumentOutOfRangeException(nameof(level), $"noise level must be in 0..{_p.Depth - 1} (got {level})");
    }

    private void NoiseCore(int label, ReadOnlySpan<int> choices, int level, int[] nodes, ReplacementDraw draw, Rng rng, Span<ushort> tokens)
    {
        var c = choices.ToArray();
        var levels = _grammar.LatentSymbols(label, c);
        int offset = level >= 1 ? _p.ChoiceOffset(level) : 0;
        foreach (int j in nodes)
        {
            int old = levels[level][j];
            int b;
            if (level >= 1 && _grammar.Version == RuleVersion.V1)
            {
                // Under v1 only symbols with rules at this level may be substituted.
                var allowed = Enumerable.Range(0, _p.Vocabulary).Where(a => _grammar.HasRules(level, a) && (draw == ReplacementDraw.Uniform || a != old)).ToArray();
                b = allowed.Length == 0 ? old : allowed[rng.NextInt(allowed.Length)];
            }
            else b = Redraw(old, _p.Vocabulary, draw, rng);
            levels[level][j] = b;
            if (level >= 1) c[offset + j] = rng.NextInt(_p.Synonyms);
        }
        if (level >= 1) _grammar.GenerateFrom(levels, level, c);
        for (int i = 0; i < tokens.Length; i++) tokens[i] = (ushort)levels[0][i];
    }
}
