using System.Numerics;
using System.Runtime.InteropServices;
using RhmLab.Networks;
using RhmLab.Numerics;
using RhmLab.Rhm;
using RhmLab.Options;

namespace RhmLab.Rules;

/// <summary>What a layer does when it asks for more components than its patches have (<c>ica-overcomplete</c>).</summary>
public enum IcaWidthMode
{
    /// <summary>Default (<c>cap</c>): H_k := min(H_k, rank); the units beyond the rank are dead (zero weights and bias).</summary>
    [Choice("cap")] Cap,
    /// <summary><c>restarts</c>: concatenate ⌈H_k/rank⌉ fits from different initialisations, keeping the first H_k components.</summary>
    [Choice("restarts")] Restarts,
    /// <summary>
    /// <c>rica</c>: reconstruction ICA (<see cref="ReconstructionIca"/>), one fit of H_k components however many the
    /// patches' rank allows, so that every unit is live and more units change what each one detects.
    /// </summary>
    [Choice("rica")] Reconstruction,
}

/// <summary>The nonlinearity of the layer-wise ICA network (docs/METHODS.md §3.12).</summary>
public enum IcaNonlinearity
{
    /// <summary>The network's ReLU (abs and relu-pm of §3.12 are not implemented).</summary>
    [Choice("relu")] Relu,
}

/// <summary>
/// The run options of the layer-wise ICA rule (docs/METHODS.md §3.12), and the fit's own settings, which are not run
/// options (their defaults are the method's).
/// </summary>
public sealed record LayerwiseIcaOptions : ICheckedOptions
{
    /// <summary>Patches per layer above which the patches are subsampled uniformly (2·10^5).</summary>
    [RunOption("ica-max-patches", "Layer-wise ICA: subsample each layer's patches to at most this many", Min = 1)]
    public int MaxPatches { get; set; } = 200_000;

    /// <summary>Handling of H_k &gt; rank.</summary>
    [RunOption("ica-overcomplete", "Layer-wise ICA with more units than the patch rank: cap (FastICA; dead units beyond the rank), restarts (concatenated FastICA fits) or rica (reconstruction ICA, overcomplete; Le et al. 2011); expand is not implemented")]
    public IcaWidthMode WidthMode { get; set; } = IcaWidthMode.Cap;

    /// <summary>Under <see cref="IcaWidthMode.Reconstruction"/>: RICA's sparsity weight λ (0.1).</summary>
    [RunOption("ica-rica-lambda", "Layer-wise ICA under ica-overcomplete = rica: weight λ of the log-cosh sparsity against the reconstruction cost", Min = 0)]
    public double RicaSparsity { get; set; } = 0.1;

    /// <summary>The nonlinearity.</summary>
    [RunOption("ica-nonlin", "Layer-wise ICA nonlinearity: the network's ReLU (abs and relu-pm of docs/METHODS.md §3.12 are not implemented)")]
    public IcaNonlinearity Nonlinearity { get; set; } = IcaNonlinearity.Relu;

    /// <summary>FastICA iteration limit (200).</summary>
    public int MaxIterations { get; init; } = 200;

    /// <summary>FastICA convergence threshold (1e-4).</summary>
    public double Tolerance { get; init; } = 1e-4;

    /// <summary>Under <see cref="IcaWidthMode.Reconstruction"/>: L-BFGS iterations at most (400).</summary>
    public int RicaMaxIterations { get; init; } = 400;

    /// <inheritdoc/>
    public void Check()
    {
        if (RicaSparsity != new LayerwiseIcaOptions().RicaSparsity && WidthMode != IcaWidthMode.Reconstruction)
            throw new ArgumentException($"ica-rica-lambda: applies only with ica-overcomplete = rica (ica-overcomplete = {Choices.Name(WidthMode)})");
    }
}

/// <summary>What was fitted for one layer.</summary>
/// <param name="Layer">k, from 1.</param>
/// <param name="Patches">Patch rows the fit used (after subsampling).</param>
/// <param name="AvailablePatches">P·d_k, the patches before subsampling.</param>
/// <param name="Rank">Numerical rank of the centred patches.</param>
/// <param name="Components">Live units: components written into the layer (the rest are dead).</param>
/// <param name="Fits">The FastICA fits, more than one under <see cref="IcaWidthMode.Restarts"/>.</param>
public sealed record IcaLayerFit(int Layer, int Patches, long AvailablePatches, int Rank, int Components, IReadOnlyList<IcaResult> Fits)
{
    /// <summary>Fixed-point iterations of the slowest fit.</summary>
    public int Iterations => Fits.Max(f => f.Iterations);

    /// <summary>True when every fit converged before the iteration limit.</summary>
    public bool Converged => Fits.All(f => f.Converged);
}

