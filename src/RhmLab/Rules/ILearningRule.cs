using System.Numerics;
using RhmLab.Data;
using RhmLab.Networks;
using RhmLab.Numerics;

namespace RhmLab.Rules;

/// <summary>What a rule consumes each step.</summary>
public enum RuleInput
{
    /// <summary>Inputs with their labels (supervised rules).</summary>
    Labelled,
    /// <summary>Anchors stacked with a positive and a negative partner each, [3B, d] (self-supervised rules).</summary>
    Pairs,
    /// <summary>
    /// In-batch pairing, [2n, d]: n data followed by a positive partner each. Every row is an anchor whose positive
    /// is its partner; the rule takes the negatives from the other rows of the batch, so an update of B anchors
    /// passes B rows through the network instead of 3B.
    /// </summary>
    InBatchPairs,
    /// <summary>
    /// Inputs alone, one row per datum: the labels are passed but never read (unsupervised rules such as layer-wise
    /// ICA). Like the self-supervised rules, such a rule is measured by linear probes, not by its own readout.
    /// </summary>
    Unlabelled,
}

/// <summary>What a rule needs from the trainer when it is attached to a network.</summary>
/// <param name="MaxBatch">Largest batch it will see (rows of the forward pass).</param>
/// <param name="FeedbackSeed">Seed of the <c>feedback</c> stream (fixed random matrices).</param>
/// <param name="Train">The training set (only the oracle rule reads it, to refit its feedback).</param>
/// <param name="PairsSeed">Seed of the <c>pairs</c> stream (CLAPP's <c>either</c> mode draws its coins from it).</param>
/// <param name="Seed">Master seed of the run, from which rules derive their own named streams (layer-wise ICA's <c>ica</c>).</param>
public sealed record RuleContext(int MaxBatch, long FeedbackSeed, Dataset? Train = null, long PairsSeed = 0, long Seed = 0);

/// <summary>
/// Scalars a rule reports for one step, averaged into epoch logs. A rule keeps one and fills it again every step
/// (<see cref="Reset"/>), so that a step allocates nothing; the trainer reads it before the next step.
/// </summary>
public sealed class StepStats
{
    /// <summary>Mean loss of the batch (the rule's own objective).</summary>
    public double Loss { get; set; }

    /// <summary>Correctly classified inputs of the batch (supervised rules), else −1.</summary>
    public int Correct { get; set; } = -1;

    /// <summary>Named per-step components (e.g. <c>layer2.pos</c>), averaged per epoch.</summary>
    public Dictionary<string, double> Components { get; } = new(StringComparer.Ordinal);

    /// <summary>Empties the stats for the next step, keeping the dictionary's room.</summary>
    public StepStats Reset()
    {
        Loss = 0;
        Correct = -1;
        Components.Clear();
        return this;
    }
}

/// <summary>
/// The component keys of one layer (<c>layer2.pos</c>, …), built once: a step that wrote <c>prefix + name</c> would
/// make a new string for every key at every step.
/// </summary>
public sealed class ComponentKeys(string prefix)
{
    private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);

    /// <summary>The prefix, e.g. <c>layer2.</c>.</summary>
    public string Prefix { get; } = prefix ?? throw new ArgumentNullException(nameof(prefix));

    /// <summary>The prefix followed by <paramref name="name"/>.</summary>
    public string this[string name] => _keys.TryGetValue(name, out string? key) ? key : _keys[name] = Prefix + name;

    /// <summary>The keys of hidden layers 1 … <paramref name="depth"/> (<c>layer1.</c>, …).</summary>
    public static ComponentKeys[] Layers(int depth) => Enumerable.Range(1, depth).Select(k => new ComponentKeys($"layer{k}.")).ToArray();
}

/// <summary>
/// A learning rule: given the forward pass of a batch, it decides every layer's update, written as a gradient
/// (the update direction before the optimiser) into the <see cref="Parameter{T}.Grad"/> buffers. BP, FA, DFA,
/// the masking ablations, the oracle and the self-supervised rules are siblings behind this interface.
/// </summary>
public interface ILearningRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The rule's name as used on the command line.</summary>
    string Name { get; }

    /// <summary>What the rule consumes.</summary>
    RuleInput Input { get; }

    /// <summary>Binds the rule to a network: allocates its buffers and draws its fixed matrices. Called once.</summary>
    void Attach(Network<T> network, IReadOnlyList<Parameter<T>> networkParameters, RuleContext context);

    /// <summary>Rule-owned trainable tensors (CLAPP's W_pred); empty for most rules.</summary>
    IReadOnlyList<Parameter<T>> OwnParameters { get; }

    /// <summary>Called at the start of every epoch with the current weights (the oracle refits here).</summary>
    void BeginEpoch(int epoch);

    /// <summary>
    /// Computes the update of every parameter from a forward pass (labels for <see cref="RuleInput.Labelled"/>
    /// rules). Self-supervised rules may recompute layers of the pass from detached inputs. The stats returned are
    /// valid until the next step (the built-in rules return the same object every step).
    /// </summary>
    StepStats Step(ForwardPass<T> pass, ReadOnlySpan<int> labels);

    /// <summary>Named per-layer diagnostics of the rule (alignment angles, feedback scales), computed on demand.</summary>
    IReadOnlyDictionary<string, double> Diagnostics();
}
