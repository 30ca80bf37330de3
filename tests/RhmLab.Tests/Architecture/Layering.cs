using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace RhmLab.Tests.Architecture;

/// <summary>
/// The layer order of docs/ARCHITECTURE.md and the checks that enforce it, written against any assembly or source so
/// that each check can be shown to fail on a planted violation (<see cref="LayeringTests"/>).
/// </summary>
internal static class Layering
{
    /// <summary>Bottom to top.</summary>
    public static readonly string[] Layers =
        ["Options", "IO", "Numerics", "Rhm", "Data", "Networks", "Evaluation", "Rules", "Training", "Experiments", "Analysis", "Paper"];

    /// <summary>The CLI, above every layer.</summary>
    public const string Top = "Cli";

    /// <summary>
    /// The position of a namespace in the order (a sub-namespace such as <c>RhmLab.Analysis.Figures</c> belongs to its
    /// layer; the CLI is above all), or −1 for a namespace outside the layers.
    /// </summary>
    public static int LayerOf(string? ns)
    {
        if (ns is null) return -1;
        var names = Layers.Append(Top).ToArray();
        for (int i = 0; i < names.Length; i++)
        {
            string layer = "RhmLab." + names[i];
            if (ns == layer || ns.StartsWith(layer + ".", StringComparison.Ordinal)) return i;
        }
        return -1;
    }

    /// <summary>
    /// Types of <paramref name="assembly"/> that live in no layer: outside the <c>RhmLab</c> root, in the global
    /// namespace, or in a namespace of the root that is not a layer. What the compiler adds on its own (state machines,
    /// closures, the attributes it embeds) is no one's type and is left out.
    /// </summary>
    public static IReadOnlyList<string> Strays(Assembly assembly) =>
        assembly.GetTypes()
            .Where(t => !t.IsNested && !t.Name.StartsWith('<') && !t.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false))
            .Where(t => LayerOf(t.Namespace) < 0 || LayerOf(t.Namespace) == Layers.Length)
            .Select(t => t.FullName ?? t.Name).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Every name in the source that refers to something of a higher layer, as "user → used (file:line)". This sees
    /// what compilation erases and the assembly therefore cannot show: a constant (inlined, also in a default
    /// parameter or an attribute argument), a <c>typeof</c> in an attribute (stored as a string), a <c>nameof</c>.
    /// </summary>
    public static IReadOnlyList<string> UpwardReferences(CSharpCompilation compilation)
    {
        var found = new List<string>();
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var name in tree.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
            {
                int user = LayerOf(NamespaceOf(model.GetEnclosingSymbol(name.SpanStart)));
                if (user < 0) continue;
                var info = model.GetSymbolInfo(name);
                var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
                if (symbol is null or INamespaceSymbol or ILocalSymbol or IParameterSymbol or ITypeParameterSymbol or IRangeVariableSymbol or ILabelSymbol) continue;
                string? usedNs = NamespaceOf(symbol);
                int used = LayerOf(usedNs);
                if (used > user)
                {
                    var at = name.GetLocation().GetLineSpan();
                    found.Add($"{NamespaceOf(model.GetEnclosingSymbol(name.SpanStart))} → {symbol.ToDisplayString()} ({Path.GetFileName(at.Path)}:{at.StartLinePosition.Line + 1})");
                }
            }
        }
        return found;
    }

    /// <summary>The namespace a symbol is declared in (through its containing types).</summary>
    private static string? NamespaceOf(ISymbol? symbol)
    {
        while (symbol is not null and not INamespaceSymbol) symbol = symbol.ContainingSymbol;
        return symbol is INamespaceSymbol { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null;
    }

    /// <summary>
    /// Compiles C# sources against the runtime and the libraries beside the tests (not the product itself, whose
    /// source may be among them), with the SDK's implicit usings.
    /// </summary>
    public static CSharpCompilation Compile(IEnumerable<(string Path, string Text)> sources, string assemblyName)
    {
        var parse = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Preview);
        string implicitUsings = string.Concat(new[] { "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks" }
            .Select(u => $"global using global::{u};\n"));
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, parse, s.Path))
            .Append(CSharpSyntaxTree.ParseText(implicitUsings, parse, "ImplicitUsings.cs")).ToList();
        var product = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "RhmLab.dll", "RhmLab.Cli.dll", "RhmLab.Tests.dll" };
        var references = new Dictionary<string, MetadataReference>(StringComparer.OrdinalIgnoreCase);
        var platform = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (string file in platform.Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll")))
        {
            string key = Path.GetFileName(file);
            if (product.Contains(key) || references.ContainsKey(key)) continue;
            try { references[key] = MetadataReference.CreateFromFile(file); }
            catch (Exception e) when (e is IOException or BadImageFormatException) { }
        }
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable);
        return CSharpCompilation.Create(assemblyName, trees, references.Values, options);
    }

    /// <summary>The library's source: every .cs file under src/RhmLab outside bin and obj.</summary>
    public static IEnumerable<(string Path, string Text)> LibrarySource()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "RhmLab.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException($"no RhmLab.sln above {AppContext.BaseDirectory}");
        string src = Path.Combine(dir.FullName, "src", "RhmLab");
        var sep = Path.DirectorySeparatorChar;
        return Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{sep}obj{sep}", StringComparison.Ordinal) && !f.Contains($"{sep}bin{sep}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => (f, File.ReadAllText(f)));
    }

    /// <summary>
    /// Compiler errors, one line each (an analysis of source that does not compile would miss names), except the one
    /// the absent source generators leave: a <c>[GeneratedRegex]</c> method without its generated body (CS8795), whose
    /// names all bind.
    /// </summary>
    public static IReadOnlyList<string> Errors(Compilation compilation) =>
        compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS8795").Select(d => d.ToString()).ToList();

    /// <summary>Emits a compilation and loads it in a context of its own, which is unloaded with it.</summary>
    public static Assembly Load(CSharpCompilation compilation, System.Runtime.Loader.AssemblyLoadContext context)
    {
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        if (!emitted.Success) throw new InvalidOperationException(string.Join("\n", emitted.Diagnostics));
        image.Position = 0;
        return context.LoadFromStream(image);
    }
}