/// <summary>
/// Layer-wise ICA (docs/METHODS.md §3.12, the paper's Fig. 6): before the first epoch, layers 1..K are fitted in
/// turn, each by FastICA on every patch of the layer below over the training set, so that the pre-activations are
/// exactly the ICA sources a^k_p = U·(patch_p − mean), with unit variance over the training patches and positive
/// skew. Nothing is learnt afterwards: every step writes zero updates and all network parameters are frozen.
/// </summary>
/// <remarks>
/// The network's widths are fixed when it is built, but a layer's rank is only known once the layer below has been
/// fitted. Under <c>cap</c> the units beyond the rank therefore stay in the network as dead units (zero weights and
/// zero bias, so a = 0 and ρ(a) = 0), and the live count is recorded as <c>layerK.ica_components</c>.
/// The nonlinearity is the network's ReLU (<c>ica-nonlin = relu</c>); <c>abs</c> and <c>relu-pm</c> are not
/// implemented.
/// </remarks>
public sealed class LayerwiseIcaRule<T> : ILearningRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Chunk = 1024;
    private readonly LayerwiseIcaOptions _options;
    private Network<T>? _net;
    private IReadOnlyList<Parameter<T>> _params = [];
    private readonly StepStats _stats = new();
    private RuleContext _context = new(1, 0);
    private readonly List<IcaLayerFit> _fits = [];

    /// <summary>Creates the rule.</summary>
    public LayerwiseIcaRule(LayerwiseIcaOptions? options = null)
    {
        _options = options ?? new LayerwiseIcaOptions();
        if (_options.MaxPatches < 1) throw new ArgumentException($"ica-max-patches: must be >= 1 (got {_options.MaxPatches})");
    }

    /// <inheritdoc />
    public string Name => "ica";

    /// <inheritdoc />
    public RuleInput Input => RuleInput.Unlabelled;

    /// <inheritdoc />
    public IReadOnlyList<Parameter<T>> OwnParameters => [];

    /// <summary>The fit of every layer, in order, once <see cref="BeginEpoch"/> has run.</summary>
    public IReadOnlyList<IcaLayerFit> Fits => _fits;

    /// <inheritdoc />
    public void Attach(Network<T> network, IReadOnlyList<Parameter<T>> networkParameters, RuleContext context)
    {
        _net = network ?? throw new ArgumentNullException(nameof(network));
        _params = networkParameters ?? throw new ArgumentNullException(nameof(networkParameters));
        _context = context ?? throw new ArgumentNullException(nameof(context));
        if (context.Train is null || context.Train.Count == 0) throw new ArgumentException("ica: the rule needs the training set");
        if (network.Config.Bias == BiasMode.None)
            throw new ArgumentException("bias: the ica rule needs a bias (per-channel or per-position) to centre the patches");
        foreach (var p in networkParameters) p.Frozen = true;
    }

    /// <inheritdoc />
    public void BeginEpoch(int epoch)
    {
        if (epoch != 0 || _fits.Count > 0) return;
        var net = _net ?? throw new InvalidOperationException("rule is not attached");
        var rng = Rng.ForStream(_context.Seed, "ica");
        for (int k = 0; k < net.Depth; k++) _fits.Add(FitLayer(net, k, rng));
    }

    private IcaLayerFit FitLayer(Network<T> net, int k, Rng rng)
    {
        var train = _context.Train!;
        var layer = net.Layers[k];
        int fanIn = layer.FanIn, positions = layer.Positions;
        long available = (long)train.Count * positions;
        int rows = (int)Math.Min(available, _options.MaxPatches);
        var keep = SelectRows(available, rows, rng);
        var patches = new T[(long)rows * fanIn];
        int filled = 0;
        int chunk = Math.Min(Chunk, train.Count);
        var pass = net.CreatePass(chunk);
        for (int start = 0; start < train.Count && filled < rows; start += chunk)
        {
            int b = Math.Min(chunk, train.Count - start);
            long first = (long)start * positions, end = first + (long)b * positions;
            if (keep != null && keep[filled] >= end) continue; // no selected patch in this chunk
            net.ForwardTokens(train.TokenData, start, b, pass, k);
            // Patches of layer k are a free reshape of the layer below ([B·d_{k−1}, C] → [B·d_k, s·C]).
            for (long r = first; r < end && filled < rows; r++)
            {
                if (keep != null && keep[filled] != r) continue;
                int local = (int)(r - first);
                var dst = patches.AsSpan((int)((long)filled * fanIn), fanIn);
                if (k == 0) OneHotPatch(net, pass.Tokens.AsSpan(local * layer.Kernel, layer.Kernel), dst);
                else pass.Post[k - 1].AsSpan(local * fanIn, fanIn).CopyTo(dst);
                filled++;
            }
        }

        int width = layer.Width;
        var icaOptions = new IcaOptions { Components = width, MaxIterations = _options.MaxIterations, Tolerance = _options.Tolerance };
        if (_options.WidthMode == IcaWidthMode.Reconstruction)
        {
            var rica = new RicaOptions { Components = width, Sparsity = _options.RicaSparsity, MaxIterations = _options.RicaMaxIterations };
            var single = FitRica(patches, rows, fanIn, rica, rng, net);
            WriteLayer(net, k, [single], width);
            return new IcaLayerFit(k + 1, rows, available, single.Rank, width, [single]);
        }
        var fits = new List<IcaResult> { Fit(patches, rows, fanIn, icaOptions, rng, net) };
        int rank = fits[0].Rank;
        int components = fits[0].Components;
        if (_options.WidthMode == IcaWidthMode.Restarts)
        {
            // Later fits draw fresh initial rotations from the continuing ica stream.
            while (components < width)
            {
                fits.Add(Fit(patches, rows, fanIn, icaOptions, rng, net));
                components = Math.Min(width, components + fits[^1].Components);
            }
        }
        WriteLayer(net, k, fits, components);
        return new IcaLayerFit(k + 1, rows, available, rank, components, fits);
    }

    /// <summary>The sorted rows to keep when subsampling (selection sampling, uniform over subsets), or null for all.</summary>
    private static long[]? SelectRows(long available, int rows, Rng rng)
    {
        if (rows >= available) return null;
        var keep = new long[rows];
        int need = rows;
        for (long r = 0; r < available && need > 0; r++)
            if (rng.NextDouble() * (available - r) < need) keep[rows - need--] = r;
        return keep;
    }

    private static void OneHotPatch(Network<T> net, ReadOnlySpan<int> tokens, Span<T> dst)
    {
        dst.Clear();
        int v = net.Vocabulary;
        for (int q = 0; q < tokens.Length; q++) dst[q * v + tokens[q]] = T.One;
    }

    private static IcaResult Fit(T[] patches, int rows, int cols, IcaOptions options, Rng rng, Network<T> net)
    {
        if (typeof(T) == typeof(float))
            return FastIca.Fit(MemoryMarshal.Cast<T, float>(patches.AsSpan()), rows, cols, options, rng, net.MatMul);
        if (typeof(T) == typeof(double))
            return FastIca.Fit(MemoryMarshal.Cast<T, double>(patches.AsSpan()), rows, cols, options, rng, net.MatMul);
        throw new NotSupportedException($"ica: element type {typeof(T).Name} is not supported");
    }

    private static IcaResult FitRica(T[] patches, int rows, int cols, RicaOptions options, Rng rng, Network<T> net)
    {
        if (typeof(T) == typeof(float))
            return ReconstructionIca.Fit(MemoryMarshal.Cast<T, float>(patches.AsSpan()), rows, cols, options, rng, net.MatMul);
        if (typeof(T) == typeof(double))
            return ReconstructionIca.Fit(MemoryMarshal.Cast<T, double>(patches.AsSpan()), rows, cols, options, rng, net.MatMul);
        throw new NotSupportedException($"ica: element type {typeof(T).Name} is not supported");
    }

    /// <summary>
    /// Writes the unmixing rows into layer k so that a^k_p = U·(patch_p − mean): stored Wᵀ = Uᵀ/σ_k (the forward
    /// pass multiplies by σ_k) and bias −U·mean (divided by the legacy per-position multiplier where that applies).
    /// </summary>
    private static void WriteLayer(Network<T> net, int k, List<IcaResult> fits, int components)
    {
        var layer = net.Layers[k];
        int h = layer.Width, fanIn = layer.FanIn;
        var w = net.Weights[k];
        var bias = new double[h];
        Array.Clear(w);
        int c = 0;
        foreach (var fit in fits)
        {
            for (int i = 0; i < fit.Components && c < components; i++, c++)
            {
                var u = fit.Unmixing.AsSpan(i * fanIn, fanIn);
                double b = 0;
                for (int f = 0; f < fanIn; f++)
                {
                    w[f * h + c] = T.CreateTruncating(u[f] / layer.Scale);
                    b -= u[f] * fit.Mean[f];
                }
                bias[c] = b;
            }
        }
        var stored = net.Biases[k];
        switch (net.Config.Bias)
        {
            case BiasMode.PerChannel:
                for (int j = 0; j < h; j++) stored[j] = T.CreateTruncating(bias[j]);
                break;
            case BiasMode.PerPosition:
                for (int p = 0; p < layer.Positions; p++)
                    for (int j = 0; j < h; j++) stored[p * h + j] = T.CreateTruncating(bias[j] / Network<T>.PerPositionBiasScale);
                break;
        }
    }

    /// <inheritdoc />
    public StepStats Step(ForwardPass<T> pass, ReadOnlySpan<int> labels)
    {
        for (int i = 0; i < _params.Count; i++) Array.Clear(_params[i].Grad);
        return _stats.Reset();
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Diagnostics()
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var f in _fits)
        {
            string key = $"layer{f.Layer}.";
            d[key + "ica_components"] = f.Components;
            d[key + "ica_rank"] = f.Rank;
            d[key + "ica_iterations"] = f.Iterations;
            d[key + "ica_converged"] = f.Converged ? 1 : 0;
            d[key + "ica_patches"] = f.Patches;
            d[key + "ica_fits"] = f.Fits.Count;
        }
        return d;
    }
}
